"""Search over loopback: Cloud token paging, Data Center offset paging, removed endpoints."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import requests

from connectors.jira.emulator import JiraEmulator, Organisation
from connectors.jira.emulator.api import REMOVED_MESSAGE
from connectors.jira.emulator.search import UNBOUNDED_MESSAGE
from connectors.jira.jql import LAST_FIRST_ORDER, reordered, sync_partitions
from connectors.jira.ranges import Extent, split
from tests.emulator.emulator_support import cloud_sweep, running

Served = tuple[JiraEmulator, str]


def _ids(org: Organisation, *projects: str) -> list[str]:
    return [str(i.id) for i in org.issues if i.project in projects]


def test_cloud_token_loop_collects_every_issue_exactly_once(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    _emulator, url = cloud
    issues = cloud_sweep(
        http, url, 'project in ("SHOP", "PLAT") ORDER BY created ASC, key ASC', max_results=500
    )
    counts = Counter(str(i["id"]) for i in issues)
    assert set(counts) == set(_ids(org, "SHOP", "PLAT"))
    assert set(counts.values()) == {1}


def test_cloud_clamps_full_pages_to_100_and_id_pages_to_the_id_cap(
    org: Organisation, http: requests.Session
) -> None:
    with running(org, "cloud", cloud_id_max_results=300) as (emulator, url):
        jql = 'project = "SHOP" ORDER BY key ASC'
        full = http.get(
            f"{url}/rest/api/2/search/jql",
            params={"jql": jql, "fields": "*all", "maxResults": 5000},
        ).json()
        ids = http.get(
            f"{url}/rest/api/2/search/jql", params={"jql": jql, "fields": "id", "maxResults": 5000}
        ).json()
        assert len(full["issues"]) == 100
        assert len(ids["issues"]) == 300
        assert ids["issues"][0] == {"id": ids["issues"][0]["id"]}
        assert "total" not in full
        assert "startAt" not in full
        assert emulator.issues_served == 400


def test_cloud_census_by_key_returns_ids_in_key_order(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    _emulator, url = cloud
    issues = cloud_sweep(
        http, url, 'project = "SHOP" ORDER BY key ASC', fields="id", max_results=5000
    )
    by_number = sorted((i for i in org.issues if i.project == "SHOP"), key=lambda i: i.number)
    assert [i["id"] for i in issues] == [str(i.id) for i in by_number]


def test_cloud_search_defaults_to_ids_only(cloud: Served, http: requests.Session) -> None:
    _emulator, url = cloud
    page = http.get(f"{url}/rest/api/3/search/jql", params={"jql": "project = MOB"}).json()
    assert len(page["issues"]) == 50
    assert all(set(issue) == {"id"} for issue in page["issues"])


def test_cloud_post_accepts_nulls_lists_and_an_expand_string(
    cloud: Served, http: requests.Session
) -> None:
    _emulator, url = cloud
    body = {
        "jql": "project = GROW ORDER BY created ASC",
        "fields": ["summary", "status"],
        "expand": "names",
        "properties": None,
        "reconcileIssues": [],
        "maxResults": 3,
        "nextPageToken": None,
    }
    page = http.post(f"{url}/rest/api/2/search/jql", json=body).json()
    assert [set(i["fields"]) for i in page["issues"]] == [{"summary", "status"}] * 3
    assert page["names"] == {"summary": "Summary", "status": "Status"}
    second = http.post(
        f"{url}/rest/api/2/search/jql", json=body | {"nextPageToken": page["nextPageToken"]}
    ).json()
    assert {i["id"] for i in second["issues"]}.isdisjoint({i["id"] for i in page["issues"]})


def test_cloud_repeated_and_comma_separated_fields_are_merged(
    cloud: Served, http: requests.Session
) -> None:
    _emulator, url = cloud
    response = http.get(
        f"{url}/rest/api/3/search/jql?jql=project%3DDATA&maxResults=1"
        "&fields=summary,labels&fields=customfield_10016"
    )
    (issue,) = response.json()["issues"]
    assert set(issue["fields"]) == {"summary", "labels", "customfield_10016"}


def test_cloud_removed_search_endpoints_answer_410(cloud: Served, http: requests.Session) -> None:
    _emulator, url = cloud
    expected = {"errorMessages": [REMOVED_MESSAGE], "errors": {}}
    answers = [
        http.get(f"{url}/rest/api/2/search", params={"jql": "project = SHOP"}),
        http.post(f"{url}/rest/api/3/search", json={"jql": "project = SHOP"}),
        http.post(f"{url}/rest/api/3/search/id", json={"jql": "project = SHOP"}),
    ]
    assert [(a.status_code, a.json()) for a in answers] == [(410, expected)] * 3
    assert answers[0].headers["X-RateLimit-Limit"] == "350"


def test_cloud_rejects_unbounded_jql(cloud: Served, http: requests.Session) -> None:
    _emulator, url = cloud
    answer = http.get(f"{url}/rest/api/3/search/jql", params={"jql": "order by key desc"})
    assert (answer.status_code, answer.json()) == (
        400,
        {"errorMessages": [UNBOUNDED_MESSAGE], "errors": {}},
    )


def test_cloud_approximate_count_counts_the_matches(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    _emulator, url = cloud
    answer = http.post(
        f"{url}/rest/api/2/search/approximate-count",
        json={"jql": "project = PLAT AND issuetype = Epic"},
    )
    expected = sum(i.project == "PLAT" and i.issue_type == "Epic" for i in org.issues)
    assert answer.json() == {"count": expected}


def test_dc_steps_by_the_echoed_clamped_page_size(
    dc: Served, http: requests.Session, org: Organisation
) -> None:
    _emulator, url = dc
    seen: list[str] = []
    start = 0
    while True:
        page = http.get(
            f"{url}/rest/api/2/search",
            params={
                "jql": 'project = "SHOP" ORDER BY created ASC, key ASC',
                "startAt": start,
                "maxResults": 1000,
                "fields": "id",
            },
        ).json()
        assert page["maxResults"] == 50
        assert page["total"] == len(_ids(org, "SHOP"))
        seen.extend(i["id"] for i in page["issues"])
        start += page["maxResults"]
        if start >= page["total"]:
            break
    assert seen == _ids(org, "SHOP")


def test_dc_defaults_to_navigable_fields_and_has_no_search_jql(
    dc: Served, http: requests.Session
) -> None:
    _emulator, url = dc
    page = http.get(f"{url}/rest/api/2/search", params={"jql": "project = SHOP"}).json()
    assert {"summary", "status", "customfield_10106", "customfield_10101"} <= set(
        page["issues"][0]["fields"]
    )
    missing = http.get(f"{url}/rest/api/2/search/jql", params={"jql": "project = SHOP"})
    assert missing.status_code == 404
    assert set(missing.json()) == {"errorMessages", "errors"}


def test_dc_accepts_unbounded_jql_and_reports_bad_jql_with_400(
    dc: Served, http: requests.Session, org: Organisation
) -> None:
    _emulator, url = dc
    everything = http.post(f"{url}/rest/api/2/search", json={"jql": "", "fields": ["id"]})
    assert everything.json()["total"] == len(org.issues)
    bad = http.get(f"{url}/rest/api/2/search", params={"jql": "project = SHOP AND"})
    assert bad.status_code == 400
    assert bad.json()["errorMessages"][0].startswith("Error in the JQL Query:")


def _shop_ranges(org: Organisation, pieces: int) -> tuple[str, ...]:
    """The range queries syncd sends for project SHOP (UTC user), cut from its real ends."""
    shop = sorted(i.created_ms for i in org.issues if i.project == "SHOP")
    extent = Extent(
        datetime.fromtimestamp(shop[0] / 1000, UTC),
        datetime.fromtimestamp(shop[-1] / 1000, UTC),
        len(shop),
    )
    (partition,) = sync_partitions(["SHOP"], None, since=None, overlap_minutes=5, zone=UTC)
    return tuple(part.jql for part in split(partition, extent, pieces, UTC))


def test_cloud_answers_range_queries_as_syncd_sends_them(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    """Each ``created <`` / ``created >=`` range is accepted; together they hold every SHOP
    issue once; the last-first probe order is accepted and puts the newest issue first."""
    _emulator, url = cloud
    ranges = _shop_ranges(org, 7)
    counts = Counter(str(i["id"]) for jql in ranges for i in cloud_sweep(http, url, jql, "id"))
    assert set(counts) == set(_ids(org, "SHOP"))
    assert set(counts.values()) == {1}
    (partition,) = sync_partitions(["SHOP"], None, since=None, overlap_minutes=5, zone=UTC)
    last = http.get(
        f"{url}/rest/api/3/search/jql",
        params={"jql": reordered(partition.jql, LAST_FIRST_ORDER), "maxResults": 1},
    ).json()
    newest = max((i for i in org.issues if i.project == "SHOP"), key=lambda i: i.created_ms)
    assert last["issues"] == [{"id": str(newest.id)}]


def test_dc_answers_range_queries_and_rejects_what_jira_rejects(
    dc: Served, http: requests.Session, org: Organisation
) -> None:
    """Data Center: every range's ``total`` adds up to the project's; a datetime with
    seconds, or a comparison with no value, is a 400 in Jira's words."""
    _emulator, url = dc
    totals = [
        http.get(f"{url}/rest/api/2/search", params={"jql": jql, "maxResults": 0}).json()["total"]
        for jql in _shop_ranges(org, 5)
    ]
    assert sum(totals) == len(_ids(org, "SHOP"))
    assert all(totals)
    for jql, message in (
        ('project = SHOP AND created < "2026/11/02 10:30:15"', "Date value '2026/11/02 10:30:15'"),
        ("project = SHOP AND created <", "Error in the JQL Query: Expecting either a value"),
        ("project = SHOP ORDER BY created DOWN", "Error in the JQL Query: Expecting either 'OR'"),
    ):
        answer = http.get(f"{url}/rest/api/2/search", params={"jql": jql})
        assert answer.status_code == 400, jql
        assert answer.json()["errorMessages"][0].startswith(message), answer.json()
