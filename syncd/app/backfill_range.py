"""The range a backfill covers: its steps, its default end, and what is refused.

Pure date arithmetic, kept apart from the computation (``syncd.app.backfill``) so that the
command line can state the defaults without loading the application.

The range stops before the period Prometheus is still writing: the head block holds about
the last three hours of samples, and ``promtool tsdb create-blocks-from`` blocks must not
overlap it (Prometheus's own backfilling advice), so the last step must end at least
``LIVE_MARGIN`` before now.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from syncd.app.days import end_of
from syncd.core.errors import ConfigError, Problem

__all__ = [
    "LIVE_MARGIN",
    "BackfillRange",
    "balanced_parts",
    "default_last_day",
    "plan_backfill",
]

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


READ_WEIGHT = 50
START_WEIGHT = 70
"""What reading the store costs per stored issue, and a part's first step per issue created
by then (it replays, decides and counts every one from scratch), in units of what a later
step costs per issue (measured at 200k issues: the read about 10 s, a first step over 200k
issues 13 s, a later step 0.2 to 0.4 s as the organisation grows)."""

WORTH_SPLITTING = 0.75
"""A range is cut into parts only when its costliest part costs at most this share of the
whole: each part reads the store and holds its own memory."""


def balanced_parts(
    moments: Sequence[datetime], created: Sequence[datetime], jobs: int
) -> list[tuple[datetime, ...]]:
    """*moments* cut into at most *jobs* runs of consecutive steps of about equal cost, to be
    computed side by side (one run, all of them, when cutting does not pay).

    The cost is estimated from *created*, when each stored issue was created (sorted). A
    later step costs about as much per stored issue (the day's changes, which grow with the
    organisation) as per issue created by its moment (the people and windows it visits),
    and little before the first issue; a run pays for reading the store (``READ_WEIGHT``)
    and for its first step, which starts from scratch (``START_WEIGHT``).
    """
    moments = tuple(moments)
    if jobs <= 1 or len(moments) <= 1:
        return [moments]
    stored = len(created)
    live = [bisect.bisect_right(created, moment) for moment in moments]
    carried = [0]
    for count in live:
        carried.append(carried[-1] + stored // 100 + (stored + count if count else 0))
    read = READ_WEIGHT * stored

    def cost(first: int, end: int) -> int:
        return read + START_WEIGHT * live[first] + carried[end] - carried[first]

    def cuts_within(limit: int) -> list[int] | None:
        """The starts of the fewest runs that each cost at most *limit* (greedy)."""
        starts, first = [0], 0
        while True:
            if cost(first, first + 1) > limit:
                return None
            low, high = first + 1, len(moments)
            while low < high:
                middle = (low + high + 1) // 2
                low, high = (middle, high) if cost(first, middle) <= limit else (low, middle - 1)
            if low == len(moments):
                return starts
            first = low
            starts.append(first)

    whole = cost(0, len(moments))
    low, high = 0, whole
    while low < high:
        middle = (low + high) // 2
        found = cuts_within(middle)
        if found is not None and len(found) <= jobs:
            high = middle
        else:
            low = middle + 1
    starts = cuts_within(low)
    if starts is None or len(starts) == 1 or low > WORTH_SPLITTING * whole:
        return [moments]
    bounds = [*starts, len(moments)]
    return [moments[a:b] for a, b in itertools.pairwise(bounds)]
