"""The trend before syncd was installed: one as-of snapshot per step over a past range.

``plan_backfill`` checks a requested range (every problem at once, as a ``ConfigError``);
``backfill_snapshots`` yields the snapshot at the end of each step, equal to what ``syncd
report --as-of`` computes for that moment (``syncd.app.as_of.snapshot_at``, from scratch),
but advanced from step to step by that step's changes alone. The store is read once; a
``HistoryReplay`` rebuilds only the issues a creation, a resolution or a kept change
touched since the previous step; a ``StandingDecider`` re-decides those and what inherits
from them; ``RunningTotals`` replaces what each re-counted issue adds to the sums, and also
re-counts the done issues whose resolution a window takes in or lets go at this step
(``turns_of``); a ``CapacitySweep`` allocates each person's ended days once and slides the
windows over them, computing only the day under way afresh. Each step's snapshot
is then made by ``snapshot_of``, the computation ``compute_snapshot`` ends with, so every
family and label set is the live one's. Nothing of a past step is kept.

The range itself (its steps, default end and refusals) is ``syncd.app.backfill_range``.
"""

from __future__ import annotations

import gc
import heapq
import math
from array import array
from collections.abc import Iterable, Iterator
from datetime import datetime

from mappings import StandingDecider, team_of
from syncd.analytics import AnalyticsConfig, IssueState, Snapshot, WorkItem, resolve_windows
from syncd.analytics.aggregate import RunningTotals, subject_named
from syncd.analytics.capacity import IssueRef, settled, work_reach
from syncd.analytics.capacity_sweep import CapacitySweep, reaching_intervals
from syncd.analytics.compute import snapshot_of
from syncd.analytics.history import issue_as_of
from syncd.analytics.rows import Window
from syncd.analytics.windows import turns_of
from syncd.app.as_of import StoredContext
from syncd.app.backfill_range import (
    LIVE_MARGIN,
    BackfillRange,
    balanced_parts,
    default_last_day,
    plan_backfill,
)
from syncd.app.gc_pause import gc_paused
from syncd.app.mapping_files import MappingFiles
from syncd.core.domain import FieldChange, Issue, StatusCategory, WorkClass
from syncd.store import Store

__all__ = [
    "LIVE_MARGIN",
    "BackfillRange",
    "HistoryReplay",
    "backfill_snapshots",
    "balanced_parts",
    "default_last_day",
    "plan_backfill",
    "replayed_snapshots",
]

_Outcome = tuple[WorkClass, str | None, str | None]
"""An issue's decided work class, category and key result (equal ones shared)."""

_INDEX_BITS = 24
"""Room for the issue index inside one packed replay event (16 million issues)."""


class HistoryReplay:
    """Every stored issue with its history, rebuilt as it stood at moments that only advance.

    ``advance(moment)`` rebuilds (with ``issue_as_of``) only the issues whose creation, a
    resolution or a kept change falls after the previous moment and at or before *moment*;
    ``state(index)`` gives each as it stood then (``None`` before its creation). The
    rebuilt issues equal ``issue_as_of`` at *moment* in every field the figures read (an
    issue's ``updated`` time, which none reads, may stand at an earlier step). An issue
    rebuilt after its last event is never rebuilt again: only that state is kept of it, not
    the stored issue and its history, so ``stored()`` is read before the first ``advance``.
    """

    def __init__(self, stored: Iterator[tuple[Issue, tuple[FieldChange, ...]]]) -> None:
        self._issues: list[Issue] = []
        self._histories: list[tuple[FieldChange, ...]] = []
        packed: list[int] = []
        last = array("q")
        for index, (issue, changes) in enumerate(stored):
            self._issues.append(issue)
            self._histories.append(changes)
            times = {issue.created, *(change.changed_at for change in changes)}
            if issue.resolved is not None:
                times.add(issue.resolved)
            events = [_packed(moment, index) for moment in times]
            packed.extend(events)
            last.append(max(events))
        self._last = last
        packed.sort()
        # One machine word per event instead of a tuple of objects: a few MB for millions.
        self._events = array("q", packed)
        del packed
        self._next = 0
        self._states: list[Issue | None] = [None] * len(self._issues)
        self._moment: datetime | None = None

    def __len__(self) -> int:
        return len(self._issues)

    def advance(self, moment: datetime) -> set[int]:
        """Bring every issue to *moment* (not before the previous one); the positions of
        the issues rebuilt."""
        if self._moment is not None and moment < self._moment:
            raise ValueError(f"the replay stands at {self._moment}; it cannot go back to {moment}")
        self._moment = moment
        limit = (math.floor(moment.timestamp()) + 1) << _INDEX_BITS
        mask = (1 << _INDEX_BITS) - 1
        events, position = self._events, self._next
        touched: set[int] = set()
        while position < len(events) and events[position] < limit:
            touched.add(events[position] & mask)
            position += 1
        self._next = position
        for index in touched:
            state = issue_as_of(self._issues[index], self._histories[index], moment)
            self._states[index] = state
            if state is not None and self._last[index] < limit:
                self._issues[index], self._histories[index] = state, ()
        return touched

    def state(self, index: int) -> Issue | None:
        """The issue at position *index* as it stood at the current moment (``None`` before
        it was created)."""
        return self._states[index]

    def stored(self) -> Iterator[tuple[Issue, tuple[FieldChange, ...]]]:
        """Every issue as stored, with its history, in the store's order (before the first
        ``advance``)."""
        return zip(self._issues, self._histories, strict=True)


def backfill_snapshots(
    store: Store, files: MappingFiles, analytics: AnalyticsConfig, moments: Iterable[datetime]
) -> Iterator[Snapshot]:
    """The snapshot at each of *moments* (ascending: a ``BackfillRange``'s, or a run of
    them), as ``syncd report --as-of`` computes it; the store is read once, before the first
    step."""
    stored = store.iter_issue_histories()
    return replayed_snapshots(stored, StoredContext.read(store), files, analytics, moments)


def replayed_snapshots(
    stored: Iterable[tuple[Issue, tuple[FieldChange, ...]]],
    context: StoredContext,
    files: MappingFiles,
    analytics: AnalyticsConfig,
    moments: Iterable[datetime],
) -> Iterator[Snapshot]:
    """The snapshot of the *stored* issues (each with its whole history) at each of
    *moments* (ascending), equal to ``syncd.app.as_of.snapshot_at`` of the issues as they
    stood then; *stored* is read before the first snapshot."""
    moments = list(moments)
    if not moments:
        return
    # What the replay and each step build holds no reference cycles: the cyclic collector
    # would only traverse it again and again (see ``syncd.app.gc_pause``), while steps
    # build and, frozen after each, while the caller uses the step's snapshot.
    with gc_paused():
        sweep = _Sweep(HistoryReplay(iter(stored)), context, moments[-1])
    try:
        for moment in moments:
            with gc_paused(frozen_after=True):
                snapshot = sweep.step(moment, files, analytics)
            yield snapshot
    finally:
        gc.unfreeze()


class _Sweep:
    """The figures of the replayed issues, carried from one step to the next."""

    def __init__(self, replay: HistoryReplay, context: StoredContext, until: datetime) -> None:
        self._replay = replay
        self._until = until
        self._context = context
        self._decider: StandingDecider[int] | None = None
        self._totals = RunningTotals()
        self._teams: dict[int, str] = {}
        self._subjects: dict[IssueRef, tuple[str, str]] = {}
        self._outcomes: dict[int, _Outcome] = {}
        self._shared: dict[_Outcome, _Outcome] = {}
        self._turns: list[tuple[datetime, int]] = []
        self._scheduled: dict[int, datetime] = {}
        self._capacity: CapacitySweep | None = None

    def step(self, moment: datetime, files: MappingFiles, analytics: AnalyticsConfig) -> Snapshot:
        """The snapshot at *moment* (later than the previous step's)."""
        if self._decider is None:
            self._decider = StandingDecider(
                self._context.roadmap_items, files.rule_set, files.teams, files.key_result_ids
            )
        windows = resolve_windows(analytics.windows, moment)
        capacity = self._capacity_sweep(files, analytics, windows, moment)
        touched = self._replay.advance(moment)
        for index in touched:
            issue = self._replay.state(index)
            if issue is not None:
                self._teams[index] = team_of(issue, files.teams)
                self._decider.put(index, issue)
        decide = touched | self._decider.settle()
        for index in decide:
            self._decide(index)
        for index in decide | self._turned(moment):
            self._count(index, windows, moment, analytics)
        return snapshot_of(
            self._totals.totals(windows),
            windows,
            files.agreements.agreements if files.agreements is not None else (),
            self._context.key_results,
            {},
            analytics,
            moment,
            capacity=capacity.totals(moment, windows) if capacity is not None else None,
        )

    def _decide(self, index: int) -> None:
        """Decide the issue at *index* again (it changed, or what it inherits from did)."""
        issue = self._replay.state(index)
        if issue is None or self._decider is None:
            return
        decision = self._decider.decide(index)
        outcome = (decision.work_class, decision.category, decision.key_result)
        self._outcomes[index] = self._shared.setdefault(outcome, outcome)
        subject = subject_named(decision.work_class, decision.category)
        self._subjects[issue.source, issue.issue_id] = subject
        if self._capacity is not None:
            self._capacity.resubject((issue.source, issue.issue_id), subject)

    def _count(
        self, index: int, windows: tuple[Window, ...], moment: datetime, analytics: AnalyticsConfig
    ) -> None:
        """Count the issue at *index* again with its latest outcome (it changed, its outcome
        did, or a window took it in or let it go)."""
        issue = self._replay.state(index)
        if issue is None:
            return
        work_class, category, key_result = self._outcomes[index]
        state = IssueState.of(issue)
        self._totals.put(
            index, WorkItem(state, work_class, category, key_result, self._teams[index]), windows
        )
        resolved = issue.resolved
        if (
            issue.status_category is StatusCategory.DONE
            and resolved is not None
            and self._scheduled.get(index) != resolved
        ):
            # An issue is counted again and again with the same resolution: its turns ahead
            # are in the heap once (turns that came due were popped, and lie behind).
            self._scheduled[index] = resolved
            for turn in turns_of(analytics.windows, resolved):
                if turn > moment:
                    heapq.heappush(self._turns, (turn, index))

    def _turned(self, moment: datetime) -> set[int]:
        """The issues whose window membership may have changed by *moment*."""
        due: set[int] = set()
        while self._turns and self._turns[0][0] <= moment:
            due.add(heapq.heappop(self._turns)[1])
        return due

    def _capacity_sweep(
        self,
        files: MappingFiles,
        analytics: AnalyticsConfig,
        windows: tuple[Window, ...],
        moment: datetime,
    ) -> CapacitySweep | None:
        """The capacity sweep, made at the first step: an issue settled before the first
        step's windows reach (``WorkLog`` leaves the same out) adds no interval any step
        reads, as the windows only move on."""
        if "capacity" not in analytics.weightings:
            return None
        if self._capacity is None:

            def team_at(issue: Issue) -> str:
                return team_of(issue, files.teams)

            since = work_reach(moment, windows)
            intervals = (
                ((issue.source, issue.issue_id), reaching_intervals(issue, changes, since, team_at))
                for issue, changes in self._replay.stored()
                if not settled(issue, changes, since)
            )
            self._capacity = CapacitySweep(
                intervals, analytics.capacity, self._subjects.__getitem__, self._until
            )
        return self._capacity


def _packed(moment: datetime, index: int) -> int:
    # An event counts at every moment at or after it; whole seconds rounded up keep that
    # true for moments on whole seconds, which every step's end is.
    return math.ceil(moment.timestamp()) << _INDEX_BITS | index
