"""Generated histories are consistent with each issue, people are a parameter, and histories
are served as Jira serves them (changelog pages, bulk fetch, expansions, the status list)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import requests

from connectors.jira.emulator import JiraEmulator, Organisation, generate_organisation
from connectors.jira.emulator.catalog import STATUSES
from connectors.jira.emulator.history import RESOLUTION, STATUS, record_as_of
from connectors.jira.emulator.people import default_people
from tests.emulator.emulator_support import NOW, running

Served = tuple[JiraEmulator, str]


def test_every_history_starts_in_to_do_and_ends_in_the_current_state(org: Organisation) -> None:
    ids = [entry.id for history in org.histories.values() for entry in history]
    assert len(ids) == len(set(ids)), "history ids are unique in the instance"
    reopened = 0
    for record in org.issues:
        history = org.histories.get(record.id, ())
        times = [entry.created_ms for entry in history]
        assert times == sorted(times)
        assert all(record.created_ms < t <= record.updated_ms for t in times)
        created = record_as_of(record, history, record.created_ms)
        assert created is not None
        assert STATUSES[created.status].category == "new"
        assert (created.resolution, created.resolved_ms) == (None, None)
        statuses = [i for e in history for i in e.items if i.kind == STATUS]
        if statuses:
            assert statuses[-1].after == record.status
            assert [i.before for i in statuses[1:]] == [i.after for i in statuses[:-1]]
        resolved = [e for e in history for i in e.items if i.kind == RESOLUTION and i.after]
        assert (resolved[-1].created_ms if resolved else None) == record.resolved_ms
        reopened += len(resolved) > 1
    assert reopened > 0, "some done issues were reopened and done again"


def test_people_are_a_parameter_and_everything_is_deterministic_by_seed() -> None:
    first = generate_organisation(2000, seed=3, now=NOW, people=60)
    again = generate_organisation(2000, seed=3, now=NOW, people=60)

    assert (first.issues, first.histories, first.people) == (
        again.issues,
        again.histories,
        again.people,
    )
    assert len(first.people) == 60
    assert set(Counter(p.team for p in first.people)) == {t.name for t in first.teams}
    assert all(re.fullmatch(r"[0-9a-f]{24}", p.account_id) for p in first.people)
    assert len({p.key for p in first.people}) == 60
    accounts = {p.account_id for p in first.people}
    assert {r.assignee for r in first.issues} - {None} <= accounts
    assert default_people(200_000, 5) == 500


def test_cloud_pages_an_issues_changelog_oldest_first(cloud: Served, org: Organisation) -> None:
    _, url = cloud
    record = max(org.issues, key=lambda r: len(org.histories.get(r.id, ())))
    history = org.histories[record.id]
    link = f"{url}/rest/api/3/issue/{record.key}/changelog"

    first = requests.get(link, params={"maxResults": 2}, timeout=10).json()
    rest = requests.get(link, params={"startAt": 2, "maxResults": 100}, timeout=10).json()

    assert (first["total"], first["isLast"], first["startAt"]) == (len(history), False, 0)
    assert first["nextPage"].endswith("startAt=2&maxResults=2")
    ids = [int(v["id"]) for v in first["values"] + rest["values"]]
    assert ids == [entry.id for entry in history]
    assert rest["isLast"] is True


@pytest.mark.parametrize("version", ["2", "3"])
def test_the_status_list_gives_each_status_its_category(dc: Served, version: str) -> None:
    _, url = dc
    listed = requests.get(f"{url}/rest/api/{version}/status", timeout=10).json()
    assert {s["id"]: s["statusCategory"]["key"] for s in listed} == {
        status.id: status.category for status in STATUSES.values()
    }


def _bulk(url: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{url}/rest/api/3/changelog/bulkfetch", json=body, timeout=30)


def test_bulk_fetch_refuses_too_many_issues_or_fields_as_jira_does(cloud: Served) -> None:
    _, url = cloud
    ids = [str(10000 + n) for n in range(1001)]
    assert _bulk(url, {"issueIdsOrKeys": ids}).status_code == 400
    assert _bulk(url, {"issueIdsOrKeys": ids[:1000]}).status_code == 200
    fields = [f"customfield_{n}" for n in range(11)]
    assert _bulk(url, {"issueIdsOrKeys": ids[:5], "fieldIds": fields}).status_code == 400
    assert _bulk(url, {"issueIdsOrKeys": []}).status_code == 400


def test_bulk_fetch_filters_items_by_field_and_serves_the_oldest_first(
    cloud: Served, org: Organisation
) -> None:
    _, url = cloud
    ids = [str(r.id) for r in org.issues[:300]]
    answer = _bulk(url, {"issueIdsOrKeys": ids, "fieldIds": ["assignee"]}).json()
    histories = [h for log in answer["issueChangeLogs"] for h in log["changeHistories"]]
    assert histories
    assert {i["fieldId"] for h in histories for i in h["items"]} == {"assignee"}
    for log in answer["issueChangeLogs"]:
        created = [h["created"] for h in log["changeHistories"]]
        assert created == sorted(created)
    firsts = [log["changeHistories"][0]["created"] for log in answer["issueChangeLogs"]]
    assert firsts == sorted(firsts), "issues come in the order of their oldest change shown"
    assert "nextPageToken" not in answer


def test_data_center_shows_the_latest_histories_inline_and_the_whole_on_the_issue(
    org: Organisation,
) -> None:
    with running(org, "dc", dc_inline_changelog=2) as (_, url):
        record = max(org.issues, key=lambda r: len(org.histories.get(r.id, ())))
        history = org.histories[record.id]
        found = requests.get(
            f"{url}/rest/api/2/search",
            params={"jql": f"key = {record.key}", "expand": "changelog"},
            timeout=10,
        ).json()["issues"][0]["changelog"]
        whole = requests.get(
            f"{url}/rest/api/2/issue/{record.id}", params={"expand": "changelog"}, timeout=10
        ).json()["changelog"]
        missing = requests.get(f"{url}/rest/api/2/issue/{record.key}/changelog", timeout=10)
    assert found["total"] == len(history) > 2
    assert [int(h["id"]) for h in found["histories"]] == [e.id for e in history[-2:]]
    assert [int(h["id"]) for h in whole["histories"]] == [e.id for e in history]
    assert missing.status_code == 404, "the per-issue changelog resource is Cloud's"
    assert all("fieldId" not in i for h in whole["histories"] for i in h["items"])


def test_mutations_append_the_entries_jira_records(cloud: Served, org: Organisation) -> None:
    emulator, url = cloud
    record = next(r for r in org.issues if r.status == "In Progress" and r.project == "MOB")
    person = next(p for p in org.people if p.account_id != record.assignee)
    emulator.edit(record.id, status="Done", assignee=person.account_id)
    new_key = emulator.move(record.id, "PLAT")

    values = requests.get(
        f"{url}/rest/api/3/issue/{record.key}/changelog", params={"maxResults": 100}, timeout=10
    ).json()["values"]
    edit, move = values[-2:]
    assert {i["fieldId"]: (i["fromString"], i["toString"]) for i in edit["items"]} == {
        "status": ("In Progress", "Done"),
        "resolution": (None, "Done"),
        "assignee": (_name(org, record.assignee), person.display_name),
    }
    assert [(i["field"], i["fromString"], i["toString"]) for i in move["items"]] == [
        ("project", "Mobile", "Platform"),
        ("Key", record.key, new_key),
    ]


def _name(org: Organisation, account: str | None) -> str | None:
    return next((p.display_name for p in org.people if p.account_id == account), None)
