"""What a refresh knows of every stored issue, kept until the next refresh.

A service refreshes after every sync, and a sync usually writes a handful of issues. The
first refresh reads every stored issue; the next ones, as long as they decide under the same
inputs (the same mapping files, roadmap items and key results), read only what runs wrote
since (``Store.changed_after``: the issues written, those a census marked deleted and those
whose history a repair completed), re-decide those and whatever inherits from them
(``mappings.StandingDecider``), and write only their decisions. Each issue is held as the
analytics read it (its ``IssueState``, team and outcome); the figures' running sums (exact,
as the backfill's) re-count only the issues that changed or whose resolution a moving window
took in or let go of. The capacity weighting holds the work intervals of the issues whose
work can still count in its windows, in a ``CapacitySweep`` from the second count on, which
allocates again only the days a change alters. So a refresh after a run gives the snapshot
a refresh from scratch gives.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from mappings import StandingDecider, resolve_team
from syncd.analytics import IssueState, WindowConfig, WorkItem
from syncd.analytics.aggregate import RunningTotals, Totals, aggregate, subject_named
from syncd.analytics.capacity import (
    CapacityTotals,
    IssueRef,
    Subject,
    WorkLog,
    settled,
    work_reach,
)
from syncd.analytics.capacity_sweep import CapacitySweep, reaching_intervals
from syncd.analytics.history import WorkInterval
from syncd.analytics.integrity import IntegrityCheck, IntegrityReport
from syncd.analytics.rows import Window
from syncd.analytics.settings import CapacityConfig
from syncd.analytics.windows import turns_of
from syncd.app.mapping_files import MappingFiles
from syncd.core.domain import (
    Decision,
    FieldChange,
    Issue,
    KeyResult,
    RoadmapItem,
    StatusCategory,
    WorkClass,
)

__all__ = ["DecisionInputs", "Outcome", "StandingIssues"]

Outcome = tuple[WorkClass, str | None, str | None]
"""A decision as the analytics read it: work class, category, key result."""


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    """What every issue's decision and state depend on besides the issue itself."""

    files: MappingFiles
    roadmap_items: tuple[RoadmapItem, ...]
    key_results: tuple[KeyResult, ...]

    def same_as(self, other: DecisionInputs) -> bool:
        """Whether decisions made under *other* hold under these (the same mapping files as
        loaded, equal roadmap items and key results)."""
        return (
            self.files is other.files
            and self.roadmap_items == other.roadmap_items
            and self.key_results == other.key_results
        )


class StandingIssues:
    """Every live issue's state, team and decision outcome under fixed *inputs*, changed one
    issue at a time.

    ``put`` an issue (new or changed, with its kept changes when capacity is weighted) or
    ``drop`` one, then ``settle()`` re-decides what the changes reach; ``totals(now)`` sums
    the held issues' figures over the *windows* at *now* (a moment not before the previous
    one), after the first count re-counting only the issues put, dropped or re-decided since
    and those whose resolution a window took in or let go of (``turns_of``); ``capacity(now)``
    gives the capacity weighting's totals. ``after_run`` is the latest run whose writes are
    in. Issues are held with their histories only with *track_work* (the capacity
    weighting), only while their work can reach the windows, and once a capacity sweep has
    started (the second count, held until *until*), only from their ``put`` to the next
    count: the sweep holds their work intervals.
    """

    def __init__(
        self,
        inputs: DecisionInputs,
        after_run: int,
        windows: tuple[WindowConfig, ...],
        *,
        track_work: bool,
        until: datetime | None = None,
    ) -> None:
        files = inputs.files
        self.inputs = inputs
        self.after_run = after_run
        self.integrity = IntegrityCheck(inputs.roadmap_items, inputs.key_results)
        self._teams = files.teams
        self._measured = {k.field for k in inputs.key_results if k.field}
        self._decider: StandingDecider[IssueRef] = StandingDecider(
            inputs.roadmap_items,
            files.rule_set,
            files.teams,
            {k.key_result_id for k in inputs.key_results},
        )
        self._states: dict[IssueRef, IssueState] = {}
        self._team_of: dict[IssueRef, str] = {}
        self._outcomes: dict[IssueRef, Outcome] = {}
        self._shared: dict[Outcome, Outcome] = {}
        self._track_work = track_work
        self._working: dict[IssueRef, tuple[Issue, tuple[FieldChange, ...]]] = {}
        self._until = until
        self._work_changed: set[IssueRef] = set()
        self._capacity_counted = False
        self._sweep: CapacitySweep | None = None
        self._windows = windows
        self._running: RunningTotals | None = None
        self._due: set[IssueRef] = set()
        self._turns: list[tuple[datetime, IssueRef]] = []
        self.counted_at: datetime | None = None

    def __len__(self) -> int:
        return len(self._states)

    def put(
        self, issue: Issue, changes: tuple[FieldChange, ...] = (), reach: datetime | None = None
    ) -> None:
        """Hold *issue* (with its kept *changes*) in place of what it was; *reach* is the
        capacity weighting's ``work_reach`` now, before which a settled issue's work ends."""
        ref = (issue.source, issue.issue_id)
        team = resolve_team(issue, self._teams) if self._teams is not None else None
        self._decider.put(ref, issue, team)
        self.integrity.add_issue(issue)
        self._states[ref] = IssueState.of(issue, self._measured)
        self._team_of[ref] = team or issue.team or issue.project
        self._due.add(ref)
        self._work_changed.add(ref)
        if self._track_work and (reach is None or not settled(issue, changes, reach)):
            self._working[ref] = (issue, changes)
        else:
            self._working.pop(ref, None)

    def drop(self, ref: IssueRef) -> None:
        """Let go of the issue *ref* (gone from its source)."""
        self._decider.drop(ref)
        self.integrity.drop(ref)
        for held in (self._states, self._team_of, self._outcomes, self._working):
            held.pop(ref, None)
        self._due.add(ref)
        self._work_changed.add(ref)

    def settle(self) -> Iterator[Decision]:
        """The decisions that changes since the last ``settle`` may have changed, each issue's
        outcome kept as it goes (iterate to the end)."""
        for ref in sorted(self._decider.settle()):
            decision = self._decider.decide(ref)
            outcome = (decision.work_class, decision.category, decision.key_result)
            self._outcomes[ref] = self._shared.setdefault(outcome, outcome)
            if self._sweep is not None:
                self._sweep.resubject(ref, subject_named(*outcome[:2]))
            self.integrity.add_decision(decision)
            self._due.add(ref)
            yield decision

    def totals(self, now: datetime, windows: tuple[Window, ...]) -> Totals:
        """The held issues' figures summed over *windows* (``resolve_windows`` at *now*), as
        ``aggregate`` sums them.

        The first count sums every issue afresh (a one-shot command counts once); the next
        one starts running sums, which later counts bring up to date.
        """
        if self.counted_at is not None and now < self.counted_at:
            raise ValueError(f"the totals stand at {self.counted_at}; not back to {now}")
        first, self.counted_at = self.counted_at is None, now
        if first:
            self._due.clear()
            return aggregate(self._items(), windows)
        if self._running is None:
            self._running, self._due = RunningTotals(), set(self._states)
        while self._turns and self._turns[0][0] <= now:
            self._due.add(heapq.heappop(self._turns)[1])
        for ref in self._due:
            self._count(ref, now, windows, self._running)
        self._due.clear()
        return self._running.totals(windows)

    def _items(self) -> Iterator[WorkItem]:
        for ref in sorted(self._states):
            yield WorkItem(self._states[ref], *self._outcomes[ref], self._team_of[ref])

    def _count(
        self, ref: IssueRef, now: datetime, windows: tuple[Window, ...], running: RunningTotals
    ) -> None:
        """Count *ref* as it stands in *running*, and note when a window may take its work
        in or let it go."""
        state = self._states.get(ref)
        if state is None:
            running.drop(ref)
            return
        running.put(ref, WorkItem(state, *self._outcomes[ref], self._team_of[ref]), windows)
        if state.status_category is StatusCategory.DONE and state.resolved is not None:
            for turn in turns_of(self._windows, state.resolved):
                if turn > now:
                    heapq.heappush(self._turns, (turn, ref))

    def report(self, now: datetime) -> IntegrityReport:
        """The integrity problems among the held issues and decisions on *now*'s date."""
        return self.integrity.report(now.date())

    def _work_log(
        self, now: datetime, windows: tuple[Window, ...], team_at: Callable[[Issue], str]
    ) -> tuple[WorkLog, Callable[[int], Subject]]:
        """The work intervals at *now* of the issues whose work can reach *windows*, in
        (source, issue id) order, and the subject (decision) of each position of the log.

        An issue that is settled now (see ``WorkLog``) stays settled at every later refresh
        until it changes, so its history is let go of.
        """
        log = WorkLog(now, windows, team_at)
        order: list[IssueRef] = []
        for ref in sorted(self._working):
            issue, changes = self._working[ref]
            order.append(ref)
            if not log.add(issue, changes):
                del self._working[ref]
        return log, lambda position: self._subject_of(order[position])

    def capacity(
        self,
        now: datetime,
        windows: tuple[Window, ...],
        team_at: Callable[[Issue], str],
        config: CapacityConfig,
    ) -> CapacityTotals:
        """The capacity weighting's totals at *now* over *windows* (``resolve_windows`` at
        *now*), as ``WorkLog(now, windows, team_at).totals`` gives them over the held issues.

        The first count allocates afresh (a one-shot command counts once); the next one
        starts a ``CapacitySweep`` up to *until* (when the issues are read whole again),
        which later counts bring up to date with the issues put or dropped since: each
        person's ended days are allocated once, and again only where a change alters them.
        """
        since = work_reach(now, windows)
        if self._sweep is not None:
            if self._until is None or now >= self._until:
                raise ValueError(f"the capacity sweep holds until {self._until}, not {now}")
            changed = sorted(self._work_changed)
            self._sweep.replace({ref: self._reaching(ref, since, team_at) for ref in changed})
        elif not self._capacity_counted or self._until is None or now >= self._until:
            self._capacity_counted = True
            self._work_changed.clear()
            log, subject_at = self._work_log(now, windows, team_at)
            return log.totals(subject_at, config, windows)
        else:
            self._sweep = CapacitySweep(
                ((ref, self._reaching(ref, since, team_at)) for ref in sorted(self._working)),
                config,
                self._subject_of,
                self._until,
                first_day=since.date() - timedelta(days=2),
            )
        # The sweep holds their intervals now: only issues put from here on are held whole.
        self._work_changed.clear()
        self._working.clear()
        return self._sweep.totals(now, windows)

    def _reaching(
        self, ref: IssueRef, since: datetime, team_at: Callable[[Issue], str]
    ) -> list[WorkInterval]:
        """The work intervals of the held issue *ref* that end after *since*, computed as
        if it stays as it is (none when it is not held with its history)."""
        held = self._working.get(ref)
        return reaching_intervals(*held, since, team_at) if held is not None else []

    def _subject_of(self, ref: IssueRef) -> Subject:
        work_class, category, _ = self._outcomes[ref]
        return subject_named(work_class, category)
