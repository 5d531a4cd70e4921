"""Raw Cloud and Data Center issue payloads into domain issues, or into rejected records."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.jira.fields import FieldIds
from connectors.jira.parse import EXCERPT_LIMIT, parse_issue, sprint_names
from syncd.core.domain import Issue, RejectedRecord, StatusCategory

CLOUD_IDS = FieldIds(
    story_points="customfield_10016",
    sprint="customfield_10020",
    epic_link="customfield_10014",
    team="customfield_10001",
    extra={"okr": "customfield_10500"},
)
DC_IDS = FieldIds(
    story_points="customfield_10106",
    sprint="customfield_10105",
    epic_link="customfield_10101",
    team="customfield_10110",
)

CLOUD_STORY: dict[str, Any] = {
    "id": "10001",
    "key": "SHOP-12",
    "self": "https://acme.atlassian.net/rest/api/2/issue/10001",
    "fields": {
        "summary": "Apply promotion codes at checkout",
        "issuetype": {"id": "10001", "name": "Story", "subtask": False, "hierarchyLevel": 0},
        "project": {"id": "10000", "key": "SHOP", "simplified": False},
        "status": {
            "name": "In Progress",
            "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
        },
        "priority": {"id": "3", "name": "Medium"},
        "labels": ["feature", "kr:SHOP-KR1"],
        "components": [{"id": "1", "name": "Promotions"}],
        "parent": {
            "id": "10097",
            "key": "SHOP-5",
            "fields": {
                "summary": "Promotions",
                "issuetype": {"name": "Épica", "hierarchyLevel": 1},
            },
        },
        "created": "2025-01-10T08:00:00.000-0800",
        "updated": "2025-03-01T10:15:30.123+0000",
        "resolutiondate": None,
        "timespent": 10800,
        "timetracking": {"timeSpentSeconds": 10800},
        "customfield_10016": 5,
        "customfield_10020": [
            {"id": 6, "name": "Sprint 6", "state": "closed", "boardId": 42},
            {"id": 7, "name": "Sprint 7", "state": "active", "boardId": 42},
        ],
        "customfield_10014": None,
        "customfield_10001": {"id": "a1b2", "name": "checkout"},
        "customfield_10500": "SHOP-KR1",
    },
}

DC_SUBTASK: dict[str, Any] = {
    "id": "20417",
    "key": "PLAT-88",
    "fields": {
        "summary": "Rotate the signing keys",
        "issuetype": {"name": "Sub-task", "subtask": True},
        "project": {"key": "PLAT"},
        "status": {"name": "Done", "statusCategory": {"key": "done"}},
        "priority": None,
        "labels": [],
        "components": [],
        "parent": {
            "id": "20400",
            "key": "PLAT-80",
            "fields": {"summary": "Key rotation", "issuetype": {"name": "Task"}},
        },
        "created": "2024-12-31T23:30:00.000+1400",
        "updated": "2025-01-02T09:00:00.000+0530",
        "resolutiondate": "2025-01-02T09:00:00.000+0530",
        "timespent": None,
        "timetracking": {"timeSpentSeconds": 1800},
        "customfield_10106": 2.5,
        "customfield_10105": [
            "com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=41,rapidViewId=4,"
            "state=CLOSED,name=Platform 41,startDate=2024-12-01T09:00:00.000Z,sequence=41]",
            {"id": 42, "name": "Platform, Sprint 42", "state": "active"},
        ],
        "customfield_10101": "PLAT-3",
        "customfield_10110": {"value": "platform", "id": "10300"},
    },
}


def test_a_cloud_story_under_an_epic_is_fully_normalised() -> None:
    parsed = parse_issue(CLOUD_STORY, "acme", CLOUD_IDS)
    assert parsed == Issue(
        source="acme",
        issue_id=10001,
        key="SHOP-12",
        project="SHOP",
        issue_type="Story",
        summary="Apply promotion codes at checkout",
        status="In Progress",
        status_category=StatusCategory.IN_PROGRESS,
        created=datetime(2025, 1, 10, 16, 0, tzinfo=UTC),
        updated=datetime(2025, 3, 1, 10, 15, 30, 123000, tzinfo=UTC),
        resolved=None,
        priority="Medium",
        labels=("feature", "kr:SHOP-KR1"),
        components=("Promotions",),
        parent_key="SHOP-5",
        epic_key="SHOP-5",
        story_points=5.0,
        time_spent_seconds=10800,
        sprints=("Sprint 6", "Sprint 7"),
        team="checkout",
    )
    assert isinstance(parsed, Issue)
    assert parsed.custom == {"okr": "SHOP-KR1"}
    assert parsed.raw is CLOUD_STORY


def test_a_data_center_subtask_takes_its_epic_from_epic_link_and_its_parent_from_parent() -> None:
    parsed = parse_issue(DC_SUBTASK, "dc", DC_IDS)
    assert isinstance(parsed, Issue)
    assert (parsed.parent_key, parsed.epic_key) == ("PLAT-80", "PLAT-3")
    assert parsed.created == datetime(2024, 12, 31, 9, 30, tzinfo=UTC)
    assert parsed.resolved == datetime(2025, 1, 2, 3, 30, tzinfo=UTC)
    assert parsed.sprints == ("Platform 41", "Platform, Sprint 42")
    assert parsed.team == "platform"
    assert parsed.story_points == 2.5
    assert parsed.time_spent_seconds == 1800
    assert parsed.priority is None
    assert parsed.status_category is StatusCategory.DONE


def test_a_cloud_parent_that_is_not_an_epic_is_no_epic() -> None:
    payload = copy.deepcopy(CLOUD_STORY)
    payload["fields"]["parent"]["fields"]["issuetype"] = {"name": "Story", "hierarchyLevel": 0}
    parsed = parse_issue(payload, "acme", CLOUD_IDS)
    assert isinstance(parsed, Issue)
    assert (parsed.parent_key, parsed.epic_key) == ("SHOP-5", None)


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (None, ()),
        ([], ()),
        (
            [
                "com.atlassian.greenhopper.service.sprint.Sprint@9f[id=3,rapidViewId=1,"
                "state=ACTIVE,name=Sprint 3,goal=,sequence=3]"
            ],
            ("Sprint 3",),
        ),
        (["x.Sprint@1[id=9,name=Last one]"], ("Last one",)),
    ],
)
def test_sprint_names_in_both_forms(value: Any, names: tuple[str, ...]) -> None:
    assert sprint_names(value) == names


def _broken(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(CLOUD_STORY)
    target = payload
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("id",), KeyError, "id: expected a numeric id"),
        (("id",), "SHOP-12", "id: expected a numeric id"),
        (("fields", "updated"), "yesterday", "fields.updated: unparsable timestamp"),
        (("fields", "created"), "2025-01-10T08:00:00", "fields.created: timestamp"),
        (("fields", "labels"), "feature", "fields.labels: expected a list of strings"),
        (("fields", "customfield_10016"), "5", "story points must be a number"),
        (("fields", "status"), None, "fields.status: expected an object"),
        (("fields", "customfield_10020"), [17], "unreadable sprint value"),
        (("fields",), KeyError, "fields: missing"),
    ],
)
def test_malformed_issues_become_rejected_records(
    path: tuple[str, ...], value: Any, reason: str
) -> None:
    parsed = parse_issue(_broken(path, value), "acme", CLOUD_IDS)
    assert isinstance(parsed, RejectedRecord)
    assert reason in parsed.reason
    assert parsed.source == "acme"
    assert parsed.reference == "SHOP-12"
    assert '"SHOP-12"' in parsed.excerpt


def test_a_payload_that_is_not_an_object_is_rejected_not_raised() -> None:
    parsed = parse_issue(["not", "an", "issue"], "acme", CLOUD_IDS)
    assert parsed == RejectedRecord(
        "acme", "?", "issue: expected an object, got list", parsed.excerpt
    )


def test_the_excerpt_is_bounded() -> None:
    payload = _broken(("fields", "updated"), "bad")
    payload["fields"]["summary"] = "x" * 50_000
    parsed = parse_issue(payload, "acme", CLOUD_IDS)
    assert isinstance(parsed, RejectedRecord)
    assert len(parsed.excerpt) == EXCERPT_LIMIT
