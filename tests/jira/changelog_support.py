"""The emulator's truth about histories, in the values a sync must produce, and helpers to
read what a sync produced."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from connectors.jira.config import JiraSourceConfig
from connectors.jira.emulator import JiraEmulator
from connectors.jira.emulator.catalog import STATUSES
from connectors.jira.emulator.history import HistoryItem
from connectors.jira.emulator.people import directory
from connectors.jira.emulator.records import IssueRecord
from connectors.jira.source import JiraSource
from syncd.core.domain import FieldChange, HistoryField, Issue, Page

PROJECTS = ["SHOP", "GROW", "MOB", "PLAT", "DATA"]
Key = tuple[int, int, str]


def source_for(emulator: JiraEmulator, **settings: Any) -> JiraSource:
    """A source over *emulator*: every project, pages of 100, no waiting between retries."""
    data: dict[str, Any] = {
        "name": "acme",
        "url": emulator.url,
        "auth": {"method": "none"},
        "projects": PROJECTS,
        "page_size": 100,
        "concurrency": 3,
        "max_attempts": 3,
    }
    data.update(settings)
    token = data.pop("token", None)
    config = JiraSourceConfig.model_validate(data)
    return JiraSource(config, SecretStr(token) if token else None, sleep=lambda _: None)


def synced(pages: Iterable[Page]) -> tuple[dict[int, Issue], dict[int, list[FieldChange]]]:
    """The issues and, per issue, the changes a sync's pages carried (none rejected)."""
    issues: dict[int, Issue] = {}
    changes: dict[int, list[FieldChange]] = {}
    for page in pages:
        assert page.rejected == (), [r.reason for r in page.rejected]
        assert page.history_complete, "every history on the page was read whole"
        issues.update((issue.issue_id, issue) for issue in page.issues)
        for change in page.changes:
            changes.setdefault(change.issue_id, []).append(change)
    return issues, changes


def comparable(changes: Iterable[FieldChange]) -> list[tuple[Any, ...]]:
    """Changes as sortable tuples, one per (history entry, field), duplicates removed."""
    return sorted(
        {
            (c.history_id, c.field.value, c.changed_at, c.before, c.after, c.issue_id)
            for c in changes
        }
    )


def expected_changes(emulator: JiraEmulator, moment_ms: int | None = None) -> dict[int, list]:
    """Per visible issue, the changes its history holds (up to *moment_ms*), as a sync of
    *emulator* must read them."""
    state = emulator.state
    cloud = emulator.mode == "cloud"
    people = directory(state.org.people)
    expected: dict[int, list] = {}
    for project in state.visible_projects():
        for issue_id in state.project_ids(project.key):
            record = state.get(issue_id)
            if record is None:
                continue
            changes = []
            for entry in state.history(issue_id, moment_ms):
                moment = datetime.fromtimestamp(entry.created_ms / 1000, UTC)
                for item in entry.items:
                    for field, before, after in _truth(item, record, cloud, people, state):
                        changes.append(
                            FieldChange("acme", issue_id, entry.id, moment, field, before, after)
                        )
            expected[issue_id] = comparable(changes)
    return expected


def _truth(
    item: HistoryItem, record: IssueRecord, cloud: bool, people: Any, state: Any
) -> list[tuple[HistoryField, Any, Any]]:
    def person(value: Any) -> Any:
        return None if value is None else (people[value].account_id if cloud else people[value].key)

    def key_of(value: Any) -> Any:
        return None if value is None else state.record(value).key

    def category(value: Any) -> Any:
        return None if value is None else STATUSES[value].category

    kind, before, after = item
    if kind == "status":
        return [
            (HistoryField.STATUS, before, after),
            (HistoryField.STATUS_CATEGORY, category(before), category(after)),
        ]
    if kind == "parent":
        ends = key_of(before), key_of(after)
        subtask = record.issue_type == "Sub-task"
        fields = [HistoryField.PARENT] if cloud or subtask else []
        fields += [HistoryField.EPIC] if not subtask else []
        return [(field, *ends) for field in fields]
    simple = {
        "assignee": (HistoryField.ASSIGNEE, person),
        "resolution": (HistoryField.RESOLUTION, lambda v: v),
        "team": (HistoryField.TEAM, lambda v: v),
        "project": (HistoryField.PROJECT, lambda v: v),
        "key": (HistoryField.KEY, lambda v: v),
    }
    field, convert = simple[kind]
    return [(field, convert(before), convert(after))]


def identity(record: IssueRecord, emulator: JiraEmulator) -> str | None:
    """The assignee of *record* as the emulator's mode names people."""
    if record.assignee is None:
        return None
    person = directory(emulator.state.org.people)[record.assignee]
    return person.account_id if emulator.mode == "cloud" else person.key
