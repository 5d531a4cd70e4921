"""Jira changelog entries (Cloud or Data Center) into ``FieldChange`` values of the kept fields.

An item belongs to a kept field by its ``fieldId`` when Jira sends one, else by its ``field``
name, case-insensitively (Cloud's ``IssueParentAssociation`` and many Data Center items have
no ``fieldId``). Values are the ones ``Issue`` holds: status names (with the status category
of each end mapped through the status list, ``undefined`` for a status the list no longer
has), account ids or user keys (``from``/``to``), resolution names, issue keys, project keys
(read from the same entry's ``Key`` item: the ``project`` item names projects, not keys), and
team names. Empty ends are ``None``.

A parent change is also an epic change on Cloud for an issue that is not a sub-task (its
parent is its epic there); an ``Epic Link`` change is also a parent change on Cloud. A history
that cannot be read whole raises ``UnreadableHistory``: the issue's changes are then not
kept at all, never in part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from connectors.http import MalformedResponseError
from connectors.jira.parse import parse_timestamp
from syncd.core.domain import FieldChange, HistoryField

__all__ = [
    "ChangelogContext",
    "UnreadableHistory",
    "bulk_logs",
    "field_changes",
    "status_categories",
]

_UNDEFINED: Final = "undefined"
_EPOCH_MS_ABOVE: Final = 100_000_000_000  # a larger epoch number counts milliseconds
_BY_ID: Final = {
    "status": "status",
    "assignee": "assignee",
    "resolution": "resolution",
    "project": "project",
    "issuekey": "key",
    "parent": "parent",
}
_BY_NAME: Final = {
    "status": "status",
    "assignee": "assignee",
    "resolution": "resolution",
    "project": "project",
    "key": "key",
    "parent": "parent",
    "parent issue": "parent",
    "issueparentassociation": "parent",
    "epic link": "epic",
}


class UnreadableHistory(ValueError):
    """An issue's history that cannot be read whole; ``reason`` says where and why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class ChangelogContext:
    """What reading one instance's changelogs needs: the source's name, the deployment,
    status id (and name) -> status category key, and the epic link and team field ids with
    their display names (field id -> name, for items that come without a ``fieldId``)."""

    source: str
    cloud: bool
    categories: Mapping[str, str]
    epic_link: str | None = None
    team: str | None = None
    names: Mapping[str, str] | None = None
    _by_id: dict[str, str] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once: a sync asks which field each of millions of items changes.
        by_id, by_name = dict(_BY_ID), dict(_BY_NAME)
        for field_id, kind in ((self.epic_link, "epic"), (self.team, "team")):
            if field_id:
                by_id[field_id] = kind
                name = (self.names or {}).get(field_id)
                if name:
                    by_name[name.strip().casefold()] = kind
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_by_name", by_name)

    def field_ids(self) -> tuple[str, ...]:
        """The ``fieldIds`` a bulk fetch filters on: every field whose changes are kept."""
        custom = tuple(one for one in (self.epic_link, self.team) if one)
        return ("status", "assignee", "resolution", "project", "issuekey", "parent", *custom)

    def kind(self, item: Mapping[str, Any]) -> str | None:
        """Which kept field an item changes (``None``: not a kept one)."""
        field_id = item.get("fieldId")
        if isinstance(field_id, str) and field_id:
            return self._by_id.get(field_id)
        name = item.get("field")
        return self._by_name.get(name.strip().casefold()) if isinstance(name, str) else None


def status_categories(statuses: Iterable[Any]) -> dict[str, str]:
    """Status id and status name -> category key, from a ``GET /status`` answer."""
    categories: dict[str, str] = {}
    for status in statuses:
        category = status.get("statusCategory") if isinstance(status, Mapping) else None
        key = category.get("key") if isinstance(category, Mapping) else None
        if not isinstance(key, str):
            continue
        for ident in (status.get("id"), status.get("name")):
            if isinstance(ident, str | int) and not isinstance(ident, bool):
                categories.setdefault(str(ident), key)
    return categories


def field_changes(
    issue_id: int, histories: Iterable[Any], context: ChangelogContext, *, subtask: bool
) -> tuple[FieldChange, ...]:
    """The kept fields' changes in *histories* of one issue, oldest first.

    Raises ``UnreadableHistory`` for an entry without a numeric id or a readable time, an
    item that is not an object, or a kept field's value that is not text.
    """
    changes: dict[tuple[int, HistoryField], FieldChange] = {}
    source = context.source
    for number, history in enumerate(histories):
        if not isinstance(history, Mapping):
            raise UnreadableHistory(f"{_Place(number)}: expected an object, got {_kind(history)}")
        history_id = _history_id(history.get("id"), _Place(number))
        moment = _moment(history.get("created"), f"{_Place(number)}.created")
        items = history.get("items")
        if not isinstance(items, list):
            raise UnreadableHistory(f"{_Place(number)}.items: expected a list, got {_kind(items)}")
        for kept, before, after in _entry(items, context, subtask=subtask, number=number):
            if (history_id, kept) not in changes:
                change = FieldChange(source, issue_id, history_id, moment, kept, before, after)
                changes[(history_id, kept)] = change
    return tuple(sorted(changes.values(), key=lambda c: (c.changed_at, c.history_id)))


class _Place:
    """Where in a history a problem is, spelt out only when there is one (a sync reads
    millions of items and states the place of a handful)."""

    __slots__ = ("index", "number")

    def __init__(self, number: int, index: int | None = None) -> None:
        self.number = number
        self.index = index

    def __str__(self) -> str:
        entry = f"changelog[{self.number}]"
        return entry if self.index is None else f"{entry}.items[{self.index}]"


_Change = tuple[HistoryField, "str | None", "str | None"]
# Kept fields whose change is one FieldChange of two ends read as they are.
_PLAIN: Final = {
    "assignee": (HistoryField.ASSIGNEE, "from", "to"),
    "resolution": (HistoryField.RESOLUTION, "fromString", "toString"),
    "key": (HistoryField.KEY, "fromString", "toString"),
    "team": (HistoryField.TEAM, "fromString", "toString"),
}


def _entry(
    items: list[Any], context: ChangelogContext, *, subtask: bool, number: int
) -> list[_Change]:
    """The changes one entry's *items* make (a sync reads millions: a plain loop, no
    generators)."""
    kinds = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise UnreadableHistory(f"{_Place(number)}.items[{index}]: expected an object")
        kinds.append(context.kind(item))
    found: list[_Change] = []
    for index, kind in enumerate(kinds):
        if kind is None:
            continue
        item, where = items[index], _Place(number, index)
        plain = _PLAIN.get(kind)
        if plain is not None:
            found.append((plain[0], *_ends(item, plain[1], plain[2], where)))
        elif kind == "status":
            before, after = _ends(item, "fromString", "toString", where)
            old, new = _ends(item, "from", "to", where)
            found.append((HistoryField.STATUS, before, after))
            categories = _category(old, before, context), _category(new, after, context)
            found.append((HistoryField.STATUS_CATEGORY, *categories))
        elif kind == "project":
            keys = [items[i] for i, other in enumerate(kinds) if other == "key"]
            found.append((HistoryField.PROJECT, *_projects(keys, where)))
        else:  # parent or epic
            ends = _ends(item, "fromString", "toString", where)
            if kind == "parent" or context.cloud:
                found.append((HistoryField.PARENT, *ends))
            if kind == "epic" or (context.cloud and not subtask):
                found.append((HistoryField.EPIC, *ends))
    return found


def _ends(
    item: Mapping[str, Any], first: str, second: str, where: _Place
) -> tuple[str | None, str | None]:
    before, after = item.get(first), item.get(second)
    if before is not None and not isinstance(before, str):
        raise UnreadableHistory(f"{where}.{first}: expected text, got {_kind(before)}")
    if after is not None and not isinstance(after, str):
        raise UnreadableHistory(f"{where}.{second}: expected text, got {_kind(after)}")
    return before or None, after or None


def _category(ident: str | None, name: str | None, context: ChangelogContext) -> str | None:
    if ident is None and name is None:
        return None
    found = context.categories.get(ident or "") or context.categories.get(name or "")
    return found or _UNDEFINED


def _projects(keys: list[Mapping[str, Any]], where: _Place) -> tuple[str | None, str | None]:
    if len(keys) != 1:
        raise UnreadableHistory(f"{where}: a project change without exactly one key change")
    before, after = _ends(keys[0], "fromString", "toString", where)
    return _project_of(before), _project_of(after)


def _project_of(key: str | None) -> str | None:
    return None if key is None or "-" not in key else key.rsplit("-", 1)[0]


def bulk_logs(body: Any) -> list[tuple[int, list[Any]]]:
    """``(issue id, histories)`` of a changelog bulk-fetch answer; ``MalformedResponseError``
    (retried: truncated answers happen) when it is not one."""
    logs = body.get("issueChangeLogs") if isinstance(body, Mapping) else None
    if not isinstance(logs, list):
        raise MalformedResponseError("changelog bulk fetch answer has no 'issueChangeLogs' list")
    found = []
    for log in logs:
        issue_id = _issue_number(log.get("issueId")) if isinstance(log, Mapping) else None
        histories = log.get("changeHistories") if isinstance(log, Mapping) else None
        if issue_id is None or not isinstance(histories, list):
            raise MalformedResponseError("changelog bulk fetch answer holds an unreadable issue")
        found.append((issue_id, histories))
    return found


def _issue_number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _history_id(value: Any, where: _Place) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise UnreadableHistory(f"{where}.id: expected a numeric id, got {_kind(value)}")


def _moment(value: Any, where: str) -> datetime:
    # The bulk fetch's documented example dates entries in epoch numbers, its schema in
    # Jira's timestamps: read both.
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > _EPOCH_MS_ABOVE else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise UnreadableHistory(f"{where}: epoch time {value!r} is out of range") from None
    try:
        return parse_timestamp(value, where)
    except ValueError as problem:
        raise UnreadableHistory(str(problem)) from None


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__
