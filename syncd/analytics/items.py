"""What the analytics read: an issue's state, weights and decision outcome, and its team.

A ``WorkItem`` holds no ``Issue`` and no ``Decision``, only the handful of values the
figures need, so a whole organisation's items stay a small record each.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from syncd.core.domain import Decision, Issue, StatusCategory, WorkClass

__all__ = ["WEIGHTINGS", "IssueState", "Weights", "WorkItem", "weights_of"]

WEIGHTINGS: tuple[str, ...] = ("issues", "story_points", "time_spent", "capacity")
"""Every weighting, in the order ``Weights`` holds them."""

Weights = tuple[float, float, float, float]
"""Weight as (issue count, story points, hours spent, person-days). An issue alone weighs no
person-days: capacity is allocated per person and day (``syncd.analytics.capacity``)."""

_NO_CUSTOM: Mapping[str, Any] = MappingProxyType({})


def weights_of(issue: Issue) -> Weights:
    """The issue's weight: 1 issue, its story points (0 when it has none), its hours spent
    (``time_spent_seconds`` / 3600, 0 when none is logged) and 0 person-days."""
    points = float(issue.story_points) if issue.story_points else 0.0
    hours = issue.time_spent_seconds / 3600.0 if issue.time_spent_seconds else 0.0
    return (1.0, points, hours, 0.0)


_SHARED: dict[float, float] = {}
_SHARED_LIMIT = 65_536


def _shared(amount: float) -> float:
    # Story points and hours take few distinct values: one float object each, not one per
    # issue, keeps a whole organisation's states smaller (bounded, so it cannot grow forever).
    found = _SHARED.get(amount)
    if found is None:
        if len(_SHARED) >= _SHARED_LIMIT:
            return amount
        found = _SHARED[amount] = amount
    return found


class IssueState(NamedTuple):
    """What the analytics read of an issue itself: state, resolution time, story points,
    hours spent (0 when none) and custom field values.

    ``custom`` holds the issue's custom field values, or only those named by *measured*
    when built with it (the fields key results measure): nothing else reads them.
    """

    status_category: StatusCategory
    resolved: datetime | None
    story_points: float
    hours_spent: float
    custom: Mapping[str, Any]

    @classmethod
    def of(cls, issue: Issue, measured: Collection[str] | None = None) -> IssueState:
        """The state of *issue*; with *measured*, only those custom fields are kept."""
        custom = issue.custom
        if measured is not None:
            kept = {name: custom[name] for name in measured if name in custom}
            custom = kept or _NO_CUSTOM
        _, points, hours, _ = weights_of(issue)
        return cls(issue.status_category, issue.resolved, _shared(points), _shared(hours), custom)

    @property
    def weights(self) -> Weights:
        """The issue's weight in every weighting (see ``weights_of``)."""
        return (1.0, self.story_points, self.hours_spent, 0.0)


class WorkItem(NamedTuple):
    """One issue as the analytics see it: its state, its decision's outcome and its team.

    ``team`` is the team the mapping layer resolved for the issue. A ``deleted`` issue (gone
    from its source) is excluded from every figure.
    """

    state: IssueState
    work_class: WorkClass
    category: str | None
    key_result: str | None
    team: str
    deleted: bool = False

    @classmethod
    def of(
        cls, issue: Issue | IssueState, decision: Decision, team: str, deleted: bool = False
    ) -> WorkItem:
        """The item of *issue* (or its state) as decided by *decision*."""
        state = issue if isinstance(issue, IssueState) else IssueState.of(issue)
        return cls(
            state, decision.work_class, decision.category, decision.key_result, team, deleted
        )
