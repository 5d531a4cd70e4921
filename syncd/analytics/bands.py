"""The agreed band in force for a team and subject on a day, and the figures measured against it.

Team-specific agreements override org-wide ones for that team; org-wide agreements apply to
every team and to ``all``. Where several agreements of the same scope are in force on the day,
the one valid from the latest day wins (ties: the greatest agreement id), so the choice never
depends on input order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from syncd.analytics.rows import ALL_TEAMS
from syncd.core.domain import Agreement

__all__ = ["AgreementBook", "drift", "forecast_share", "recovery_needed", "share_of"]


class AgreementBook:
    """Looks up the agreement in force for a (team, work class, category) on a day."""

    def __init__(self, agreements: Iterable[Agreement]) -> None:
        self._agreements = tuple(agreements)
        self._cache: dict[tuple[str, str, str, date], Agreement | None] = {}

    @property
    def teams(self) -> tuple[str, ...]:
        """Teams named by team-specific agreements, sorted."""
        return tuple(sorted({a.team for a in self._agreements if a.team is not None}))

    def in_force(self, team: str, work_class: str, category: str, day: date) -> Agreement | None:
        """The agreement whose band applies to the subject for *team* on *day*, if any.

        An agreement on a work class applies to that class's share (``category == ""``); one
        on a category applies to that category's share.
        """
        key = (team, work_class, category, day)
        if key not in self._cache:
            self._cache[key] = self._choose(team, work_class, category, day)
        return self._cache[key]

    def changed_within(
        self, team: str, work_class: str, category: str, first: date, last: date
    ) -> bool:
        """Whether the agreement in force for the subject is not the same on every day from
        *first* to *last* (inclusive): one began or ended inside, or none applied on some day."""
        final = self.in_force(team, work_class, category, last)
        edges = {first} | {
            day
            for a in self._agreements
            if _covers(a, work_class, category)
            for day in (a.valid_from, a.valid_to)
            if day is not None and first < day <= last
        }
        return any(self.in_force(team, work_class, category, day) != final for day in edges)

    def _choose(self, team: str, work_class: str, category: str, day: date) -> Agreement | None:
        matching = [
            a for a in self._agreements if _covers(a, work_class, category) and a.in_force_on(day)
        ]
        own = [a for a in matching if team != ALL_TEAMS and a.team == team]
        chosen = own or [a for a in matching if a.team is None]
        return max(chosen, key=lambda a: (a.valid_from, a.agreement_id), default=None)


def _covers(agreement: Agreement, work_class: str, category: str) -> bool:
    subject = agreement.subject
    if subject.category is not None:
        return subject.category == category
    return subject.work_class == work_class and category == ""


def share_of(part: float, total: float) -> float | None:
    """``part / total``; ``None`` when *total* is zero (a share of nothing is not 0)."""
    return part / total if total > 0 else None


def drift(share: float, low: float | None, high: float | None) -> float:
    """``share - low`` below the band, ``share - high`` above it, 0 inside."""
    if low is not None and share < low:
        return share - low
    if high is not None and share > high:
        return share - high
    return 0.0


def recovery_needed(part: float, total: float, low: float | None) -> float | None:
    """Extra completed work of the subject that lifts its share to the band's minimum.

    Solves ``(part + y) / (total + y) = low`` for y: ``y = (low * total - part) / (1 - low)``,
    in the weighting's unit. 0 when the share is at or above the minimum (or there is none);
    ``None`` when ``total`` is zero, or when ``low`` is 1 and other work exists (unreachable).
    """
    if total <= 0:
        return None
    if low is None or part / total >= low:
        return 0.0
    if low >= 1.0:
        return None
    return (low * total - part) / (1.0 - low)


def forecast_share(part: float, part_wip: float, total: float, total_wip: float) -> float | None:
    """The share if all work in progress completed: ``(part + part_wip) / (total + total_wip)``."""
    return share_of(part + part_wip, total + total_wip)
