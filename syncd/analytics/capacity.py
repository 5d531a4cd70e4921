"""The capacity weighting: where people's time went, in person-days.

The model (docs/analytics.md, "Capacity"):

* Each person (an assignee) has one person-day per working day of their calendar.
* On a working day, that person-day is split **evenly** across the distinct issues assigned to
  them that were in progress at any moment of that day (the day as their calendar's time zone
  counts it). Each issue's part goes to the team the issue belonged to that day and to the
  issue's decision (its work class and category).
* A working day inside the person's active span (their first to their last day with any
  allocation) on which nothing of theirs was in progress is **unallocated**: reported for
  their home team, never as a class.
* A person's home team is the team whose issues they had in progress longest (ties: the
  first name in order); its calendar is theirs.

``WorkLog`` collects issues' work intervals as they stream past; ``allocate`` turns them into
per-person, per-day allocations (exact fractions, so each person's day adds up to exactly 1);
``CapacityTotals.of`` sums them per team, window and subject for the share rows.
``WorkLog.totals`` gives the same sums without listing every person's days: each issue's
days are ranges of its person's working days, summed as differences of running sums.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Final, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from syncd.analytics.history import WorkInterval, work_intervals
from syncd.analytics.rows import ALL_TEAMS, Window, counted_under
from syncd.analytics.settings import WEEKDAYS, CalendarConfig, CapacityConfig
from syncd.core.domain import FieldChange, Issue, StatusCategory

__all__ = [
    "DAY_PARTS",
    "EXACT_PARTS",
    "Allocation",
    "Amount",
    "CapacityTotals",
    "IssueRef",
    "PersonDays",
    "WorkCalendar",
    "WorkLog",
    "allocate",
    "part_amount",
    "settled",
    "unscaled",
    "work_reach",
]

IssueRef = tuple[str, int]
"""An issue's identity: ``(source, issue id)``."""
Subject = tuple[str, str]
"""``(work class, category)``; category ``""`` is the class as a whole."""

_LAST_INSTANT = timedelta(microseconds=1)
_K = TypeVar("_K")


class WorkCalendar:
    """A calendar's working days and the instant each local day starts, in UTC."""

    def __init__(self, config: CalendarConfig) -> None:
        self.zone = ZoneInfo(config.timezone)
        self._weekdays = frozenset(WEEKDAYS.index(day) for day in config.working_days)
        self._holidays = frozenset(config.holidays)

    def is_working(self, day: date) -> bool:
        """True for a working weekday that is not a holiday."""
        return day.weekday() in self._weekdays and day not in self._holidays

    def local_day(self, moment: datetime) -> date:
        """The calendar's date at *moment*."""
        return moment.astimezone(self.zone).date()

    def day_start(self, day: date) -> datetime:
        """The UTC instant at which *day* begins in the calendar's time zone."""
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)


class Allocation(NamedTuple):
    """One of *parts* equal parts of one person's working day, spent on one issue, for the
    issue's team then (a day's allocations are its *parts*: they add up to exactly 1)."""

    issue: IssueRef
    team: str
    parts: int

    @property
    def share(self) -> Fraction:
        """The part of the day, exactly."""
        return Fraction(1, self.parts)


@dataclass(frozen=True, slots=True)
class PersonDays:
    """One person's working days: what each allocated day went to, and the unallocated ones.

    ``days`` maps each allocated day to its allocations (their shares add up to exactly 1);
    ``idle`` lists the working days of the active span with nothing in progress.
    """

    person: str
    home_team: str
    calendar: WorkCalendar
    days: Mapping[date, tuple[Allocation, ...]]
    idle: tuple[date, ...]


class WorkLog:
    """The work intervals of issues as they stream past, for one capacity computation at
    *now* over *windows*.

    Only intervals that reach into the windows (a day's margin for time zones) are kept,
    with each issue's position in the stream, so the issues need not be held.
    """

    def __init__(
        self, now: datetime, windows: tuple[Window, ...], team_at: Callable[[Issue], str]
    ) -> None:
        self._until = now
        self._since = work_reach(now, windows)
        self._team_at = team_at
        self._spans: list[tuple[IssueRef, list[WorkInterval]]] = []
        self._positions: dict[IssueRef, int] = {}
        self._count = 0

    def add(self, issue: Issue, changes: Sequence[FieldChange]) -> bool:
        """Record the next issue of the stream and its kept changes; whether the issue may
        count at a later *now* (False once it is ``settled``)."""
        position, self._count = self._count, self._count + 1
        if issue.created >= self._until:
            return True
        if settled(issue, changes, self._since):
            return False
        spans = work_intervals(issue, changes, self._until, self._team_at)
        self._keep((issue.source, issue.issue_id), position, spans)
        return True

    @property
    def since(self) -> datetime:
        """The earliest instant a kept interval reaches past: a day before the windows."""
        return self._since

    def add_intervals(self, ref: IssueRef, spans: Iterable[WorkInterval]) -> None:
        """Record the next issue of the stream by its work intervals up to *now* (as
        ``work_intervals`` lists them), for a caller that has them already."""
        position, self._count = self._count, self._count + 1
        self._keep(ref, position, spans)

    def _keep(self, ref: IssueRef, position: int, spans: Iterable[WorkInterval]) -> None:
        kept = [span for span in spans if span.end > self._since]
        if kept:
            self._spans.append((ref, kept))
            self._positions[ref] = position

    def totals(
        self,
        subject_at: Callable[[int], Subject],
        config: CapacityConfig,
        windows: tuple[Window, ...],
    ) -> CapacityTotals:
        """Allocate the recorded work; *subject_at* names the decision of the issue at each
        stream position. The same totals as ``CapacityTotals.of(self.people(config), ...)``,
        summed over ranges of days (see ``_Gathered.of_intervals``)."""
        gathered = self._gathered(config, windows)
        return CapacityTotals.summed(gathered, lambda ref: subject_at(self._positions[ref]))

    def issue_days(
        self, config: CapacityConfig, windows: tuple[Window, ...]
    ) -> dict[tuple[IssueRef, str, str], float]:
        """Person-days per (issue, team, window name) over the recorded work: the amounts
        ``totals`` sums (the same gathering), issue by issue, for a drill-down from a capacity
        figure to the issues behind it."""
        days: dict[tuple[IssueRef, str, str], float] = {}
        for (team, issue, inside), amount in self._gathered(config, windows).spent.items():
            for name in inside:
                _add(days, (issue, team, name), unscaled(amount))
        return days

    def people(self, config: CapacityConfig) -> Iterator[PersonDays]:
        """Each person's allocated and idle days over the recorded work (see ``allocate``)."""
        return allocate(self._spans, config, *self._days())

    def _gathered(self, config: CapacityConfig, windows: tuple[Window, ...]) -> _Gathered:
        return _Gathered.of_intervals(self._spans, config, *self._days(), windows)

    def _days(self) -> tuple[date, date]:
        """The first and last dates allocated: a day's margin either side for time zones."""
        return self._since.date() - timedelta(days=1), self._until.date() + timedelta(days=1)


def work_reach(now: datetime, windows: tuple[Window, ...]) -> datetime:
    """The earliest instant the capacity weighting reads work from at *now*: a day before
    the windows begin (a margin for time zones). Windows only move forward, so neither
    does it."""
    return min((w.start for w in windows), default=now) - timedelta(days=1)


def settled(issue: Issue, changes: Sequence[FieldChange], reach: datetime) -> bool:
    """True when *issue* cannot have been in progress since *reach* (``work_reach``): not in
    progress now, and neither it nor its history changed since then; it stays so at every
    later reach until it changes. Most of a large organisation's issues are settled; their
    histories need no replay."""
    if issue.status_category is StatusCategory.IN_PROGRESS or issue.updated >= reach:
        return False
    return all(change.changed_at < reach for change in changes)


def allocate(
    intervals: Iterable[tuple[IssueRef, Iterable[WorkInterval]]],
    config: CapacityConfig,
    first_day: date,
    last_day: date,
) -> Iterator[PersonDays]:
    """Each person's working days from *first_day* to *last_day* (their calendar's dates).

    *intervals* gives each issue's work intervals (``syncd.analytics.history``).
    """
    by_person: defaultdict[str, list[tuple[IssueRef, WorkInterval]]] = defaultdict(list)
    for issue, issue_spans in intervals:
        for span in issue_spans:
            by_person[span.person].append((issue, span))
    calendars: dict[str, _WorkingDays] = {}
    for person in sorted(by_person):
        held = by_person[person]
        home = _home_team(span for _, span in held)
        if home not in calendars:
            calendar = WorkCalendar(config.calendar_of(home))
            calendars[home] = _WorkingDays(calendar, first_day, last_day)
        yield _person_days(person, home, calendars[home], held)


def _home_team(spans: Iterable[WorkInterval]) -> str:
    held: defaultdict[str, timedelta] = defaultdict(timedelta)
    for span in spans:
        held[span.team] += span.end - span.start
    return min(held, key=lambda team: (-held[team], team))


def _person_days(
    person: str, home: str, working: _WorkingDays, spans: list[tuple[IssueRef, WorkInterval]]
) -> PersonDays:
    # Per day, per issue: the team of the issue's latest span that day.
    touched: defaultdict[date, dict[IssueRef, tuple[datetime, str]]] = defaultdict(dict)
    for issue, span in spans:
        for day in working.touched_by(span):
            seen = touched[day].get(issue)
            if seen is None or span.start >= seen[0]:
                touched[day][issue] = (span.start, span.team)
    days = {
        day: tuple(
            Allocation(issue, team, len(issues)) for issue, (_, team) in sorted(issues.items())
        )
        for day, issues in sorted(touched.items())
    }
    idle: tuple[date, ...] = ()
    if days:
        idle = tuple(day for day in working.between(min(days), max(days)) if day not in days)
    return PersonDays(person, home, working.calendar, days, idle)


EXACT_PARTS: Final = 512
DAY_PARTS: Final = math.lcm(*range(1, EXACT_PARTS + 1))
"""Sums of person-days are held as integer multiples of ``1 / DAY_PARTS``: exact for a day
split in up to ``EXACT_PARTS`` parts (a finer part stays a fraction, exact too), and integer
additions instead of fraction ones. The limit is set well above what people hold at once:
someone with a few hundred issues left in progress splits each day in that many parts, and
fraction additions cost about fifty integer ones (a 743-bit integer adds at about the speed
of a 184-bit one). Summed exactly and rounded once (``unscaled``), any order of
summing (a backfill sweeps days one by one) gives the very same figures."""
Amount = int | Fraction
"""Person-days in units of ``1 / DAY_PARTS``."""


_PART_AMOUNTS: Final = (0, *(DAY_PARTS // parts for parts in range(1, EXACT_PARTS + 1)))


def part_amount(parts: int) -> Amount:
    """One of *parts* equal parts of a day in units of ``1 / DAY_PARTS``: an integer
    looked up for up to ``EXACT_PARTS`` parts, an exact fraction beyond when it must be one."""
    if parts < len(_PART_AMOUNTS):
        return _PART_AMOUNTS[parts]
    if DAY_PARTS % parts:
        return Fraction(DAY_PARTS, parts)
    return DAY_PARTS // parts


def unscaled(amount: Amount) -> float:
    """Person-days, rounded once (an integer quotient is rounded correctly)."""
    return float(amount / DAY_PARTS) if isinstance(amount, Fraction) else amount / DAY_PARTS


class _WorkingDays:
    """A calendar's working days from *first* to *last* (its own dates), listed once so
    that a span's days are a slice of them."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        self.calendar = calendar
        self.days = [day for day in _dates(first, last) if calendar.is_working(day)]

    def between(self, first: date, last: date) -> list[date]:
        """The working days from *first* to *last*, both included."""
        return self.days[bisect_left(self.days, first) : bisect_right(self.days, last)]

    def ends_between(self, first: date, last: date) -> tuple[date, date] | None:
        """The first and the last working day from *first* to *last* (``None`` if none)."""
        low, high = bisect_left(self.days, first), bisect_right(self.days, last)
        return (self.days[low], self.days[high - 1]) if low < high else None

    def touched_by(self, span: WorkInterval) -> list[date]:
        """The working days that *span* touches in the calendar's zone."""
        low, high = self.positions(span)
        return self.days[low:high]

    def positions(self, span: WorkInterval) -> tuple[int, int]:
        """``[low, high)``: the positions in ``days`` of the working days *span* touches."""
        zone = self.calendar.zone
        first = span.start.astimezone(zone).date()
        last = (span.end - _LAST_INSTANT).astimezone(zone).date()
        return bisect_left(self.days, first), bisect_right(self.days, last)


def _dates(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@dataclass(slots=True)
class CapacityTotals:
    """Person-days per team (``all`` included), window and subject, and unallocated ones.

    ``allocated`` is keyed by (team, window name, subject); ``latest`` holds the person-days of
    the most recent allocated working day per (team, subject), the current run rate, which the
    share rows read as work in progress; ``unallocated`` is keyed by (team, window name).
    """

    allocated: dict[tuple[str, str, Subject], float] = field(default_factory=dict)
    latest: dict[tuple[str, Subject], float] = field(default_factory=dict)
    unallocated: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        people: Iterable[PersonDays],
        subject_of: Callable[[IssueRef], Subject],
        windows: tuple[Window, ...],
    ) -> CapacityTotals:
        """Sum *people*'s days into the windows they start in; *subject_of* names each
        issue's decision as (work class, category)."""
        return cls.summed(_Gathered.of(people, windows), subject_of)

    @classmethod
    def summed(
        cls, gathered: _Gathered, subject_of: Callable[[IssueRef], Subject]
    ) -> CapacityTotals:
        """The totals of what *gathered* holds; *subject_of* as for ``of``."""
        allocated: defaultdict[tuple[str, str, Subject], Amount] = defaultdict(int)
        latest: defaultdict[tuple[str, Subject], Amount] = defaultdict(int)
        # Each issue's decision is looked up and spread over its subjects, the team and the
        # organisation, and its windows once, not once per person-day.
        for (team, issue, inside), days in gathered.spent.items():
            for scope, subject in counted_under(team, *subject_of(issue)):
                for name in inside:
                    allocated[scope, name, subject] += days
        for (team, issue), days in gathered.running.items():
            for scope, subject in counted_under(team, *subject_of(issue)):
                latest[scope, subject] += days
        totals = cls(_rounded(allocated), _rounded(latest))
        for (team, name), idle in gathered.idle.items():
            for scope in (team, ALL_TEAMS):
                _add(totals.unallocated, (scope, name), idle)
        return totals


def _rounded(exact: Mapping[_K, Amount]) -> dict[_K, float]:
    return {key: unscaled(amount) for key, amount in exact.items()}


@dataclass(slots=True)
class _Gathered:
    """People's days summed per (team, issue, windows the day starts in), the latest day's per
    (team, issue), and idle days per (home team, window)."""

    spent: defaultdict[tuple[str, IssueRef, tuple[str, ...]], Amount]
    running: defaultdict[tuple[str, IssueRef], Amount]
    idle: defaultdict[tuple[str, str], float]

    @classmethod
    def of(cls, people: Iterable[PersonDays], windows: tuple[Window, ...]) -> _Gathered:
        people = list(people)
        latest_day = max((max(p.days) for p in people if p.days), default=None)
        windows_at = _WindowsAt(windows)
        gathered = cls(defaultdict(int), defaultdict(int), defaultdict(float))
        for person in people:
            for day, allocations in person.days.items():
                inside = windows_at(person.calendar, day)
                latest = day == latest_day
                # A day's allocations are its parts, each the same amount.
                amount = part_amount(len(allocations))
                for issue, team, _ in allocations:
                    gathered.spent[team, issue, inside] += amount
                    if latest:
                        gathered.running[team, issue] += amount
            for day in person.idle:
                for name in windows_at(person.calendar, day):
                    gathered.idle[person.home_team, name] += 1.0
        return gathered

    @classmethod
    def of_intervals(
        cls,
        intervals: Iterable[tuple[IssueRef, Iterable[WorkInterval]]],
        config: CapacityConfig,
        first_day: date,
        last_day: date,
        windows: tuple[Window, ...],
    ) -> _Gathered:
        """What ``of`` gathers from ``allocate(intervals, config, first_day, last_day)``,
        summed over ranges of days instead of day by day.

        An issue's days with one person are a range of their working days (or a few), and the
        parts a range holds are a difference of running sums of the day's part: someone with
        hundreds of issues in progress for months costs their issues plus their days, not
        the product (at 200k issues the day-by-day gathering was a sixth of a refresh).
        """
        by_person: defaultdict[str, list[tuple[IssueRef, WorkInterval]]] = defaultdict(list)
        for issue, issue_spans in intervals:
            for span in issue_spans:
                by_person[span.person].append((issue, span))
        calendars: dict[str, _DayRanges] = {}
        people: list[_PersonRanges] = []
        for person in sorted(by_person):
            held = by_person[person]
            home = _home_team(span for _, span in held)
            if home not in calendars:
                calendar = WorkCalendar(config.calendar_of(home))
                calendars[home] = _DayRanges(calendar, first_day, last_day, windows)
            people.append(_PersonRanges(home, calendars[home], held))
        latest_day = max(
            (p.last_allocated for p in people if p.last_allocated is not None), default=None
        )
        gathered = cls(defaultdict(int), defaultdict(int), defaultdict(float))
        for ranges in people:
            ranges.gather(gathered, latest_day)
        return gathered


class _DayRanges:
    """A calendar's working days from *first* to *last* by position, and the runs of
    consecutive positions whose days start in the same windows."""

    def __init__(
        self, calendar: WorkCalendar, first: date, last: date, windows: tuple[Window, ...]
    ) -> None:
        self.working = _WorkingDays(calendar, first, last)
        self.days = self.working.days
        self.runs: list[tuple[int, int, tuple[str, ...]]] = []
        for position, day in enumerate(self.days):
            inside = _windows_of(calendar.day_start(day), windows)
            if self.runs and self.runs[-1][2] == inside:
                self.runs[-1] = (self.runs[-1][0], position + 1, inside)
            else:
                self.runs.append((position, position + 1, inside))


class _PersonRanges:
    """One person's work as ranges of day positions, each issue's day going to the team of
    its latest span that day (as ``_person_days`` allocates), and the running sums of the
    parts of their days."""

    def __init__(
        self, home: str, days: _DayRanges, held: list[tuple[IssueRef, WorkInterval]]
    ) -> None:
        self.home = home
        self._days = days
        spans: defaultdict[IssueRef, list[tuple[int, int, datetime, str]]] = defaultdict(list)
        for issue, span in held:
            low, high = days.working.positions(span)
            if low < high:
                spans[issue].append((low, high, span.start, span.team))
        self.segments: list[tuple[int, int, IssueRef, str]] = []
        for issue, ranges in spans.items():
            if len(ranges) == 1:
                low, high, _, team = ranges[0]
                self.segments.append((low, high, issue, team))
            else:
                self.segments += _painted(issue, ranges)
        count = len(days.days)
        issues = [0] * (count + 1)
        for low, high, _, _ in self.segments:
            issues[low] += 1
            issues[high] -= 1
        self._parts: list[int] = list(itertools.accumulate(issues[:count]))
        allocated = [position for position, parts in enumerate(self._parts) if parts]
        self._first = allocated[0] if allocated else 0
        self._last = allocated[-1] if allocated else -1
        self.last_allocated = days.days[self._last] if allocated else None
        # Running sums: of the day's part (person-day units), and of idle days.
        self._spent = [0, *itertools.accumulate(part_amount(parts) for parts in self._parts)]
        self._idle = [0, *itertools.accumulate(not parts for parts in self._parts)]

    def gather(self, gathered: _Gathered, latest_day: date | None) -> None:
        """Add this person's days to *gathered* as ``_Gathered.of`` adds them; *latest_day*
        is the latest allocated day of anyone."""
        runs, spent = self._days.runs, self._spent
        for low, high, issue, team in self.segments:
            for start, end, inside in runs:
                first, last = max(low, start), min(high, end)
                if first < last:
                    gathered.spent[team, issue, inside] += spent[last] - spent[first]
        if latest_day is not None:
            position = bisect_left(self._days.days, latest_day)
            if position <= self._last and self._days.days[position] == latest_day:
                amount = part_amount(self._parts[position])
                for low, high, issue, team in self.segments:
                    if low <= position < high:
                        gathered.running[team, issue] += amount
        for start, end, inside in runs:
            first, last = max(self._first, start), min(self._last + 1, end)
            idle = self._idle[last] - self._idle[first] if first < last else 0
            for name in inside if idle else ():
                gathered.idle[self.home, name] += float(idle)


def _painted(
    issue: IssueRef, ranges: list[tuple[int, int, datetime, str]]
) -> list[tuple[int, int, IssueRef, str]]:
    """The day positions of one issue's spans as ranges of one team each: on a day several
    spans touch, the one that started last (the later listed, on a tie) gives the team."""
    team_at: dict[int, str] = {}
    for low, high, _, team in sorted(ranges, key=lambda found: found[2]):
        for position in range(low, high):
            team_at[position] = team
    segments: list[tuple[int, int, IssueRef, str]] = []
    for position in sorted(team_at):
        team = team_at[position]
        if segments and segments[-1][1] == position and segments[-1][3] == team:
            segments[-1] = (segments[-1][0], position + 1, issue, team)
        else:
            segments.append((position, position + 1, issue, team))
    return segments


class _WindowsAt:
    """The names of the windows a calendar's day starts in, computed once per calendar
    and day."""

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self._windows = windows
        self._known: dict[tuple[int, date], tuple[str, ...]] = {}

    def __call__(self, calendar: WorkCalendar, day: date) -> tuple[str, ...]:
        key = (id(calendar), day)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = _windows_of(calendar.day_start(day), self._windows)
        return found


def _windows_of(moment: datetime, windows: tuple[Window, ...]) -> tuple[str, ...]:
    return tuple(w.name for w in windows if w.start <= moment < w.end)


def _add(table: dict[_K, float], key: _K, amount: float) -> None:
    table[key] = table.get(key, 0.0) + amount
