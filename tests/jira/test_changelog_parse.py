"""Changelog entries as Jira Cloud and Data Center send them, read into ``FieldChange`` values."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.jira.changelog import (
    ChangelogContext,
    UnreadableHistory,
    field_changes,
    status_categories,
)
from syncd.core.domain import FieldChange, HistoryField

AT = "2025-02-01T09:00:00.000+0100"
MOMENT = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
STATUSES = [
    {"id": "10000", "name": "To Do", "statusCategory": {"id": 2, "key": "new"}},
    {"id": "3", "name": "In Progress", "statusCategory": {"id": 4, "key": "indeterminate"}},
    {"id": "10003", "name": "Done", "statusCategory": {"id": 3, "key": "done"}},
]
CLOUD = ChangelogContext(
    "acme", True, status_categories(STATUSES), "customfield_10014", "customfield_10001"
)
DC = ChangelogContext(
    "acme",
    False,
    status_categories(STATUSES),
    "customfield_10101",
    "customfield_10110",
    names={"customfield_10101": "epic link", "customfield_10110": "équipe"},
)


def _history(*items: dict[str, Any], ident: Any = "10010", created: Any = AT) -> dict[str, Any]:
    return {"id": ident, "created": created, "items": list(items)}


def _item(field: str, old: Any, new: Any, strings: tuple[Any, Any], **extra: Any) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": extra.pop("fieldtype", "jira"),
        **extra,
        "from": old,
        "fromString": strings[0],
        "to": new,
        "toString": strings[1],
    }


def _change(field: HistoryField, before: str | None, after: str | None) -> FieldChange:
    return FieldChange("acme", 7, 10010, MOMENT, field, before, after)


CASES = [
    (
        "a status change names both statuses and both categories",
        CLOUD,
        False,
        [_item("status", "10000", "3", ("To Do", "In Progress"), fieldId="status")],
        [
            _change(HistoryField.STATUS, "To Do", "In Progress"),
            _change(HistoryField.STATUS_CATEGORY, "new", "indeterminate"),
        ],
    ),
    (
        "a status the list no longer has is of no category, never dropped",
        CLOUD,
        False,
        [_item("status", "999", "10003", ("Gone", "Done"), fieldId="status")],
        [
            _change(HistoryField.STATUS, "Gone", "Done"),
            _change(HistoryField.STATUS_CATEGORY, "undefined", "done"),
        ],
    ),
    (
        "an assignment keeps account ids, an empty end is None",
        CLOUD,
        False,
        [_item("assignee", None, "5b10ac8d", (None, "Ada"), fieldId="assignee")],
        [_change(HistoryField.ASSIGNEE, None, "5b10ac8d")],
    ),
    (
        "a resolution keeps names; an empty string is None",
        DC,
        False,
        [_item("resolution", "10000", "", ("Done", ""))],
        [_change(HistoryField.RESOLUTION, "Done", None)],
    ),
    (
        "Cloud's parent association of a standard issue is its epic too",
        CLOUD,
        False,
        [_item("IssueParentAssociation", None, "10001", (None, "SHOP-1"))],
        [_change(HistoryField.PARENT, None, "SHOP-1"), _change(HistoryField.EPIC, None, "SHOP-1")],
    ),
    (
        "Cloud's parent association of a sub-task is only its parent",
        CLOUD,
        True,
        [_item("IssueParentAssociation", "10002", "10003", ("SHOP-2", "SHOP-3"))],
        [_change(HistoryField.PARENT, "SHOP-2", "SHOP-3")],
    ),
    (
        "Cloud's legacy Epic Link is the parent and the epic",
        CLOUD,
        False,
        [_item("Epic Link", None, "1", (None, "SHOP-1"), fieldId="customfield_10014")],
        [_change(HistoryField.PARENT, None, "SHOP-1"), _change(HistoryField.EPIC, None, "SHOP-1")],
    ),
    (
        "Data Center's Epic Link, known by name, is only the epic",
        DC,
        False,
        [_item("Epic Link", "1", None, ("SHOP-1", None), fieldtype="custom")],
        [_change(HistoryField.EPIC, "SHOP-1", None)],
    ),
    (
        "a team field is known by its localised name where no fieldId is sent",
        DC,
        False,
        [_item("Équipe", "10300", "10301", ("checkout", "growth"), fieldtype="custom")],
        [_change(HistoryField.TEAM, "checkout", "growth")],
    ),
    (
        "a move gives the project keys from the key change, not the project names",
        CLOUD,
        False,
        [
            _item("project", "10001", "10000", ("Growth", "Checkout"), fieldId="project"),
            _item("Key", None, None, ("GROW-12", "SHOP-57"), fieldId="issuekey"),
        ],
        [
            _change(HistoryField.PROJECT, "GROW", "SHOP"),
            _change(HistoryField.KEY, "GROW-12", "SHOP-57"),
        ],
    ),
    (
        "fields syncd does not keep are left out",
        CLOUD,
        False,
        [
            _item("labels", None, None, ("", "tech-debt"), fieldId="labels"),
            _item("Sprint", "", "7", ("", "Sprint 7"), fieldId="customfield_10020"),
        ],
        [],
    ),
]


@pytest.mark.parametrize(
    ("context", "subtask", "items", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_items_become_the_kept_fields_changes(
    context: ChangelogContext, subtask: bool, items: list[Any], expected: list[FieldChange]
) -> None:
    assert list(field_changes(7, [_history(*items)], context, subtask=subtask)) == expected


def test_entries_are_ordered_by_time_then_id_and_read_once() -> None:
    """Jira sends histories in no promised order, and overlapping pages repeat some."""
    assign = _item("assignee", None, "a", (None, "A"), fieldId="assignee")
    later = _history(assign, ident="12", created="2025-02-02T09:00:00.000+0000")
    earlier = _history(assign, ident="11", created=1_738_400_000_000)  # epoch milliseconds
    seconds = _history(assign, ident="10", created=1_738_300_000)

    changes = field_changes(7, [later, earlier, seconds, later], CLOUD, subtask=False)

    assert [(c.history_id, c.changed_at.timestamp()) for c in changes] == [
        (10, 1_738_300_000),
        (11, 1_738_400_000),
        (12, datetime(2025, 2, 2, 9, tzinfo=UTC).timestamp()),
    ]


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        ("not an entry", "changelog[1]: expected an object"),
        (_history(ident="x1"), "changelog[1].id: expected a numeric id"),
        (_history(created="yesterday"), "unparsable timestamp"),
        (_history(created="2025-02-01T09:00:00"), "has no UTC offset"),
        ({"id": "1", "created": AT, "items": "status"}, "changelog[1].items: expected a list"),
        (_history("status"), "changelog[1].items[0]: expected an object"),
        (
            _history(_item("status", 3, "3", ("To Do", "In Progress"), fieldId="status")),
            "items[0].from: expected text, got int",
        ),
        (
            _history(_item("project", "1", "2", ("A", "B"), fieldId="project")),
            "a project change without exactly one key change",
        ),
    ],
)
def test_an_unreadable_history_is_refused_whole_with_its_place(history: Any, reason: str) -> None:
    """A bad entry after a good one refuses the whole history: no part of it is kept."""
    with pytest.raises(UnreadableHistory, match=re.escape(reason)):
        field_changes(7, [_history(), history], CLOUD, subtask=False)


def test_bulk_fetch_filters_on_at_most_ten_fields() -> None:
    assert CLOUD.field_ids() == (
        "status",
        "assignee",
        "resolution",
        "project",
        "issuekey",
        "parent",
        "customfield_10014",
        "customfield_10001",
    )
