"""Search over loopback: Cloud token paging, Data Center offset paging, removed endpoints."""

from __future__ import annotations

from collections import Counter

import requests

from connectors.jira.emulator import JiraEmulator, Organisation
from connectors.jira.emulator.api import REMOVED_MESSAGE
from connectors.jira.emulator.search import UNBOUNDED_MESSAGE
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
