"""Every figure of a set of issues under given decisions, at one instant, in one call.

The pipeline computes the service's snapshot streaming; ``figures`` is the same computation
over issues held in memory, for the views that compare or rebuild: ``syncd rules diff``
(current against new rules) and ``syncd report --as-of`` (issues as they stood on a day).
The capacity weighting reads each issue's kept history when it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime

from mappings import TeamConfig, team_of
from syncd.analytics import AnalyticsConfig, Snapshot, WorkItem, compute_snapshot, resolve_windows
from syncd.analytics.capacity import CapacityTotals, WorkLog
from syncd.core.domain import Agreement, Decision, FieldChange, Issue, KeyResult, WorkClass

__all__ = ["Decisions", "figures"]

Decisions = Mapping[tuple[str, int], Decision]
"""Decisions keyed by ``(source, issue id)``."""


def figures(
    issues: Sequence[Issue],
    decisions: Decisions,
    teams: TeamConfig | None,
    *,
    agreements: Iterable[Agreement],
    analytics: AnalyticsConfig,
    now: datetime,
    histories: Sequence[Sequence[FieldChange]] | None = None,
    key_results: Iterable[KeyResult] = (),
    integrity: Mapping[str, int] | None = None,
) -> Snapshot:
    """The snapshot of *issues* as *decisions* classify them, at *now*.

    *histories*, when given, holds each issue's kept changes (same order as *issues*) for the
    capacity weighting; without it capacity has no figures.
    """
    capacity = None
    if histories is not None and "capacity" in analytics.weightings:
        capacity = _capacity(issues, histories, decisions, teams, analytics=analytics, now=now)
    items = _work_items(issues, decisions, teams)
    return compute_snapshot(
        items, agreements, key_results, integrity or {}, analytics, now, capacity=capacity
    )


def _capacity(
    issues: Sequence[Issue],
    histories: Sequence[Sequence[FieldChange]],
    decisions: Decisions,
    teams: TeamConfig | None,
    *,
    analytics: AnalyticsConfig,
    now: datetime,
) -> CapacityTotals:
    windows = resolve_windows(analytics.windows, now)
    log = WorkLog(now, windows, lambda state: team_of(state, teams))
    for issue, changes in zip(issues, histories, strict=True):
        log.add(issue, changes)

    def subject_at(position: int) -> tuple[str, str]:
        issue = issues[position]
        decision = decisions.get((issue.source, issue.issue_id))
        if decision is None or decision.work_class is WorkClass.UNCLASSIFIED:
            return (WorkClass.UNCLASSIFIED.value, "")
        return (decision.work_class.value, decision.category or "")

    return log.totals(subject_at, analytics.capacity, windows)


def _work_items(
    issues: Iterable[Issue], decisions: Decisions, teams: TeamConfig | None
) -> Iterator[WorkItem]:
    for issue in issues:
        decision = decisions.get((issue.source, issue.issue_id))
        if decision is not None:
            yield WorkItem.of(issue, decision, team_of(issue, teams))
