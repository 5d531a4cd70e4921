"""What runs after syncs: roadmap polling, decisions, integrity checks and the analytics snapshot.

The daemon calls ``Pipeline.refresh`` on the writer replica and ``Pipeline.follow`` on the
others; ``/metrics`` serves ``Pipeline.latest`` (an in-memory snapshot, never a query at
scrape time). A refresh decides from the store, never from a source, so changed rules, OKRs
or agreements re-decide every stored issue without polling Jira again; while they stay as
they were, a refresh reads only the issues runs wrote since the last one and re-decides those
and their heirs (``syncd.app.standing``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from mappings import join_okrs, team_of
from syncd.analytics import (
    AnalyticsConfig,
    Snapshot,
    resolve_windows,
)
from syncd.analytics.capacity import work_reach
from syncd.analytics.compute import snapshot_of
from syncd.analytics.history import WORK_FIELDS
from syncd.analytics.integrity import IntegrityProblem
from syncd.app.gc_pause import gc_paused
from syncd.app.mapping_files import (
    MappingFiles,
    MappingFilesState,
    fingerprint,
    judging_of,
    load_mapping_files,
)
from syncd.app.standing import DecisionInputs, StandingIssues
from syncd.core.domain import (
    Decision,
    FieldChange,
    Issue,
    KeyResult,
    Objective,
    RoadmapFeed,
    RoadmapSnapshot,
)
from syncd.core.errors import RuleSetError, SourceError
from syncd.store import Store

__all__ = ["Pipeline", "RefreshPhases"]

_log = structlog.get_logger("syncd.pipeline")
REREAD_AFTER = timedelta(hours=1)
"""How long a refresh may build on the issues an earlier one read before reading every stored
issue again: what reaches the store outside a run (a restore, an edit by hand) is in within
that time."""


@dataclass(slots=True)
class RefreshPhases:
    """Where one refresh's time went, in seconds: deciding (each issue's own verdict as it
    streams in, and the resolution along inheritance links as decisions are written),
    capacity (replaying histories as issues stream in, and allocating person-days), computing
    the snapshot, and the whole refresh; and how many issues were read from the store."""

    decide_seconds: float = 0.0
    capacity_seconds: float = 0.0
    snapshot_seconds: float = 0.0
    seconds: float = 0.0
    issues_read: int = 0


class Pipeline:
    """Turns stored issues into decisions and an analytics snapshot.

    ``latest`` is the snapshot ``/metrics`` serves and ``integrity`` the problems its refresh
    found (empty on a replica that only follows); ``last_phases`` times the last refresh;
    ``mapping_files`` tells whether the mapping files on disk are valid and which set is in
    use (*files* counts as loaded when the pipeline is built). A refresh builds on the issues
    the previous one read for up to *reread_after*, then reads every stored issue again.
    """

    def __init__(
        self,
        store: Store,
        files: MappingFiles,
        analytics: AnalyticsConfig,
        roadmaps: Sequence[RoadmapFeed] = (),
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        reread_after: timedelta = REREAD_AFTER,
    ) -> None:
        self._store = store
        self._reread_after = reread_after
        self._files = files
        self._analytics = analytics
        self._fingerprint = fingerprint(files.paths)
        self._roadmaps = list(roadmaps)
        self._roadmap_snapshots: dict[str, RoadmapSnapshot] = {}
        self._clock = clock
        self._lock = threading.Lock()
        self._mapping_state = MappingFilesState(True, clock(), files.rule_set.version)
        self._standing: tuple[StandingIssues | None, datetime] = (None, clock())
        self.latest: Snapshot | None = None
        self.last_phases: RefreshPhases | None = None
        self.integrity: tuple[IntegrityProblem, ...] = ()

    @property
    def mapping_files(self) -> MappingFilesState:
        """The mapping files' state as of the last check (``check_mapping_files``)."""
        with self._lock:
            return self._mapping_state

    def refresh(self) -> Snapshot:
        """Poll roadmaps, bring every stored issue's decision up to date, check integrity,
        save a new snapshot.

        Mapping files edited since the last refresh are read again first; invalid ones are
        reported and the previous valid set stays in use. The first refresh (and one after
        the mapping files, roadmap items or key results changed, or ``REREAD_AFTER``) streams
        every stored issue through once; the next ones read only what runs changed since.
        What is held per issue, from one refresh to the next, is its lineage (for
        inheritance), its ``IssueState``, team and decision outcome, and only while its work
        can count for capacity, its work intervals (from the second refresh on, in a capacity
        sweep): memory stays a small record per issue. The snapshot equals one computed from
        scratch. The cyclic garbage collector is paused meanwhile (see
        ``syncd.app.gc_pause``).
        """
        phases = RefreshPhases()
        started = time.perf_counter()
        try:
            with gc_paused():
                return self._refresh(phases)
        finally:
            phases.seconds = time.perf_counter() - started
            self.last_phases = phases

    def _refresh(self, phases: RefreshPhases) -> Snapshot:
        self.check_mapping_files()
        self._poll_roadmaps()
        inputs = DecisionInputs(
            self._files, tuple(self._store.iter_roadmap_items()), tuple(self._okr_model())
        )
        now = self._clock()
        windows = resolve_windows(self._analytics.windows, now)
        capacity_on = "capacity" in self._analytics.weightings
        reach = work_reach(now, windows) if capacity_on else None
        standing, read_at = self._read(inputs, now, reach, phases, capacity_on=capacity_on)
        # Kept for the next refresh only once its decisions are stored: a refresh that fails
        # half-way leaves the next one to read every issue again.
        self._standing = (None, read_at)
        counts = self._store.replace_decisions(_timed(standing.settle(), phases))
        self._standing = (standing, read_at)
        problems = standing.report(now)
        computing = time.perf_counter()
        capacity = None
        if capacity_on:
            allocating = time.perf_counter()
            teams = self._files.teams
            capacity = standing.capacity(
                now, windows, lambda i: team_of(i, teams), self._analytics.capacity
            )
            phases.capacity_seconds += time.perf_counter() - allocating
        snapshot = snapshot_of(
            standing.totals(now, windows),
            windows,
            self._files.agreements.agreements if self._files.agreements else (),
            inputs.key_results,
            problems.counts(),
            self._analytics,
            now,
            capacity=capacity,
        )
        phases.snapshot_seconds = time.perf_counter() - computing
        self._store.save_snapshot(
            snapshot.computed_at, snapshot.to_dict(), keep=self._analytics.snapshot_keep
        )
        with self._lock:
            self.latest = snapshot
            self.integrity = problems.problems
        _log.info(
            "refreshed",
            issues=len(standing),
            issues_read=phases.issues_read,
            roadmap_items=len(inputs.roadmap_items),
            decisions_changed=counts.changed,
            ruleset=self._files.rule_set.version,
            integrity=problems.counts(),
            decide_s=round(phases.decide_seconds, 3),
            capacity_s=round(phases.capacity_seconds, 3),
            snapshot_s=round(phases.snapshot_seconds, 3),
        )
        return snapshot

    def _read(
        self,
        inputs: DecisionInputs,
        now: datetime,
        reach: datetime | None,
        phases: RefreshPhases,
        *,
        capacity_on: bool,
    ) -> tuple[StandingIssues, datetime]:
        """The standing issues brought up to date, and when they were last read whole: those
        the last refresh left plus what runs changed since, when they were decided under the
        same *inputs* and were read whole less than *reread_after* (``REREAD_AFTER``) ago;
        else (and when the clock went back) every stored issue, read afresh."""
        mark = self._store.last_run()
        standing, read_at = self._standing
        stale = now - read_at >= self._reread_after
        if (
            standing is None
            or stale
            or not standing.inputs.same_as(inputs)
            or (standing.counted_at is not None and now < standing.counted_at)
        ):
            standing = StandingIssues(
                inputs,
                mark,
                self._analytics.windows,
                track_work=capacity_on,
                until=now + self._reread_after,
            )
            stream = self._issues(with_history=capacity_on, reach=reach)
            read_at = now
        else:
            fields = WORK_FIELDS if capacity_on else ()
            stream, gone = self._store.changed_after(standing.after_run, fields, chunk=1000)
            for ref in gone:
                standing.drop(ref)
            standing.after_run = mark
        for issue, changes in stream:
            deciding = time.perf_counter()
            standing.put(issue, changes, reach)
            phases.decide_seconds += time.perf_counter() - deciding
            phases.issues_read += 1
        return standing, read_at

    def _issues(
        self, *, with_history: bool, reach: datetime | None
    ) -> Iterator[tuple[Issue, tuple[FieldChange, ...]]]:
        """Stored issues in (source, id) order, with the changes the capacity weighting reads
        (none for an issue settled at *reach*: ``StandingIssues.put`` keeps none of those)."""
        if with_history:
            return self._store.iter_issue_histories(fields=WORK_FIELDS, chunk=1000, reach=reach)
        return ((issue, ()) for issue in self._store.iter_issues(with_raw=False, chunk=1000))

    def check_mapping_files(self) -> MappingFilesState:
        """Read the mapping files again if any changed on disk since the last check.

        Valid files replace the set in use; invalid ones are logged with every problem and
        leave the previous set in use, and the state says so until a later edit is valid.
        """
        paths = self._files.paths
        current = fingerprint(paths)
        if current == self._fingerprint:
            return self.mapping_files
        self._fingerprint = current
        try:
            files = load_mapping_files(paths, judging_of(self._analytics))
        except RuleSetError as error:
            problems = tuple(str(problem) for problem in error.problems)
            _log.error(
                "mapping_files_invalid",
                problems=list(problems),
                keeping=self._files.rule_set.version,
            )
            return self._set_mapping_state(valid=False, problems=problems)
        self._files = files
        _log.info("mapping_files_reloaded", ruleset=files.rule_set.version)
        return self._set_mapping_state(valid=True, loaded_at=self._clock())

    def _set_mapping_state(
        self, *, valid: bool, problems: tuple[str, ...] = (), loaded_at: datetime | None = None
    ) -> MappingFilesState:
        with self._lock:
            previous = self._mapping_state
            self._mapping_state = MappingFilesState(
                valid, loaded_at or previous.loaded_at, self._files.rule_set.version, problems
            )
            return self._mapping_state

    def follow(self) -> None:
        """Serve the snapshot the writer last saved (replicas that do not write), and check
        the mapping files, so every replica reports their state. A replica that follows lets
        go of the issues it held as writer (it reads them whole if it leads again)."""
        self._standing = (None, self._clock())
        self.check_mapping_files()
        stored = self._store.latest_snapshot()
        if stored is not None:
            with self._lock:
                self.latest = Snapshot.from_dict(stored[1])

    @property
    def files(self) -> MappingFiles:
        """The mapping files in use (the last valid set read)."""
        return self._files

    def current(self) -> Snapshot | None:
        """The snapshot ``/metrics`` serves."""
        with self._lock:
            return self.latest

    def _okr_model(self) -> list[KeyResult]:
        okrs = self._files.okrs
        joined = join_okrs(
            okrs.objectives if okrs else (),
            okrs.key_results if okrs else (),
            [*self._roadmap_snapshots.values(), *self._stored_okrs()],
        )
        for conflict in joined.conflicts:
            _log.warning("okr_conflict", conflict=str(conflict))
        self._store.replace_okrs(joined.objectives, joined.key_results)
        if self._files.agreements is not None:
            self._store.replace_agreements(self._files.agreements.agreements)
        return list(joined.key_results)

    def _stored_okrs(self) -> list[RoadmapSnapshot]:
        """The stored model's objectives and key results, while an export read before is unread.

        Only good snapshots live in memory, so after a restart (or on a replica that just took
        the lead) an export that is unreachable or broken would otherwise drop the key results
        it brought, although its items stay stored: the last good state is kept instead. Listed
        after the exports read now, which win; the OKR file wins over both.
        """
        unread = [
            source.name
            for source in self._roadmaps
            if source.name not in self._roadmap_snapshots
            and self._store.roadmap_source_hash(source.name) is not None
        ]
        if not unread:
            return []
        okrs = self._files.okrs
        read: list[tuple[Iterable[Objective], Iterable[KeyResult]]] = [
            (found.objectives, found.key_results) for found in self._roadmap_snapshots.values()
        ]
        if okrs is not None:
            read.append((okrs.objectives, okrs.key_results))
        objectives = {o.objective_id for found, _ in read for o in found}
        results = {k.key_result_id for _, found in read for k in found}
        return [
            RoadmapSnapshot(
                source=f"stored model (until {', '.join(unread)} is read again)",
                content_hash="",
                items=(),
                objectives=tuple(
                    o for o in self._store.objectives() if o.objective_id not in objectives
                ),
                key_results=tuple(
                    k for k in self._store.key_results() if k.key_result_id not in results
                ),
                rejected=(),
                fatal=None,
            )
        ]

    def _poll_roadmaps(self) -> None:
        for source in self._roadmaps:
            previous = self._roadmap_snapshots.get(source.name)
            try:
                snapshot = source.poll(previous.content_hash if previous else None)
            except SourceError as error:
                _log.warning("roadmap_unreachable", source=source.name, error=str(error))
                continue
            if snapshot is None:
                # Unchanged since the last good read: the stored state is current.
                self._store.confirm_roadmap_source(source.name)
                continue
            for warning in snapshot.warnings:
                _log.warning("roadmap_warning", source=source.name, warning=warning)
            if not snapshot.ok:
                _log.error("roadmap_refused", source=source.name, problem=snapshot.fatal)
                continue
            self._store.replace_roadmap_items(
                source.name, snapshot.items, snapshot.rejected, snapshot.content_hash
            )
            self._roadmap_snapshots[source.name] = snapshot
            _log.info(
                "roadmap_loaded",
                source=source.name,
                items=len(snapshot.items),
                rejected=len(snapshot.rejected),
            )


def _timed(decisions: Iterator[Decision], phases: RefreshPhases) -> Iterator[Decision]:
    """Pass *decisions* on, adding the time spent producing each to ``decide_seconds``."""
    while True:
        started = time.perf_counter()
        decision = next(decisions, None)
        phases.decide_seconds += time.perf_counter() - started
        if decision is None:
            return
        yield decision
