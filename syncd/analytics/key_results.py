"""Key-result progress by each key result's own measure, against progress expected by now."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from syncd.analytics.items import WEIGHTINGS, IssueState, WorkItem
from syncd.analytics.rows import ALL_TEAMS, KeyResultRow
from syncd.core.domain import KeyResult, Measure

__all__ = ["key_result_rows", "period_bounds"]


def period_bounds(key_result: KeyResult) -> tuple[datetime, datetime]:
    """The key result's period as ``[first day 00:00 UTC, day after the last day 00:00 UTC)``."""
    start = datetime.combine(key_result.period_start, time(), tzinfo=UTC)
    end = datetime.combine(key_result.period_end + timedelta(days=1), time(), tzinfo=UTC)
    return start, end


def key_result_rows(
    key_results: Iterable[KeyResult],
    linked: Mapping[str, tuple[WorkItem, ...]],
    weightings: tuple[str, ...],
    now: datetime,
) -> tuple[KeyResultRow, ...]:
    """One row per key result and owning team (``all`` for a key result with no team).

    The figures count done issues linked to the key result and resolved within its period,
    whichever team did the work; each owning team's row carries the same figures.
    """
    rows: list[KeyResultRow] = []
    for key_result in sorted(key_results, key=lambda kr: kr.key_result_id):
        row = _row(key_result, linked.get(key_result.key_result_id, ()), weightings, now)
        rows.extend(replace(row, team=team) for team in key_result.teams or (ALL_TEAMS,))
    return tuple(rows)


def _row(
    key_result: KeyResult,
    linked: tuple[WorkItem, ...],
    weightings: tuple[str, ...],
    now: datetime,
) -> KeyResultRow:
    start, end = period_bounds(key_result)
    done = [
        i.state for i in linked if i.state.resolved is not None and start <= i.state.resolved < end
    ]
    value, unmeasurable = _measure(key_result, done)
    return KeyResultRow(
        key_result=key_result.key_result_id,
        team=ALL_TEAMS,
        measure=key_result.measure.value,
        target=float(key_result.target),
        value=value,
        progress=value / key_result.target if key_result.target > 0 else None,
        expected=_elapsed(start, end, now),
        period_start=key_result.period_start,
        period_end=key_result.period_end,
        work=_work(done, weightings),
        unmeasurable=unmeasurable,
    )


def _measure(key_result: KeyResult, done: list[IssueState]) -> tuple[float, int]:
    if key_result.measure is Measure.ISSUE_COUNT:
        return float(len(done)), 0
    if key_result.measure is Measure.STORY_POINTS:
        return sum(state.story_points for state in done), 0
    total, unmeasurable = 0.0, 0
    for state in done:
        amount = _number(state.custom.get(key_result.field)) if key_result.field else None
        if amount is None:
            unmeasurable += 1
        else:
            total += amount
    return total, unmeasurable


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _work(done: list[IssueState], weightings: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    sums = [0.0] * len(WEIGHTINGS)
    for state in done:
        for index, weight in enumerate(state.weights):
            sums[index] += weight
    return tuple((name, sums[WEIGHTINGS.index(name)]) for name in weightings)


def _elapsed(start: datetime, end: datetime, now: datetime) -> float:
    fraction = (now - start) / (end - start)
    return min(1.0, max(0.0, fraction))
