"""Mutations made through the emulator's API show up through search and GET /issue."""

from __future__ import annotations

from datetime import timedelta

import requests

from connectors.jira.emulator import JiraEmulator, Organisation
from connectors.jira.emulator.records import to_ms
from tests.emulator.emulator_support import NOW, cloud_sweep

Served = tuple[JiraEmulator, str]
_SINCE = '"2026/11/20 14:05"'  # the minute of NOW, in the default UTC user zone


def _changed(http: requests.Session, url: str, project: str) -> dict[str, dict[str, object]]:
    jql = f'project = "{project}" AND updated >= {_SINCE} ORDER BY created ASC, key ASC'
    return {str(i["key"]): i for i in cloud_sweep(http, url, jql)}


def test_edit_stamps_updated_and_appears_in_an_incremental_query(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    emulator, url = cloud
    story = next(i for i in org.issues if i.project == "SHOP" and i.status == "In Progress")
    emulator.clock.set(NOW + timedelta(seconds=5))
    emulator.edit(story.id, status="Done", labels=["tech-debt"])
    changed = _changed(http, url, "SHOP")
    assert story.key in changed
    fields = changed[story.key]["fields"]
    assert isinstance(fields, dict)
    assert fields["updated"] == "2026-11-20T14:05:35.000+0000"
    assert fields["resolutiondate"] == fields["updated"]
    assert fields["status"]["statusCategory"]["key"] == "done"
    assert fields["labels"] == ["tech-debt"]


def test_created_issue_is_searchable_and_fetchable(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    emulator, url = cloud
    minute = to_ms(NOW.replace(second=0))
    before = [str(i.id) for i in org.issues if i.project == "PLAT" and i.updated_ms >= minute]
    new_id = emulator.create("PLAT", "Bug", summary="Pager storm", labels=["incident"])
    changed = [str(i["id"]) for i in _changed(http, url, "PLAT").values()]
    assert changed == [*before, str(new_id)]
    issue = http.get(f"{url}/rest/api/2/issue/{new_id}").json()
    assert (issue["fields"]["summary"], issue["fields"]["issuetype"]["name"]) == (
        "Pager storm",
        "Bug",
    )


def test_move_keeps_the_id_gives_a_new_key_and_the_old_key_finds_it(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    """As in Jira, the old key still finds the moved issue, which answers with its new key."""
    emulator, url = cloud
    issue = next(i for i in org.issues if i.project == "GROW" and i.issue_type == "Task")
    new_key = emulator.move(issue.id, "SHOP")
    assert new_key.startswith("SHOP-")
    by_old_key = http.get(f"{url}/rest/api/2/issue/{issue.key}").json()
    assert (by_old_key["id"], by_old_key["key"]) == (str(issue.id), new_key)
    assert http.get(f"{url}/rest/api/2/issue/{new_key}").json()["id"] == str(issue.id)
    assert _changed(http, url, "SHOP")[new_key]["id"] == str(issue.id)
    grow = cloud_sweep(http, url, "project = GROW", fields="id", max_results=5000)
    assert str(issue.id) not in {i["id"] for i in grow}


def test_delete_removes_the_issue_and_its_subtasks(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    emulator, url = cloud
    parent_ids = {i.parent_id for i in org.issues if i.issue_type == "Sub-task"}
    parent = next(i for i in org.issues if i.id in parent_ids)
    subtasks = {str(i.id) for i in org.issues if i.parent_id == parent.id}
    emulator.delete(parent.id)
    census = {
        i["id"]
        for i in cloud_sweep(
            http, url, f"project = {parent.project}", fields="id", max_results=5000
        )
    }
    assert census.isdisjoint(subtasks | {str(parent.id)})
    answer = http.get(f"{url}/rest/api/3/issue/{parent.key}")
    assert (answer.status_code, answer.json()["errorMessages"]) == (
        404,
        ["Issue does not exist or you do not have permission to see it."],
    )


def test_revoked_project_disappears_until_restored(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    emulator, url = cloud
    emulator.revoke("DATA")
    listed = [p["key"] for p in http.get(f"{url}/rest/api/2/project").json()]
    assert listed == ["SHOP", "GROW", "MOB", "PLAT"]
    search = [p["key"] for p in http.get(f"{url}/rest/api/3/project/search").json()["values"]]
    assert search == listed
    everything = cloud_sweep(http, url, "labels is EMPTY OR labels is not EMPTY", "project")
    assert {i["fields"]["project"]["key"] for i in everything} == set(listed)  # type: ignore[index]
    named = http.get(f"{url}/rest/api/3/search/jql", params={"jql": "project = DATA"})
    assert named.status_code == 400
    data_issue = next(i for i in org.issues if i.project == "DATA")
    assert http.get(f"{url}/rest/api/2/issue/{data_issue.key}").status_code == 404
    emulator.restore("DATA")
    assert http.get(f"{url}/rest/api/2/issue/{data_issue.key}").status_code == 200


def test_dc_offsets_shift_when_an_issue_is_deleted_mid_sweep(
    dc: Served, http: requests.Session, org: Organisation
) -> None:
    """Offset paging is not a snapshot: a deletion behind the cursor skips one issue."""
    emulator, url = dc
    jql = 'project = "SHOP" ORDER BY created ASC, key ASC'
    first = http.get(f"{url}/rest/api/2/search", params={"jql": jql, "fields": "id"}).json()
    emulator.delete(int(first["issues"][0]["id"]))
    second = http.get(
        f"{url}/rest/api/2/search", params={"jql": jql, "fields": "id", "startAt": 50}
    ).json()
    shop = [str(i.id) for i in org.issues if i.project == "SHOP"]
    assert second["total"] == len(shop) - 1
    assert second["issues"][0]["id"] == shop[51]


def test_eventual_consistency_hides_recent_changes_unless_reconciled(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    emulator, url = cloud
    emulator.faults.consistency_lag_seconds = 60
    old = next(i for i in org.issues if i.project == "MOB" and i.labels)
    emulator.edit(old.id, labels=["fresh"])
    new_id = emulator.create("MOB", "Task", labels=["fresh"])
    query = {"jql": "project = MOB AND labels = fresh", "fields": "labels"}
    stale = http.post(f"{url}/rest/api/3/search/jql", json=query).json()
    assert stale["issues"] == []
    reconciled = http.post(
        f"{url}/rest/api/3/search/jql", json=query | {"reconcileIssues": [old.id, new_id]}
    ).json()
    assert sorted(int(i["id"]) for i in reconciled["issues"]) == sorted([old.id, new_id])
    emulator.clock.advance(61)
    caught_up = http.post(f"{url}/rest/api/3/search/jql", json=query).json()
    assert len(caught_up["issues"]) == 2
