"""The range a backfill covers: its steps, its default end, and what is refused.

Pure date arithmetic, kept apart from the computation (``syncd.app.backfill``) so that the
command line can state the defaults without loading the application.

The range stops before the period Prometheus is still writing: the head block holds about
the last three hours of samples, and ``promtool tsdb create-blocks-from`` blocks must not
overlap it (Prometheus's own backfilling advice), so the last step must end at least
``LIVE_MARGIN`` before now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from syncd.app.days import end_of
from syncd.core.errors import ConfigError, Problem

__all__ = ["LIVE_MARGIN", "BackfillRange", "default_last_day", "plan_backfill"]

LIVE_MARGIN = timedelta(hours=3)
"""How far before now the last backfilled step must end: Prometheus's head block (the
samples it is still writing) spans up to about three hours."""


@dataclass(frozen=True, slots=True)
class BackfillRange:
    """Steps of *step* from the start of *first* to the end of *last* (UTC days).

    The snapshot of a step stands at the step's end; the last step ends at or before the end
    of *last* (a step that does not divide the range leaves the rest out).
    """

    first: date
    last: date
    step: timedelta

    @property
    def start(self) -> datetime:
        """The instant the first step begins: *first*'s midnight."""
        return datetime.combine(self.first, time(), tzinfo=UTC)

    def __len__(self) -> int:
        return int((end_of(self.last) - self.start) / self.step)

    def moments(self) -> Iterator[datetime]:
        """The end of every step, oldest first."""
        for count in range(1, len(self) + 1):
            yield self.start + count * self.step


def default_last_day(now: datetime) -> date:
    """The latest day that ends at least ``LIVE_MARGIN`` before *now*."""
    return (now - LIVE_MARGIN).date() - timedelta(days=1)


def plan_backfill(
    first: date, last: date | None, step: timedelta, now: datetime, stored_issues: int
) -> BackfillRange:
    """The range to backfill; ``ConfigError`` listing every problem with the range.

    *last* defaults to ``default_last_day(now)``. Refused: *first* after *last*; a range
    ending less than ``LIVE_MARGIN`` before *now* (Prometheus is still writing that period);
    a step that is not a positive whole number of minutes or is longer than the range; a
    store with no issues (nothing to rebuild the past from).
    """
    last = default_last_day(now) if last is None else last
    problems: list[Problem] = []

    def refuse(where: str, message: str) -> None:
        problems.append(Problem("backfill", where, message))

    if first > last:
        refuse("--from", f"{first} is after --to {last}")
    if end_of(last) > now - LIVE_MARGIN:
        latest = default_last_day(now)
        refuse(
            "--to",
            f"{last} overlaps the live period: Prometheus is still writing the last "
            f"{LIVE_MARGIN.total_seconds() / 3600:g} hours; the latest day allowed now is "
            f"{latest}",
        )
    minutes = step / timedelta(minutes=1)
    if minutes <= 0 or minutes != int(minutes):
        refuse("--step", f"{step} is not a positive whole number of minutes")
    elif first <= last and step > end_of(last) - datetime.combine(first, time(), tzinfo=UTC):
        refuse("--step", f"{step} is longer than the range {first}..{last}")
    if stored_issues == 0:
        refuse("store", "holds no issues: sync Jira first (`syncd sync --once`)")
    if problems:
        raise ConfigError("cannot backfill this range", problems)
    return BackfillRange(first, last, step)
