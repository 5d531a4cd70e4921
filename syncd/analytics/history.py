"""An issue as it stood at a past moment, rebuilt from its current state and its history.

Jira stores an issue's present and a changelog of how it got there; the past is the present
with every later change undone. ``issue_as_of`` rebuilds the issue at a moment;
``work_intervals`` lists the spans during which it was in progress and assigned (whose time
it took, and when), for the capacity weighting. Both read only ``FieldChange`` values of the
fields syncd keeps (``HistoryField``) and are pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from syncd.core.domain import FieldChange, HistoryField, Issue, StatusCategory

__all__ = ["WORK_FIELDS", "WorkInterval", "issue_as_of", "work_intervals"]

_ATTRIBUTE: dict[HistoryField, str] = {
    HistoryField.STATUS: "status",
    HistoryField.STATUS_CATEGORY: "status_category",
    HistoryField.ASSIGNEE: "assignee",
    HistoryField.PARENT: "parent_key",
    HistoryField.EPIC: "epic_key",
    HistoryField.PROJECT: "project",
    HistoryField.KEY: "key",
    HistoryField.TEAM: "team",
}
"""The ``Issue`` attribute each kept field sets (a resolution sets ``resolved``: see below)."""

_SHAPES_TEAM = frozenset({HistoryField.PROJECT, HistoryField.KEY, HistoryField.TEAM})
WORK_FIELDS = frozenset({HistoryField.STATUS_CATEGORY, HistoryField.ASSIGNEE, *_SHAPES_TEAM})
"""The fields ``work_intervals`` reads: a store need not read the others for it."""


class WorkInterval(NamedTuple):
    """``[start, end)`` during which *person* had the issue assigned and in progress, while it
    belonged to *team*."""

    person: str
    start: datetime
    end: datetime
    team: str


def issue_as_of(issue: Issue, changes: Iterable[FieldChange], moment: datetime) -> Issue | None:
    """*issue* as it stood at *moment*; ``None`` when it was created after *moment*.

    Every change made after *moment* is undone, newest first: its field goes back to the value
    it had before. ``resolved`` is the time of the last change that gave the issue a resolution
    at or before *moment* (``None`` while it had none then); with no resolution change kept,
    the stored resolution time counts when it lies at or before *moment*.
    """
    if issue.created > moment:
        return None
    ordered = sorted(changes, key=_order)
    undone: dict[str, Any] = {}
    for change in reversed(ordered):
        if change.changed_at <= moment:
            break
        _undo(undone, change)
    resolved = _resolved_at(issue, ordered, moment)
    if not undone and resolved == issue.resolved and issue.updated <= moment:
        return issue  # nothing of it lies after *moment*: the very object, not a copy
    undone["resolved"] = resolved
    undone["updated"] = min(issue.updated, moment)
    return replace(issue, **undone)


def work_intervals(
    issue: Issue,
    changes: Sequence[FieldChange],
    until: datetime,
    team_at: Callable[[Issue], str],
) -> list[WorkInterval]:
    """The spans up to *until* during which *issue* was in progress with an assignee.

    The state at creation is the present with every change undone; changes are then replayed
    in order. *team_at* names the team of the issue as it stood: called once for an issue that
    never changed project or team, and again at each such change. Only the status category
    and the assignee are tracked change by change; a whole ``Issue`` is rebuilt only where
    the team may change, so an organisation's histories replay in a few seconds.
    """
    ordered = sorted(changes, key=_order)
    category, assignee = _first(ordered, issue)
    reshaped = any(c.field in _SHAPES_TEAM for c in ordered)
    state = _initial_state(issue, ordered) if reshaped else issue
    team = team_at(state)
    pending: dict[str, Any] = {}
    intervals: list[WorkInterval] = []
    since = issue.created
    for change in ordered:
        moment = change.changed_at
        if moment >= until:
            break
        if moment > since:
            _close(intervals, (category, assignee, team), since, moment)
            since = moment
        field = change.field
        if field is HistoryField.STATUS_CATEGORY:
            category = _category(change.after)
        elif field is HistoryField.ASSIGNEE:
            assignee = change.after
        if reshaped:
            pending.update(_applied(change))
            if field in _SHAPES_TEAM:
                state = replace(state, **pending)
                pending.clear()
                team = team_at(state)
    _close(intervals, (category, assignee, team), since, until)
    return intervals


def _first(ordered: Sequence[FieldChange], issue: Issue) -> tuple[StatusCategory, str | None]:
    """The status category and assignee at creation: the first change's "before" value of
    each, or the present value where the field never changed."""
    category, assignee = issue.status_category, issue.assignee
    seen_category = seen_assignee = False
    for change in ordered:
        if change.field is HistoryField.STATUS_CATEGORY and not seen_category:
            category, seen_category = _category(change.before), True
        elif change.field is HistoryField.ASSIGNEE and not seen_assignee:
            assignee, seen_assignee = change.before, True
    return category, assignee


def _close(
    intervals: list[WorkInterval],
    holding: tuple[StatusCategory, str | None, str],
    start: datetime,
    end: datetime,
) -> None:
    """Record ``[start, end)`` when the issue was in progress and assigned throughout."""
    category, assignee, team = holding
    if end > start and assignee and category is StatusCategory.IN_PROGRESS:
        intervals.append(WorkInterval(assignee, start, end, team))


def _initial_state(issue: Issue, ordered: Sequence[FieldChange]) -> Issue:
    undone: dict[str, Any] = {}
    for change in reversed(ordered):
        _undo(undone, change)
    return replace(issue, **undone) if undone else issue


def _order(change: FieldChange) -> tuple[datetime, int, str]:
    return (change.changed_at, change.history_id, change.field.value)


def _undo(values: dict[str, Any], change: FieldChange) -> None:
    attribute = _ATTRIBUTE.get(change.field)
    if attribute is not None:
        values[attribute] = _value(change.field, change.before)


def _applied(change: FieldChange) -> dict[str, Any]:
    attribute = _ATTRIBUTE.get(change.field)
    return {} if attribute is None else {attribute: _value(change.field, change.after)}


def _value(field: HistoryField, value: str | None) -> Any:
    if field is HistoryField.STATUS_CATEGORY:
        return _category(value)
    if field in (HistoryField.STATUS, HistoryField.PROJECT, HistoryField.KEY):
        return value or ""
    return value


def _category(value: str | None) -> StatusCategory:
    try:
        return StatusCategory(value or "")
    except ValueError:
        return StatusCategory.UNDEFINED


def _resolved_at(issue: Issue, ordered: Sequence[FieldChange], moment: datetime) -> datetime | None:
    resolutions = [c for c in ordered if c.field is HistoryField.RESOLUTION]
    if not resolutions:
        return issue.resolved if issue.resolved is not None and issue.resolved <= moment else None
    last = None
    for change in resolutions:
        if change.changed_at > moment:
            break
        last = change
    if last is None:
        resolved_before_any = resolutions[0].before is not None
        return issue.created if resolved_before_any else None
    return last.changed_at if last.after is not None else None
