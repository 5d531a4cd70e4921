"""Issue histories in the emulator: what changed, when, and the issue as it stood before.

A history is a tuple of ``HistoryEntry`` values, oldest first, each holding the
``HistoryItem`` changes one edit made, in mode-independent values: a status name, a
resolution name, an assignee's account id, a parent's issue id, a team name, a project key,
an issue key. Rendering turns them into Jira's changelog items per mode
(``connectors.jira.emulator.changelog``).

``record_as_of`` undoes every entry made after a moment: the record as it stood then, exact
for status, resolution and resolved time, assignee, project and key, parent and team.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

from connectors.jira.emulator.records import IssueRecord

__all__ = [
    "ASSIGNEE",
    "KEY",
    "KINDS",
    "PARENT",
    "PROJECT",
    "RESOLUTION",
    "STATUS",
    "TEAM",
    "HistoryEntry",
    "HistoryItem",
    "edit_items",
    "record_as_of",
    "visible_entries",
]

STATUS: Final = "status"
RESOLUTION: Final = "resolution"
ASSIGNEE: Final = "assignee"
PARENT: Final = "parent"
TEAM: Final = "team"
PROJECT: Final = "project"
KEY: Final = "key"
KINDS: Final = (STATUS, RESOLUTION, ASSIGNEE, PARENT, TEAM, PROJECT, KEY)

# The record attribute each kind of item sets (project and key are handled together).
_ATTRIBUTE: Final = {
    STATUS: "status",
    RESOLUTION: "resolution",
    ASSIGNEE: "assignee",
    PARENT: "parent_id",
    TEAM: "team",
    PROJECT: "project",
}


class HistoryItem(NamedTuple):
    """One field's change: *kind* is one of ``KINDS``; ``None`` means the field was empty."""

    kind: str
    before: Any
    after: Any


class HistoryEntry(NamedTuple):
    """One edit: an instance-unique id, its time (epoch ms), who made it (an account id)."""

    id: int
    created_ms: int
    author: str
    items: tuple[HistoryItem, ...]


def visible_entries(
    history: Sequence[HistoryEntry], moment_ms: int | None
) -> Sequence[HistoryEntry]:
    """The entries made at or before *moment_ms* (all of them when ``None``)."""
    if moment_ms is None or not history or history[-1].created_ms <= moment_ms:
        return history
    return [entry for entry in history if entry.created_ms <= moment_ms]


def record_as_of(
    record: IssueRecord, history: Sequence[HistoryEntry], moment_ms: int
) -> IssueRecord | None:
    """*record* as it stood at *moment_ms*; ``None`` when it was created later.

    ``resolved_ms`` becomes the time of the last entry at or before the moment that gave the
    issue a resolution (``None`` if it had none then); ``updated_ms`` the last entry's time
    then (creation without one) when the record was updated after the moment.
    """
    if record.created_ms > moment_ms:
        return None
    later = [entry for entry in history if entry.created_ms > moment_ms]
    if not later and record.updated_ms <= moment_ms:
        return record
    values: dict[str, Any] = {}
    for entry in reversed(later):
        for item in reversed(entry.items):
            _undo(values, item)
    kept = [entry for entry in history if entry.created_ms <= moment_ms]
    if any(item.kind == RESOLUTION for entry in later for item in entry.items):
        values["resolved_ms"] = _resolved_at(kept)
    if record.updated_ms > moment_ms:
        values["updated_ms"] = max([record.created_ms, *(e.created_ms for e in kept)])
    return dataclasses.replace(record, **values)


def _undo(values: dict[str, Any], item: HistoryItem) -> None:
    if item.kind == KEY:
        values["number"] = int(str(item.before).rsplit("-", 1)[1])
    elif item.kind in _ATTRIBUTE:
        values[_ATTRIBUTE[item.kind]] = item.before


def _resolved_at(kept: Sequence[HistoryEntry]) -> int | None:
    for entry in reversed(kept):
        for item in entry.items:
            if item.kind == RESOLUTION:
                return entry.created_ms if item.after is not None else None
    return None


def edit_items(before: IssueRecord, after: IssueRecord) -> tuple[HistoryItem, ...]:
    """The items an edit from *before* to *after* records, in Jira's order."""
    items = [
        HistoryItem(kind, getattr(before, attribute), getattr(after, attribute))
        for kind, attribute in _ATTRIBUTE.items()
        if kind != PROJECT and getattr(before, attribute) != getattr(after, attribute)
    ]
    if before.project != after.project or before.number != after.number:
        items.append(HistoryItem(PROJECT, before.project, after.project))
        items.append(HistoryItem(KEY, before.key, after.key))
    return tuple(items)
