"""Issues rendered as each deployment sends them, and what the jira client makes of them."""

from __future__ import annotations

import re
from typing import Any

import requests
from jira import JIRA

from connectors.jira.emulator import JiraEmulator, Organisation
from tests.emulator.emulator_support import running

Served = tuple[JiraEmulator, str]
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}")


def _issue(http: requests.Session, url: str, key: str) -> dict[str, Any]:
    answer = http.get(f"{url}/rest/api/2/issue/{key}")
    assert answer.status_code == 200
    fields: dict[str, Any] = answer.json()["fields"]
    return fields


def _custom(http: requests.Session, url: str) -> dict[str, str]:
    """Custom field ids by their ``schema.custom`` type, as connectors discover them."""
    return {
        f["schema"]["custom"].split(":")[1]: f["id"]
        for f in http.get(f"{url}/rest/api/2/field").json()
        if f["custom"]
    }


def test_cloud_links_children_to_epics_with_parent(
    cloud: Served, http: requests.Session, org: Organisation
) -> None:
    _emulator, url = cloud
    by_id = {i.id: i for i in org.issues}
    story = next(i for i in org.issues if i.issue_type == "Story" and i.parent_id and i.sprint_ids)
    fields = _issue(http, url, story.key)
    epic = by_id[story.parent_id or 0]
    assert (fields["parent"]["key"], fields["parent"]["fields"]["issuetype"]["name"]) == (
        epic.key,
        "Epic",
    )
    assert fields["parent"]["fields"]["issuetype"]["hierarchyLevel"] == 1
    assert fields["customfield_10014"] is None
    assert fields["issuetype"] == fields["issuetype"] | {"subtask": False, "hierarchyLevel": 0}
    sprint = fields["customfield_10020"][0]
    assert set(sprint) >= {"id", "name", "state", "boardId", "startDate", "endDate"}
    assert _custom(http, url) == {
        "jsw-story-points": "customfield_10016",
        "float": "customfield_10026",
        "gh-sprint": "customfield_10020",
        "gh-epic-link": "customfield_10014",
        "gh-lexo-rank": "customfield_10019",
        "atlassian-team": "customfield_10001",
    }


def test_dc_links_epics_with_epic_link_and_subtasks_with_parent(
    dc: Served, http: requests.Session, org: Organisation
) -> None:
    _emulator, url = dc
    by_id = {i.id: i for i in org.issues}
    story = next(i for i in org.issues if i.issue_type == "Story" and i.parent_id and i.sprint_ids)
    fields = _issue(http, url, story.key)
    assert fields["parent"] is None
    assert fields["customfield_10101"] == by_id[story.parent_id or 0].key
    assert "hierarchyLevel" not in fields["issuetype"]
    sprint = fields["customfield_10105"][0]
    parsed = dict(re.findall(r"(\w+)=([^,\]]+)", sprint))
    assert sprint.startswith("com.atlassian.greenhopper.service.sprint.Sprint@")
    assert {"id", "rapidViewId", "state", "name", "startDate", "endDate", "sequence"} <= set(parsed)
    subtask = next(i for i in org.issues if i.issue_type == "Sub-task")
    sub_fields = _issue(http, url, subtask.key)
    assert sub_fields["parent"]["key"] == by_id[subtask.parent_id or 0].key
    assert sub_fields["issuetype"]["subtask"] is True
    assert _custom(http, url) == {
        "float": "customfield_10106",
        "gh-sprint": "customfield_10105",
        "gh-epic-link": "customfield_10101",
        "gh-epic-label": "customfield_10102",
        "gh-lexo-rank": "customfield_10104",
        "select": "customfield_10110",
    }


def test_team_field_shape_per_mode(org: Organisation, http: requests.Session) -> None:
    issue = next(i for i in org.issues if i.team is not None)
    with running(org, "cloud") as (_e, url):
        assert _issue(http, url, issue.key)["customfield_10001"]["name"] == issue.team
    with running(org, "dc") as (_e, url):
        assert _issue(http, url, issue.key)["customfield_10110"]["value"] == issue.team


def test_timestamps_use_the_instance_zone_offset(org: Organisation, http: requests.Session) -> None:
    resolved = next(i for i in org.issues if i.resolved_ms and i.time_spent)
    with running(org, "dc", instance_timezone="America/New_York") as (_e, url):
        fields = _issue(http, url, resolved.key)
    for name in ("created", "updated", "resolutiondate"):
        assert _STAMP.fullmatch(fields[name])
        assert fields[name][-5:] in ("-0500", "-0400")
    assert fields["timetracking"]["timeSpentSeconds"] == resolved.time_spent
    assert fields["timespent"] == resolved.time_spent


def test_jira_client_reads_cloud_with_the_enhanced_search(org: Organisation) -> None:
    with running(org, "cloud") as (emulator, url):
        client = JIRA(url, basic_auth=("me@acme.example", "token"), max_retries=0)
        assert client._is_cloud
        enhanced = client.enhanced_search_issues(
            "project = GROW ORDER BY key ASC", maxResults=False
        )
        classic = client.search_issues("project = GROW", maxResults=False, fields="summary")
        paths = {r.path for r in emulator.requests}
    expected = {str(i.id) for i in org.issues if i.project == "GROW"}
    assert {i.id for i in enhanced} == expected
    assert {i.id for i in classic} == expected
    assert "/rest/api/2/search/jql" in paths
    assert "/rest/api/2/search" not in paths


def test_jira_client_reads_data_center_by_offset(org: Organisation) -> None:
    with running(org, "dc", dc_max_results=40) as (_emulator, url):
        client = JIRA(url, token_auth="pat", max_retries=0)
        assert not client._is_cloud
        issues = client.search_issues("project = DATA", maxResults=False)
    assert [i.key for i in issues] == [i.key for i in org.issues if i.project == "DATA"]
    assert issues[0].fields.status.statusCategory.key in ("new", "indeterminate", "done")
