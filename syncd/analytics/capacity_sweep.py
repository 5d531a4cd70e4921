"""The capacity weighting at moments that only advance, carried from one to the next.

``CapacitySweep.totals(now, windows)`` equals ``WorkLog(now, windows, …).totals(…)`` over the
same issues' work intervals cut at *now*, without allocating every day of the windows again
at each moment. It rests on one fact of the model (``syncd.analytics.capacity``): a working
day that has ended is allocated the same way at every later moment, as long as no interval
touching it has been left out for ending before the windows' reach (and none touching a day
inside a window can be). So each person's days are allocated once over all of their
intervals, per calendar; each window keeps running sums (exact fractions) of the ended days
it holds, which days enter and leave as the windows move; and each moment adds only what
depends on it: the day still under way, the home team (which names the calendar and the
team unallocated days count for), the first and last allocated day (which bound the
unallocated ones) and the latest working day's person-days.
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from syncd.analytics.capacity import (
    Allocation,
    Amount,
    CapacityTotals,
    IssueRef,
    Subject,
    WorkCalendar,
    _person_days,
    _WorkingDays,
    part_amount,
    unscaled,
    work_reach,
)
from syncd.analytics.history import WorkInterval, work_intervals
from syncd.analytics.rows import ALL_TEAMS, Window, counted_under
from syncd.analytics.settings import CapacityConfig
from syncd.core.domain import FieldChange, Issue

__all__ = ["CapacitySweep", "reaching_intervals"]

_LAST_INSTANT = timedelta(microseconds=1)
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)
_K = TypeVar("_K")
_Held = tuple[IssueRef, WorkInterval]
_RECENT = timedelta(days=8)
"""How far before a person's latest end the last day they worked on is looked for first
(a week and a day, so a whole working week lies within; where none of it is worked, every
reaching interval is read)."""


_Day = tuple[tuple[IssueRef, ...], tuple[str, ...]]
"""One allocated working day of a ledger: the issues it went to, and the team of each
(each has an equal part). Two tuples a day rather than one ``Allocation`` per issue and day:
a ledger holds every such pair of the windows' days."""


def _compact(allocations: tuple[Allocation, ...]) -> _Day:
    return tuple(a.issue for a in allocations), tuple(a.team for a in allocations)


_NONE: _Day = ((), ())


@dataclass(slots=True)
class _Ledger:
    """One person's days allocated over all of their intervals, in one calendar."""

    calendar: WorkCalendar
    working: _WorkingDays
    days: list[date]
    allocations: list[_Day]
    starts: list[datetime]


@dataclass(slots=True)
class _Person:
    """One person's intervals, those reaching into the current moment's windows, and the
    ended days each window counts (``[low, high)`` of the ledger in use).

    Kept with the reaching intervals, so that a moment need not read them all: their ends
    in a heap (the earliest leaves first), the latest end, the whole length of those of
    each team (with their number), and the *recent* ones: those ending no earlier than
    ``_RECENT`` before the latest end, in the same order (every interval still open is
    one). ``reaching`` lists them in order of start, with some that have left (ended by
    *since*) until they are half of it; none before ``front`` reaches.
    """

    name: str
    spans: list[_Held]
    begun: int = 0
    reaching: list[_Held] = field(default_factory=list)
    front: int = 0
    ends: list[tuple[datetime, int]] = field(default_factory=list)
    since: datetime | None = None
    recent: list[_Held] = field(default_factory=list)
    latest_end: datetime | None = None
    lengths: dict[str, tuple[timedelta, int]] = field(default_factory=dict)
    ledger: _Ledger | None = None
    counted: list[tuple[int, int]] = field(default_factory=list)

    def reach(self, since: datetime, now: datetime) -> None:
        """Take in the intervals begun before *now*; let go those ended by *since*."""
        spans, begun = self.spans, self.begun
        while begun < len(spans) and spans[begun][1].start < now:
            held = spans[begun]
            self._hold(held, 1)
            heapq.heappush(self.ends, (held[1].end, begun))
            self.reaching.append(held)
            self.recent.append(held)
            if self.latest_end is None or held[1].end > self.latest_end:
                self.latest_end = held[1].end
            begun += 1
        self.begun = begun
        self.since = since
        left = 0
        while self.ends and self.ends[0][0] <= since:
            self._hold(spans[heapq.heappop(self.ends)[1]], -1)
            left += 1
        if left:
            self._let_go(since)
        horizon = self.horizon(now)
        if horizon is None:
            self.recent = []
        elif any(held[1].end < horizon or held[1].end <= since for held in self.recent):
            self.recent = [held for held in self.recent
                           if held[1].end >= horizon and held[1].end > since]  # fmt: skip

    def _let_go(self, since: datetime) -> None:
        """Drop the intervals that left from ``reaching`` once they are half of it."""
        if not self.ends:
            self.reaching, self.front, self.latest_end = [], 0, None
        elif 2 * len(self.ends) <= len(self.reaching):
            self.reaching = [held for held in self.reaching if held[1].end > since]
            self.front = 0
        while self.front < len(self.reaching) and self.reaching[self.front][1].end <= since:
            self.front += 1

    def reaching_now(self) -> Iterator[_Held]:
        """The reaching intervals, in order of start."""
        since, reaching = self.since, self.reaching
        assert since is not None
        for position in range(self.front, len(reaching)):
            if reaching[position][1].end > since:
                yield reaching[position]

    def horizon(self, now: datetime) -> datetime | None:
        """``_RECENT`` before the latest end of the reaching intervals cut at *now*: the
        recent ones end no earlier (``None`` when none reaches)."""
        if self.latest_end is None:
            return None
        return min(self.latest_end, now) - _RECENT

    def ending_after(self, moment: datetime, now: datetime) -> list[_Held]:
        """The reaching intervals that end after *moment*, in order."""
        horizon = self.horizon(now)
        if horizon is not None and moment >= horizon:
            return [(ref, span) for ref, span in self.recent if span.end > moment]
        return [(ref, span) for ref, span in self.reaching_now() if span.end > moment]

    def _hold(self, held: _Held, sign: int) -> None:
        span = held[1]
        length, count = self.lengths.get(span.team, (timedelta(), 0))
        length, count = length + sign * (span.end - span.start), count + sign
        if count:
            self.lengths[span.team] = (length, count)
        else:
            del self.lengths[span.team]

    def home_team(self, now: datetime) -> str:
        """The team whose reaching intervals (cut at *now*) the person held longest (ties:
        by name)."""
        held = {team: length for team, (length, _) in self.lengths.items()}
        for _, span in self.recent:
            if span.end > now:
                held[span.team] -= span.end - now
        return min(held, key=lambda team: (-held[team], team))


class CapacitySweep:
    """Capacity totals of issues' work intervals at moments that only advance.

    *intervals* gives each issue's ``work_intervals`` computed up to a moment at or after
    *until*, the latest moment asked (they are cut at each moment); ``totals`` reads each
    issue's current subject from *subject_of* for the days it adds, and ``resubject`` moves
    what an issue counted when its subject changes; ``replace`` puts changed issues'
    intervals in place of theirs. Days before *first_day* (no earlier than two days before
    the windows' reach at the first moment asked) are not held; by default, from two days
    before the earliest interval.
    """

    def __init__(
        self,
        intervals: Iterable[tuple[IssueRef, Sequence[WorkInterval]]],
        config: CapacityConfig,
        subject_of: Callable[[IssueRef], Subject],
        until: datetime,
        *,
        first_day: date | None = None,
    ) -> None:
        self._config = config
        self._subject_of = subject_of
        by_person: defaultdict[str, list[_Held]] = defaultdict(list)
        self._people_of: dict[IssueRef, tuple[str, ...]] = {}
        for ref, spans in intervals:
            for span in spans:
                by_person[span.person].append((ref, span))
            if spans:
                self._people_of[ref] = _names(spans)
        self._people = {name: _Person(name, sorted(held, key=_start))
                        for name, held in sorted(by_person.items())}  # fmt: skip
        starts = [held[1].start for person in self._people.values() for held in person.spans]
        if first_day is None:
            first_day = min(starts, default=until).date() - timedelta(days=2)
        self._first = first_day
        self._last = until.date() + timedelta(days=2)
        self._until = until
        self._ledgers: dict[tuple[str, str], _Ledger] = {}
        self._calendar_keys: dict[str, str] = {}
        self._calendars: dict[str, tuple[WorkCalendar, _WorkingDays]] = {}
        self._by_subject: list[dict[tuple[str, Subject], Amount]] = []
        self._subjects: dict[IssueRef, Subject] = {}
        self._counted_at: tuple[datetime, tuple[Window, ...]] | None = None

    def resubject(self, ref: IssueRef, subject: Subject) -> None:
        """Count what issue *ref* holds in each window under *subject* from now on."""
        before = self._subjects.get(ref)
        self._subjects[ref] = subject
        if before is None or before == subject:
            return
        for index, by_subject in enumerate(self._by_subject):
            for team, amount in self._held_by(ref, index).items():
                _add(by_subject, (team, before), -amount)
                _add(by_subject, (team, subject), amount)

    def _held_by(self, ref: IssueRef, index: int) -> dict[str, Amount]:
        """What issue *ref* adds to window *index*'s sums, per team: its parts of the ended
        days the window counts on the ledger in use of each of its people (a subject seldom
        changes: looked for then, rather than kept per issue as days come and go)."""
        held: defaultdict[str, Amount] = defaultdict(int)
        for name in self._people_of.get(ref, ()):
            person = self._people.get(name)
            if person is None or person.ledger is None:
                continue
            low, high = person.counted[index]
            for refs, teams in person.ledger.allocations[low:high]:
                if ref in refs:
                    amount = part_amount(len(refs))
                    for one, team in zip(refs, teams, strict=True):
                        if one == ref:
                            held[team] += amount
        return held

    def totals(self, now: datetime, windows: tuple[Window, ...]) -> CapacityTotals:
        """What ``WorkLog(now, windows, …).totals`` gives for the intervals cut at *now*."""
        if not self._by_subject:
            self._by_subject = [{} for _ in windows]
        since = work_reach(now, windows)
        bounds = (since.date() - timedelta(days=1), now.date() + timedelta(days=1))
        step = _Step(now, windows, bounds)
        self._counted_at = (now, windows)
        for person in self._people.values():
            person.reach(since, now)
            if person.ends:
                self._measure(person, step)
            elif person.ledger is not None and any(low < high for low, high in person.counted):
                # No interval reaches the windows any more: the days they held all leave.
                for index, window in enumerate(windows):
                    self._slide(person, person.ledger, index, window, now)
        return step.totals(self._by_subject, self._subject)

    def replace(self, changed: Mapping[IssueRef, Sequence[WorkInterval]]) -> None:
        """Hold the work intervals of the issues of *changed* (as *intervals* gives them;
        none for an issue gone, or settled) in place of theirs.

        Each person either version names is held anew. In the calendar their days are
        counted in, only the days on which a changed issue's part differs are allocated again,
        and re-counted in the windows that held them at the last moment asked: the next
        ``totals`` equals that of a sweep built over the new intervals.
        """
        incoming: defaultdict[str, list[_Held]] = defaultdict(list)
        names: set[str] = set()
        for ref, spans in changed.items():
            names.update(self._people_of.pop(ref, ()))
            for span in spans:
                incoming[span.person].append((ref, span))
            if spans:
                self._people_of[ref] = _names(spans)
        for name in sorted(names | incoming.keys()):
            self._hold_anew(name, changed, sorted(incoming.get(name, ()), key=_start))
        for ref, spans in changed.items():
            if not spans:
                self._subjects.pop(ref, None)

    def _hold_anew(
        self, name: str, changed: Mapping[IssueRef, object], incoming: list[_Held]
    ) -> None:
        """Hold *name*'s intervals with those of the *changed* issues replaced by *incoming*,
        keeping the ledger in use up to date and dropping the others."""
        old = self._people.pop(name, None)
        kept = [held for held in old.spans if held[0] not in changed] if old else []
        person = _Person(name, sorted([*kept, *incoming], key=_start))
        ledger = old.ledger if old is not None else None
        for key in [key for key in self._ledgers if key[0] == name]:
            if self._ledgers[key] is not ledger:
                del self._ledgers[key]
        if old is not None and ledger is not None:
            before = [held for held in old.spans if held[0] in changed]
            self._reallocate(ledger, person, before, incoming)
            person.ledger, person.counted = ledger, self._positions(ledger)
        if person.spans:
            self._people[name] = person

    def _reallocate(
        self, ledger: _Ledger, person: _Person, before: list[_Held], after: list[_Held]
    ) -> None:
        """Allocate again the days of *ledger* on which the changed issues' parts differ
        (*before* and *after*, in order of start), counting the change in the windows."""
        old_parts = _parts_by_day(ledger.working, before, self._until)
        new_parts = _parts_by_day(ledger.working, after, self._until)
        affected = sorted(day for day in old_parts.keys() | new_parts.keys()
                          if old_parts.get(day) != new_parts.get(day))  # fmt: skip
        if not affected:
            return
        calendar, until = ledger.calendar, self._until
        begins = calendar.day_start(affected[0])
        ends = min(calendar.day_start(affected[-1] + timedelta(days=1)), until)
        touching = _cut((held for held in person.spans if held[1].end > begins), ends)
        span_days = _WorkingDays(calendar, affected[0], affected[-1])
        fresh = _person_days(person.name, "", span_days, touching).days
        for day in affected:
            position = bisect.bisect_left(ledger.days, day)
            held = position < len(ledger.days) and ledger.days[position] == day
            allocations = _compact(fresh.get(day, ()))
            self._recount(ledger, day, ledger.allocations[position] if held else _NONE, allocations)
            if allocations[0] and held:
                ledger.allocations[position] = allocations
            elif held:
                del ledger.days[position], ledger.allocations[position], ledger.starts[position]
            elif allocations[0]:
                ledger.days.insert(position, day)
                ledger.allocations.insert(position, allocations)
                ledger.starts.insert(position, calendar.day_start(day))

    def _recount(
        self,
        ledger: _Ledger,
        day: date,
        before: _Day,
        after: _Day,
    ) -> None:
        """Count *after* in place of *before* as *day*'s allocation in the windows that held
        the day at the last moment asked."""
        if self._counted_at is None:
            return
        now, windows = self._counted_at
        calendar = ledger.calendar
        if calendar.day_start(day + timedelta(days=1)) > now:
            return
        for index, window in enumerate(windows):
            if _inside(calendar, day, window):
                if before[0]:
                    self._count_days(index, (before,), -1)
                if after[0]:
                    self._count_days(index, (after,), 1)

    def _positions(self, ledger: _Ledger) -> list[tuple[int, int]]:
        """The ledger positions each window counted at the last moment asked: the ended days
        that begin inside it."""
        if self._counted_at is None:
            return [(0, 0) for _ in self._by_subject]
        now, windows = self._counted_at
        found = []
        for window in windows:

            def under_way(position: int, end: datetime = window.end) -> bool:
                return not _ended(ledger, position, now, end)

            low = bisect.bisect_left(ledger.starts, window.start)
            high = bisect.bisect_left(range(len(ledger.days)), True, lo=low, key=under_way)
            found.append((low, high))
        return found

    def _subject(self, ref: IssueRef) -> Subject:
        """Issue *ref*'s current subject (``resubject`` keeps the ones looked up current)."""
        subject = self._subjects.get(ref)
        if subject is None:
            subject = self._subjects[ref] = self._subject_of(ref)
        return subject

    def _measure(self, person: _Person, step: _Step) -> None:
        home = person.home_team(step.now)
        ledger = self._ledger(person, home)
        for index, window in enumerate(step.windows):
            self._slide(person, ledger, index, window, step.now)
        calendar, working = ledger.calendar, ledger.working
        under_way = self._under_way(person, ledger, step)
        first, last = _allocated_span(working, person, step.now, step.bounds)
        if first is None or last is None:
            return
        if under_way and max(under_way) == last:
            step.offer_latest(last, _compact(under_way[last]))
        else:
            step.offer_latest(last, self._day_of(person, ledger, last, step))
        for index, window in enumerate(step.windows):
            low, high = person.counted[index]
            held = high - low + sum(1 for day in under_way if _inside(calendar, day, window))
            days = _window_days(working, calendar, window, first, last)
            if days > held:
                step.idle[home, window.name] += days - held
        for day, allocations in under_way.items():
            step.add_under_way(calendar, day, allocations)

    def _ledger(self, person: _Person, home: str) -> _Ledger:
        key = self._calendar_keys.get(home)
        if key is None:
            key = self._calendar_keys[home] = self._config.calendar_of(home).model_dump_json()
        if key not in self._calendars:
            calendar = WorkCalendar(self._config.calendar_of(home))
            self._calendars[key] = (calendar, _WorkingDays(calendar, self._first, self._last))
        calendar, working = self._calendars[key]
        ledger = self._ledgers.get((person.name, key))
        if ledger is None:
            days = _person_days(person.name, home, working, _cut(person.spans, self._until)).days
            ordered = sorted(days)
            ledger = _Ledger(
                calendar,
                working,
                ordered,
                [_compact(days[day]) for day in ordered],
                [calendar.day_start(day) for day in ordered],
            )
            self._ledgers[person.name, key] = ledger
        if person.ledger is not ledger:
            for index in range(len(person.counted)):
                low, high = person.counted[index]
                self._count(person.ledger, index, low, high, -1)
            person.ledger = ledger
            person.counted = [(0, 0) for _ in self._by_subject]
        return ledger

    def _slide(
        self, person: _Person, ledger: _Ledger, index: int, window: Window, now: datetime
    ) -> None:
        """Move the ended days *window* counts of *person* to those it holds at *now*."""
        low, high = person.counted[index]
        new_high = high
        while new_high < len(ledger.days) and _ended(ledger, new_high, now, window.end):
            new_high += 1
        new_low = bisect.bisect_left(ledger.starts, window.start, low)
        new_high = max(new_high, new_low)
        self._count(ledger, index, low, min(new_low, high), -1)
        self._count(ledger, index, max(high, new_low), new_high, 1)
        person.counted[index] = (new_low, new_high)

    def _count(self, ledger: _Ledger | None, index: int, low: int, high: int, sign: int) -> None:
        if ledger is not None and low < high:
            self._count_days(index, ledger.allocations[low:high], sign)

    def _count_days(self, index: int, days: Iterable[_Day], sign: int) -> None:
        """Add (*sign* 1) or take out (-1) the allocations of *days* in window *index*."""
        by_subject = self._by_subject[index]
        subjects = self._subjects
        for refs, teams in days:
            amount = part_amount(len(refs))
            if sign < 0:
                amount = -amount
            for ref, team in zip(refs, teams, strict=True):
                subject = subjects.get(ref)
                if subject is None:
                    subject = subjects[ref] = self._subject_of(ref)
                summed = by_subject.get((team, subject), 0) + amount
                if summed:
                    by_subject[team, subject] = summed
                else:
                    del by_subject[team, subject]

    def _under_way(
        self, person: _Person, ledger: _Ledger, step: _Step
    ) -> dict[date, tuple[Allocation, ...]]:
        """The allocation of the working day under way at *now*, if any (not yet ended)."""
        day = ledger.calendar.local_day(step.now - _LAST_INSTANT)
        if ledger.calendar.day_start(day + timedelta(days=1)) <= step.now:
            return {}
        if not step.bounds[0] <= day <= step.bounds[1]:
            return {}
        return _allocated_on(person, ledger, step.now, day)

    def _day_of(self, person: _Person, ledger: _Ledger, day: date, step: _Step) -> _Day:
        """The allocation of an ended *day*: the ledger's, unless an interval left out
        (ended before the windows' reach) could have touched it."""
        if ledger.calendar.day_start(day) >= step.since:
            position = bisect.bisect_left(ledger.days, day)
            return ledger.allocations[position]
        return _compact(_allocated_on(person, ledger, step.now, day).get(day, ()))


@dataclass(slots=True)
class _Step:
    """What one moment adds to the running sums: days under way, unallocated days and the
    latest working day's person-days."""

    now: datetime
    windows: tuple[Window, ...]
    bounds: tuple[date, date]
    idle: defaultdict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    under_way: list[dict[tuple[str, IssueRef], Amount]] = field(default_factory=list)
    latest_day: date | None = None
    latest: list[_Day] = field(default_factory=list)

    @property
    def since(self) -> datetime:
        return work_reach(self.now, self.windows)

    def offer_latest(self, day: date, allocations: _Day) -> None:
        if self.latest_day is None or day > self.latest_day:
            self.latest_day, self.latest = day, []
        if day == self.latest_day:
            self.latest.append(allocations)

    def add_under_way(
        self, calendar: WorkCalendar, day: date, allocations: tuple[Allocation, ...]
    ) -> None:
        if not self.under_way:
            self.under_way = [{} for _ in self.windows]
        for index, window in enumerate(self.windows):
            if _inside(calendar, day, window):
                for ref, team, parts in allocations:
                    _add(self.under_way[index], (team, ref), part_amount(parts))

    def totals(
        self,
        by_subject: list[dict[tuple[str, Subject], Amount]],
        subject_of: Callable[[IssueRef], Subject],
    ) -> CapacityTotals:
        allocated: defaultdict[tuple[str, str, Subject], Amount] = defaultdict(int)
        for window, summed in zip(self.windows, by_subject, strict=True):
            for (team, subject), amount in summed.items():
                for scope, under in counted_under(team, *subject):
                    allocated[scope, window.name, under] += amount
        for window, under_way in zip(self.windows, self.under_way, strict=False):
            for (team, subject), amount in _per_subject(under_way.items(), subject_of).items():
                for scope, under in counted_under(team, *subject):
                    allocated[scope, window.name, under] += amount
        running = (
            ((team, ref), part_amount(len(refs)))
            for refs, teams in self.latest
            for ref, team in zip(refs, teams, strict=True)
        )
        latest: defaultdict[tuple[str, Subject], Amount] = defaultdict(int)
        for (team, subject), amount in _per_subject(running, subject_of).items():
            for scope, under in counted_under(team, *subject):
                latest[scope, under] += amount
        unallocated: defaultdict[tuple[str, str], float] = defaultdict(float)
        for (home, name), days in sorted(self.idle.items()):
            for scope in (home, ALL_TEAMS):
                unallocated[scope, name] += days
        return CapacityTotals(
            allocated={key: unscaled(amount) for key, amount in allocated.items() if amount},
            latest={key: unscaled(amount) for key, amount in latest.items() if amount},
            unallocated=dict(unallocated),
        )


def reaching_intervals(
    issue: Issue,
    changes: Sequence[FieldChange],
    since: datetime,
    team_at: Callable[[Issue], str],
) -> list[WorkInterval]:
    """The work intervals of *issue* that end after *since* (the windows' reach), as if it
    stays as it is: what a sweep takes of it."""
    return [span for span in work_intervals(issue, changes, _NEVER, team_at) if span.end > since]


def _names(spans: Iterable[WorkInterval]) -> tuple[str, ...]:
    """The people of *spans*, once each (a tuple: most issues have one)."""
    return tuple(dict.fromkeys(span.person for span in spans))


def _start(held: _Held) -> datetime:
    return held[1].start


def _cut(held: Iterable[_Held], until: datetime) -> list[_Held]:
    """The intervals of *held* begun before *until*, ended at *until* at the latest."""
    return [(ref, span._replace(end=min(span.end, until))) for ref, span in held
            if span.start < until]  # fmt: skip


def _parts_by_day(
    working: _WorkingDays, held: list[_Held], until: datetime
) -> dict[date, dict[IssueRef, str]]:
    """Per working day that *held*'s intervals (in order of start, cut at *until*) touch, the
    team each issue's part goes to (that of its latest interval begun that day)."""
    parts: defaultdict[date, dict[IssueRef, str]] = defaultdict(dict)
    for ref, span in _cut(held, until):
        for day in working.touched_by(span):
            parts[day][ref] = span.team
    return parts


def _per_subject(
    amounts: Iterable[tuple[tuple[str, IssueRef], Amount]],
    subject_of: Callable[[IssueRef], Subject],
) -> dict[tuple[str, Subject], Amount]:
    """*amounts* per (team, issue) summed per (team, subject), each issue's looked up once
    (the sums are exact: their order does not matter)."""
    summed: defaultdict[tuple[str, Subject], Amount] = defaultdict(int)
    for (team, ref), amount in amounts:
        summed[team, subject_of(ref)] += amount
    return summed


def _ended(ledger: _Ledger, position: int, now: datetime, end: datetime) -> bool:
    day = ledger.days[position]
    return (
        ledger.starts[position] < end and ledger.calendar.day_start(day + timedelta(days=1)) <= now
    )


def _inside(calendar: WorkCalendar, day: date, window: Window) -> bool:
    return window.start <= calendar.day_start(day) < window.end


def _allocated_on(
    person: _Person, ledger: _Ledger, now: datetime, day: date
) -> dict[date, tuple[Allocation, ...]]:
    """*day*'s allocation from the intervals reaching it, cut at *now*."""
    one_day = _WorkingDays(ledger.calendar, day, day)
    begins = ledger.calendar.day_start(day)
    touching = _cut(person.ending_after(begins, now), now)
    return dict(_person_days(person.name, "", one_day, touching).days)


def _touched(
    working: _WorkingDays, start: datetime, end: datetime, bounds: tuple[date, date]
) -> tuple[date, date] | None:
    """The first and last working day within *bounds* that ``[start, end)`` touches."""
    zone = working.calendar.zone
    begins = max(start.astimezone(zone).date(), bounds[0])
    ends = min((end - _LAST_INSTANT).astimezone(zone).date(), bounds[1])
    return working.ends_between(begins, ends) if begins <= ends else None


def _allocated_span(
    working: _WorkingDays, person: _Person, now: datetime, bounds: tuple[date, date]
) -> tuple[date | None, date | None]:
    """The first and last working day (within *bounds*) the reaching intervals cut at *now*
    touch.

    The intervals are in order of start, so the first that touches a working day touches
    the first; the last is looked for among the recent intervals first (none ending
    earlier can touch a later day), and among all only when none does.
    """
    first: date | None = None
    for _, span in person.reaching_now():
        touched = _touched(working, span.start, min(span.end, now), bounds)
        if touched is not None:
            first = touched[0]
            break
    if first is None:
        return None, None
    horizon = person.horizon(now)
    assert horizon is not None
    last = _last_touched(working, person.recent, now, bounds, horizon)
    if last is None or last < horizon.astimezone(working.calendar.zone).date():
        last = _last_touched(working, list(person.reaching_now()), now, bounds, None)
    return first, last


def _last_touched(
    working: _WorkingDays,
    held: list[_Held],
    now: datetime,
    bounds: tuple[date, date],
    after: datetime | None,
) -> date | None:
    """The last working day within *bounds* that the intervals of *held* ending at or after
    *after*, cut at *now*, touch; read latest end first, until none can touch a later day."""
    ends = sorted(((min(span.end, now), span.start) for _, span in held), reverse=True)
    zone = working.calendar.zone
    last: date | None = None
    for end, start in ends:
        if after is not None and end < after:
            break
        if last is not None and (end - _LAST_INSTANT).astimezone(zone).date() <= last:
            break
        touched = _touched(working, start, end, bounds)
        if touched is not None and (last is None or touched[1] > last):
            last = touched[1]
    return last


def _window_days(
    working: _WorkingDays, calendar: WorkCalendar, window: Window, first: date, last: date
) -> int:
    """The working days from *first* to *last* that begin inside *window*."""
    earliest = calendar.local_day(window.start)
    if calendar.day_start(earliest) < window.start:
        earliest += timedelta(days=1)
    latest = calendar.local_day(window.end - _LAST_INSTANT)
    return len(working.between(max(first, earliest), min(last, latest)))


def _add(table: dict[_K, Amount], key: _K, amount: Amount) -> None:
    total = table.get(key, 0) + amount
    if total:
        table[key] = total
    else:
        table.pop(key, None)
