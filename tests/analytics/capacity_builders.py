"""Builders for hand-computed capacity cases: issues with a written-out history.

An issue is written as its story: ``Story("PLAT-1", created=..., assignee="ann")`` then
``.start(when)``, ``.finish(when)``, ``.reopen(when)``, ``.assign(when, who)``,
``.move(when, project, key)``; ``.issue()`` and ``.changes()`` give the current state and
the history Jira would hold, in the shapes the connector stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from syncd.analytics.capacity import CapacityTotals, IssueRef, PersonDays, allocate
from syncd.analytics.history import work_intervals
from syncd.analytics.rows import Window
from syncd.analytics.settings import CapacityConfig
from syncd.core.domain import FieldChange, HistoryField, Issue, StatusCategory

_CATEGORY = {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}
CREATED = datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
"""When the cases' issues are created: the Friday before their first week."""


def at(day: int, hour: int = 9, month: int = 11) -> datetime:
    """An instant in late 2026, UTC (November unless told)."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


_history_ids = iter(range(50_000, 10_000_000))


@dataclass
class Story:
    """One issue and the changes made to it, in order."""

    key: str
    created: datetime
    assignee: str | None = None
    source: str = "jira"
    issue_id: int = field(default_factory=lambda: next(_history_ids))
    status: str = "To Do"
    _resolution: str | None = None
    _project: str = ""
    _changes: list[FieldChange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._project = self.key.split("-")[0]

    def _change(self, when: datetime, *moved: tuple[HistoryField, str | None, str | None]) -> None:
        history = next(_history_ids)
        for name, before, after in moved:
            self._changes.append(
                FieldChange(self.source, self.issue_id, history, when, name, before, after)
            )

    def _status_to(self, when: datetime, status: str, resolution: str | None) -> Story:
        self._change(
            when,
            (HistoryField.STATUS, self.status, status),
            (HistoryField.STATUS_CATEGORY, _CATEGORY[self.status], _CATEGORY[status]),
            *(
                [(HistoryField.RESOLUTION, self._resolution, resolution)]
                if resolution != self._resolution
                else []
            ),
        )
        self.status, self._resolution = status, resolution
        return self

    def start(self, when: datetime) -> Story:
        """To Do -> In Progress."""
        return self._status_to(when, "In Progress", None)

    def finish(self, when: datetime) -> Story:
        """-> Done, resolved."""
        return self._status_to(when, "Done", "Done")

    def reopen(self, when: datetime) -> Story:
        """Done -> In Progress, resolution cleared."""
        return self._status_to(when, "In Progress", None)

    def assign(self, when: datetime, who: str | None) -> Story:
        """A new assignee."""
        self._change(when, (HistoryField.ASSIGNEE, self.assignee, who))
        self.assignee = who
        return self

    def move(self, when: datetime, key: str) -> Story:
        """A move to another project: the key and the project change."""
        project = key.split("-", maxsplit=1)[0]
        self._change(
            when,
            (HistoryField.PROJECT, self._project, project),
            (HistoryField.KEY, self.key, key),
        )
        self.key, self._project = key, project
        return self

    def issue(self) -> Issue:
        """The issue as Jira holds it now."""
        resolved = max(
            (c.changed_at for c in self._changes if c.field is HistoryField.RESOLUTION and c.after),
            default=None,
        )
        return Issue(
            source=self.source,
            issue_id=self.issue_id,
            key=self.key,
            project=self._project,
            issue_type="Task",
            summary=self.key,
            status=self.status,
            status_category=StatusCategory(_CATEGORY[self.status]),
            created=self.created,
            updated=max([self.created, *(c.changed_at for c in self._changes)]),
            resolved=resolved if self._resolution else None,
            assignee=self.assignee,
        )

    def changes(self) -> tuple[FieldChange, ...]:
        """The kept history, oldest first."""
        return tuple(self._changes)


def people_days(
    stories: Iterable[Story],
    teams: Mapping[str, str],
    until: datetime,
    days: tuple[date, date],
    config: CapacityConfig | None = None,
) -> list[PersonDays]:
    """Allocate the *stories*' time; *teams* maps a project key to its team."""
    intervals: list[tuple[IssueRef, list]] = []  # type: ignore[type-arg]
    for story in stories:
        issue = story.issue()
        spans = work_intervals(issue, story.changes(), until, lambda i: teams[i.project])
        intervals.append(((issue.source, issue.issue_id), spans))
    return list(allocate(intervals, config or CapacityConfig(), *days))


def person_days_by_key(people: Iterable[PersonDays], stories: Iterable[Story]) -> dict:  # type: ignore[type-arg]
    """``{person: {day: {issue key: share}}}`` for reading a case at a glance."""
    keys = {(s.source, s.issue_id): s.key for s in stories}
    return {
        p.person: {
            day: {keys[a.issue]: a.share for a in allocations}
            for day, allocations in p.days.items()
        }
        for p in people
    }


def totals(
    people: Iterable[PersonDays],
    subjects: Mapping[IssueRef, tuple[str, str]],
    windows: tuple[Window, ...],
) -> CapacityTotals:
    """Sum *people*'s days per team, window and subject."""
    return CapacityTotals.of(people, subjects.__getitem__, windows)
