"""History entries rendered as Jira sends them, per mode.

Items carry ``field``, ``fieldtype``, ``fieldId``, ``from``, ``fromString``, ``to`` and
``toString``; ``from``/``to`` hold ids (a status id, an account id or user key, a resolution
id, a parent issue id, a team or option id, a project id) and the strings display values (a
status name, a display name, a key, a team name, a project name). Empty ends are ``null``.

As Jira does: a Cloud parent change is an ``IssueParentAssociation`` item with no ``fieldId``;
Data Center records an epic change as ``Epic Link`` and a sub-task's parent change as
``Parent``, and (like older Jira Server releases) sends no ``fieldId`` at all; a move records
a ``project`` item (project ids and names) and a ``Key`` item (``fieldId`` ``issuekey``).
``filter_id`` is the id a bulk fetch's ``fieldIds`` filter matches an item by.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.jira.emulator.catalog import RESOLUTIONS, STATUSES, CustomFields, Mode
from connectors.jira.emulator.history import (
    ASSIGNEE,
    KEY,
    PARENT,
    PROJECT,
    RESOLUTION,
    STATUS,
    TEAM,
    HistoryEntry,
    HistoryItem,
)
from connectors.jira.emulator.people import API_USER, Person, render_user
from connectors.jira.emulator.records import IssueRecord

__all__ = ["ChangelogRenderer"]

_Ends = tuple[str | None, str | None]


class ChangelogRenderer:
    """Renders one mode's history entries and answers which field id an item belongs to."""

    def __init__(
        self,
        mode: Mode,
        *,
        stamp: Callable[[int], str | None],
        people: Mapping[str, Person],
        lookup: Callable[[int], IssueRecord | None],
        projects: Mapping[str, tuple[int, str]],
        teams: Mapping[str, tuple[str, int]],
        custom: CustomFields,
    ) -> None:
        self._cloud = mode == "cloud"
        self._stamp = stamp
        self._people = people
        self._lookup = lookup
        self._projects = projects
        self._teams = teams
        self._custom = custom
        self._authors: dict[tuple[str, str], dict[str, Any]] = {}

    def entry(self, record: IssueRecord, entry: HistoryEntry, base: str) -> dict[str, Any]:
        """One history entry (a ``Changelog``)."""
        return {
            "id": str(entry.id),
            "author": self._author(entry.author, base),
            "created": self._stamp(entry.created_ms),
            "items": [self.item(record, item) for item in entry.items],
        }

    def _author(self, account: str, base: str) -> dict[str, Any]:
        # A few hundred people write every entry: render each once per base URL.
        memo = (account, base)
        rendered = self._authors.get(memo)
        if rendered is None:
            person = self._people.get(account, API_USER)
            rendered = self._authors[memo] = render_user(person, self._cloud, base)
        return rendered

    def filter_id(self, record: IssueRecord, item: HistoryItem) -> str:
        """The field id a ``fieldIds`` filter names this item by."""
        if item.kind == TEAM:
            return self._custom.team
        if item.kind == KEY:
            return "issuekey"
        if item.kind == PARENT and not self._cloud and record.issue_type != "Sub-task":
            return self._custom.epic_link
        return item.kind

    def item(self, record: IssueRecord, item: HistoryItem) -> dict[str, Any]:
        """One item (a ``ChangeDetails``)."""
        field, fieldtype = self._names(record, item)
        ids, strings = self._ends(item)
        rendered: dict[str, Any] = {"field": field, "fieldtype": fieldtype}
        if self._cloud and field != "IssueParentAssociation":
            rendered["fieldId"] = self.filter_id(record, item)
        rendered |= {"from": ids[0], "fromString": strings[0]}
        rendered |= {"to": ids[1], "toString": strings[1]}
        return rendered

    def _names(self, record: IssueRecord, item: HistoryItem) -> tuple[str, str]:
        kind = item.kind
        if kind == PARENT:
            if self._cloud:
                return "IssueParentAssociation", "jira"
            subtask = record.issue_type == "Sub-task"
            return ("Parent", "jira") if subtask else ("Epic Link", "custom")
        if kind == TEAM:
            return "Team", "custom"
        return ("Key" if kind == KEY else kind), "jira"

    def _ends(self, item: HistoryItem) -> tuple[_Ends, _Ends]:
        pairs = [self._end(item.kind, value) for value in (item.before, item.after)]
        return (pairs[0][0], pairs[1][0]), (pairs[0][1], pairs[1][1])

    def _end(self, kind: str, value: Any) -> _Ends:
        """``(id, display string)`` of one end of an item."""
        if value is None:
            return None, None
        if kind in (STATUS, RESOLUTION):
            ident = STATUSES[value].id if kind == STATUS else RESOLUTIONS[value]
            return ident, str(value)
        if kind in (ASSIGNEE, PARENT):
            return self._reference(kind, value)
        if kind == TEAM:
            team_id, option = self._teams[value]
            return (team_id if self._cloud else str(option)), str(value)
        if kind == PROJECT:
            project_id, name = self._projects[value]
            return str(project_id), name
        return None, str(value)  # KEY: Jira sends the keys as strings only

    def _reference(self, kind: str, value: Any) -> _Ends:
        if kind == ASSIGNEE:
            person = self._people.get(value, API_USER)
            return (person.account_id if self._cloud else person.key), person.display_name
        parent = self._lookup(int(value))
        return str(value), parent.key if parent is not None else None
