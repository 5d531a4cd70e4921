"""Static Jira metadata the emulator serves: statuses, issue types, priorities and fields.

Ids follow what a fresh Jira Cloud site or Data Center instance hands out; the custom field
ids per mode are the ones docs/demo-organisation.md promises, so every part of the project
(demo, tests, benchmarks) can rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "CATEGORIES",
    "ISSUE_TYPES",
    "PRIORITIES",
    "RESOLUTIONS",
    "STATUSES",
    "CustomFields",
    "IssueTypeInfo",
    "Mode",
    "StatusCategoryInfo",
    "StatusInfo",
    "custom_fields",
    "field_catalogue",
]

Mode = Literal["cloud", "datacenter"]


@dataclass(frozen=True, slots=True)
class StatusCategoryInfo:
    """One of Jira's four fixed status categories (reference §5.2)."""

    id: int
    key: str
    name: str
    color: str

    def render(self, api_base: str) -> dict[str, Any]:
        """The category as Jira embeds it in a status (*api_base* ends in ``/rest/api/N``)."""
        return {
            "self": f"{api_base}/statuscategory/{self.id}",
            "id": self.id,
            "key": self.key,
            "colorName": self.color,
            "name": self.name,
        }


CATEGORIES: dict[str, StatusCategoryInfo] = {
    "undefined": StatusCategoryInfo(1, "undefined", "No Category", "medium-gray"),
    "new": StatusCategoryInfo(2, "new", "To Do", "blue-gray"),
    "done": StatusCategoryInfo(3, "done", "Done", "green"),
    "indeterminate": StatusCategoryInfo(4, "indeterminate", "In Progress", "yellow"),
}


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """A workflow status and the category it belongs to."""

    id: str
    name: str
    category: str


STATUSES: dict[str, StatusInfo] = {
    status.name: status
    for status in (
        StatusInfo("10000", "To Do", "new"),
        StatusInfo("10001", "Backlog", "new"),
        StatusInfo("3", "In Progress", "indeterminate"),
        StatusInfo("10002", "In Review", "indeterminate"),
        StatusInfo("10003", "Done", "done"),
        StatusInfo("6", "Closed", "done"),
    )
}


@dataclass(frozen=True, slots=True)
class IssueTypeInfo:
    """An issue type; ``hierarchy_level`` is 1 for epics, 0 for standard, -1 for sub-tasks."""

    id: str
    name: str
    subtask: bool
    hierarchy_level: int


ISSUE_TYPES: dict[str, IssueTypeInfo] = {
    kind.name: kind
    for kind in (
        IssueTypeInfo("10000", "Epic", False, 1),
        IssueTypeInfo("10001", "Story", False, 0),
        IssueTypeInfo("10002", "Task", False, 0),
        IssueTypeInfo("10003", "Bug", False, 0),
        IssueTypeInfo("10004", "Sub-task", True, -1),
    )
}

PRIORITIES: dict[str, str] = {
    "Highest": "1",
    "High": "2",
    "Medium": "3",
    "Low": "4",
    "Lowest": "5",
}

RESOLUTIONS: dict[str, str] = {
    "Done": "10000",
    "Won't Do": "10001",
    "Duplicate": "10002",
}

_GH = "com.pyxis.greenhopper.jira:"
_CF = "com.atlassian.jira.plugin.system.customfieldtypes:"


@dataclass(frozen=True, slots=True)
class CustomFields:
    """The custom field ids of one mode (docs/demo-organisation.md)."""

    story_points: str
    sprint: str
    epic_link: str
    team: str


def custom_fields(mode: Mode) -> CustomFields:
    """The custom field ids the emulator uses in *mode*."""
    if mode == "cloud":
        return CustomFields(
            "customfield_10016", "customfield_10020", "customfield_10014", "customfield_10001"
        )
    return CustomFields(
        "customfield_10106", "customfield_10105", "customfield_10101", "customfield_10110"
    )


def _system(
    field_id: str, name: str, schema: dict[str, Any], clauses: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "custom": False,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": clauses if clauses is not None else [field_id],
        "schema": {**schema, "system": field_id},
    }


def _custom(
    field_id: str, name: str, schema_type: str, custom: str, items: str | None = None
) -> dict[str, Any]:
    number = int(field_id.removeprefix("customfield_"))
    schema: dict[str, Any] = {"type": schema_type, "custom": custom, "customId": number}
    if items is not None:
        schema["items"] = items
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "custom": True,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [f"cf[{number}]", name],
        "schema": schema,
    }


_SYSTEM_FIELDS: list[dict[str, Any]] = [
    _system("issuekey", "Key", {"type": "string"}, ["id", "issue", "issuekey", "key"]),
    _system("summary", "Summary", {"type": "string"}),
    _system("issuetype", "Issue Type", {"type": "issuetype"}, ["issuetype", "type"]),
    _system("parent", "Parent", {"type": "issuelink"}),
    _system("project", "Project", {"type": "project"}),
    _system("labels", "Labels", {"type": "array", "items": "string"}),
    _system("components", "Components", {"type": "array", "items": "component"}, ["component"]),
    _system("status", "Status", {"type": "status"}),
    _system("assignee", "Assignee", {"type": "user"}),
    _system("priority", "Priority", {"type": "priority"}),
    _system("resolution", "Resolution", {"type": "resolution"}),
    _system("resolutiondate", "Resolved", {"type": "datetime"}, ["resolutiondate", "resolved"]),
    _system("created", "Created", {"type": "datetime"}, ["created", "createdDate"]),
    _system("updated", "Updated", {"type": "datetime"}, ["updated", "updatedDate"]),
    _system("timetracking", "Time tracking", {"type": "timetracking"}),
    _system("timespent", "Time Spent", {"type": "number"}),
    _system("aggregatetimespent", "Σ Time Spent", {"type": "number"}),
]


def field_catalogue(mode: Mode) -> list[dict[str, Any]]:
    """The ``GET /field`` answer for *mode*: system fields, then the custom ones."""
    ids = custom_fields(mode)
    if mode == "cloud":
        custom = [
            _custom(ids.story_points, "Story point estimate", "number", _GH + "jsw-story-points"),
            # A classic float field named like the DC one, never filled in on this site:
            # connectors must pick story points by schema.custom, not by name.
            _custom("customfield_10026", "Story Points", "number", _CF + "float"),
            _custom(ids.sprint, "Sprint", "array", _GH + "gh-sprint", items="json"),
            _custom(ids.epic_link, "Epic Link", "any", _GH + "gh-epic-link"),
            _custom("customfield_10019", "Rank", "any", _GH + "gh-lexo-rank"),
            _custom(ids.team, "Team", "team", _CF + "atlassian-team"),
        ]
    else:
        custom = [
            _custom(ids.story_points, "Story Points", "number", _CF + "float"),
            _custom(ids.sprint, "Sprint", "array", _GH + "gh-sprint", items="string"),
            _custom(ids.epic_link, "Epic Link", "any", _GH + "gh-epic-link"),
            _custom("customfield_10102", "Epic Name", "string", _GH + "gh-epic-label"),
            _custom("customfield_10104", "Rank", "any", _GH + "gh-lexo-rank"),
            _custom(ids.team, "Team", "option", _CF + "select"),
        ]
    return [dict(field) for field in _SYSTEM_FIELDS] + custom
