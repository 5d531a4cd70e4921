"""What the analytics read: one issue with its decision and team, and its weight per weighting."""

from __future__ import annotations

from dataclasses import dataclass

from syncd.domain import Decision, Issue

__all__ = ["WEIGHTINGS", "Weights", "WorkItem", "weights_of"]

WEIGHTINGS: tuple[str, ...] = ("issues", "story_points", "time_spent")
"""Every weighting, in the order ``Weights`` holds them."""

Weights = tuple[float, float, float]
"""An issue's weight as (issue count, story points, hours spent)."""


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One issue as the analytics see it: its current state, its decision and its team.

    ``team`` is the team the mapping layer resolved for the issue. A ``deleted`` issue (gone
    from its source) is excluded from every figure.
    """

    issue: Issue
    decision: Decision
    team: str
    deleted: bool = False


def weights_of(issue: Issue) -> Weights:
    """The issue's weight: 1 issue, its story points (0 when it has none) and its hours spent
    (``time_spent_seconds`` / 3600, 0 when none is logged)."""
    return (
        1.0,
        float(issue.story_points or 0.0),
        (issue.time_spent_seconds or 0) / 3600.0,
    )
