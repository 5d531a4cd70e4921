"""Shares of completed work per team and window, weighted by issue count: small and pure.

Work counts in a window when it was resolved in it (``[start, end)``, UTC). A share is the
part of the team's completed issues with a work class (``category=""``) or a class and
category; ``team="all"`` is the whole organisation. The analytics layer computes the full set
of weightings; this is what ``syncd rules diff`` needs to show a share change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from syncd.core.domain import Decision, Issue

__all__ = ["ALL_TEAMS", "ShareKey", "Window", "share_table", "standard_windows"]

ALL_TEAMS = "all"
ShareKey = tuple[str, str, str, str]
"""``(team, window, work_class, category)``; ``category`` is ``""`` for a whole work class."""


@dataclass(frozen=True, slots=True)
class Window:
    """A named time window ``[start, end)`` in UTC."""

    name: str
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        """True when *moment* falls in the window."""
        return self.start <= moment < self.end


def standard_windows(today: date) -> tuple[Window, ...]:
    """Rolling 30 and 90 days up to the end of *today*, and the quarter to date."""
    end = datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return (
        Window("30d", end - timedelta(days=30), end),
        Window("90d", end - timedelta(days=90), end),
        Window("quarter", datetime.combine(quarter_start, time(), tzinfo=UTC), end),
    )


def share_table(
    decisions: Mapping[tuple[str, int], Decision],
    issues: Iterable[Issue],
    team_of: Callable[[Issue], str],
    windows: Iterable[Window],
) -> dict[ShareKey, float]:
    """Share of completed issues per ``(team, window, work_class, category)``.

    Issues without a decision or a resolution date are not completed work and do not count.
    """
    counts: Counter[ShareKey] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    frozen = tuple(windows)
    for issue in issues:
        decision = decisions.get((issue.source, issue.issue_id))
        if decision is None or issue.resolved is None:
            continue
        team = team_of(issue)
        for window in frozen:
            if not window.contains(issue.resolved):
                continue
            for who in (team, ALL_TEAMS):
                totals[(who, window.name)] += 1
                counts[(who, window.name, decision.work_class.value, "")] += 1
                if decision.category:
                    key = (who, window.name, decision.work_class.value, decision.category)
                    counts[key] += 1
    return {key: count / totals[(key[0], key[1])] for key, count in counts.items()}
