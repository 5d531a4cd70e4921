"""``Store``: the one facade the sync engine, CLI, mapping and analytics code talk to.

Each write method is one transaction. Database failures, while writing or while streaming rows,
surface as ``StoreError`` whose message names the operation and the store (password removed)
but no bound values (see ``syncd.store.failures``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from syncd.core.domain import (
    Agreement,
    Census,
    Decision,
    FieldChange,
    HistoryField,
    Issue,
    KeyResult,
    Objective,
    Page,
    RejectedRecord,
    RoadmapItem,
    RunCounts,
    RunKind,
    RunOutcome,
)
from syncd.store import (
    census,
    decisions,
    histories,
    issues,
    okrs,
    roadmap,
    runs,
    schema,
    snapshots,
)
from syncd.store.failures import translated
from syncd.store.planner import AnalyseSchedule
from syncd.store.status import (
    QuarantinedRecord,
    RoadmapStatus,
    RunSummary,
    SourceStatus,
    quarantined_records,
    recent_runs,
    roadmap_statuses,
    source_statuses,
)

__all__ = ["Clock", "Store"]

Clock = Callable[[], datetime]
T = TypeVar("T")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Store:
    """Repository over a migrated store; see the package docstring for the contracts.

    *clock* supplies "now" for recorded times (runs, history, soft deletes), so tests can
    pin it. Raw payloads are written compressed when *compress_payloads* (see
    ``syncd.store.payloads``); either form is read.
    """

    def __init__(
        self, engine: Engine, clock: Clock = _utc_now, *, compress_payloads: bool = False
    ) -> None:
        self.engine = engine
        self._clock = clock
        self._compress_payloads = compress_payloads
        # PostgreSQL plans the page look-ups from statistics; see syncd.store.planner.
        self._analyse = AnalyseSchedule() if engine.dialect.name == "postgresql" else None

    # -- sync runs and pages -------------------------------------------------------------
    def begin_run(self, source: str, kind: RunKind | str) -> int:
        """Start a run of *kind* for *source*; it becomes the source's current run."""
        with self._transaction("begin a sync run") as connection:
            return runs.begin_run(connection, source, RunKind(kind), self._clock())

    def write_page(self, source: str, run_id: int, page: Page) -> issues.PageCounts:
        """Store one page, its quarantined records and the run's progress atomically.

        On PostgreSQL the page may then be followed by ``ANALYZE issues`` (see
        ``syncd.store.planner``), outside the page's transaction.
        """
        with self._transaction("write a page") as connection:
            counts = issues.write_page(
                connection,
                source,
                run_id,
                page,
                self._clock(),
                compress_payloads=self._compress_payloads,
            )
        if self._analyse is not None and self._analyse.due(source, counts.inserted):
            with self._transaction("refresh the statistics of the issues table") as connection:
                connection.exec_driver_sql(f"ANALYZE {schema.issues.name}")
            self._analyse.analysed()
        return counts

    def apply_census(self, source: str, run_id: int, found: Census) -> census.CensusResult:
        """Soft-delete what a complete census no longer sees; restore what it sees again."""
        with self._transaction("apply a census") as connection:
            return census.apply_census(connection, source, run_id, found, self._clock())

    def finish_run(
        self,
        run_id: int,
        outcome: RunOutcome | str,
        *,
        watermark: datetime | None = None,
        error: str | None = None,
        counts: RunCounts | None = None,
    ) -> bool:
        """Record how *run_id* ended; move the watermark when given (returns whether it moved).

        Counts accumulate page by page; *counts*, when given, replace them. *error* must be
        free of secrets already.
        """
        with self._transaction("finish a sync run") as connection:
            return runs.finish_run(
                connection,
                run_id,
                RunOutcome(outcome),
                watermark=watermark,
                error=error,
                counts=counts,
                now=self._clock(),
            )

    def watermark(self, source: str) -> datetime | None:
        """The incremental lower bound of *source* (``None`` before its first complete run)."""
        with self._reading("read the watermark") as connection:
            return runs.watermark(connection, source)

    def sync_progress(self, source: str) -> runs.SyncProgress | None:
        """The cursor row of *source*, or ``None`` when it never ran."""
        with self._reading("read the sync state") as connection:
            return runs.sync_progress(connection, source)

    # -- issues ---------------------------------------------------------------------------
    def iter_issues(
        self,
        source: str | None = None,
        include_deleted: bool = False,
        chunk: int = 5000,
        *,
        with_raw: bool = True,
    ) -> Iterator[Issue]:
        """Stream stored issues, *chunk* rows at a time; with ``with_raw=False`` the raw
        payloads stay in the store (``Issue.raw`` is empty), which keeps a pass over every
        issue small in memory."""
        found = issues.iter_issues(self.engine, source, include_deleted, chunk, with_raw=with_raw)
        return self._streamed("read issues", found)

    def iter_issue_histories(
        self,
        fields: Collection[HistoryField] | None = None,
        chunk: int = 5000,
        reach: datetime | None = None,
    ) -> Iterator[tuple[Issue, tuple[FieldChange, ...]]]:
        """Stream live issues (without raw payloads), each with its kept changes of *fields*
        (every kept field when ``None``), oldest first; with *reach*, an issue ``settled`` at
        it (``syncd.analytics.capacity``) comes without its changes."""
        stream = issues.iter_issues(self.engine, None, False, chunk, with_raw=False)
        found = histories.iter_issue_histories(self.engine, stream, fields, chunk, reach=reach)
        return self._streamed("read issue histories", found)

    def last_run(self) -> int:
        """The id of the latest run begun (0 before any): issues written from now on carry a
        greater one, so ``changed_after(last_run())`` later lists them."""
        with self._reading("read the latest run") as connection:
            return runs.last_run_id(connection)

    def changed_after(
        self, after_run: int, fields: Collection[HistoryField] | None = None, chunk: int = 5000
    ) -> tuple[Iterator[tuple[Issue, tuple[FieldChange, ...]]], list[tuple[str, int]]]:
        """What runs after *after_run* changed: the live issues they wrote (streamed as
        ``iter_issue_histories`` streams them, with their changes of *fields*; none read when
        *fields* is empty) and the ``(source, issue id)`` of those they marked deleted. A
        census marks deletions and restorations with its run, a history repair the issues
        whose history it completed."""
        with self._reading("list deleted issues") as connection:
            gone = issues.deleted_after(connection, after_run)
        stream = issues.iter_issues(
            self.engine, None, False, chunk, with_raw=False, after_run=after_run
        )
        if fields is not None and not fields:
            bare = ((issue, ()) for issue in stream)
            return self._streamed("read changed issues", bare), gone
        found = histories.iter_issue_histories(
            self.engine, stream, fields, chunk, after_run=after_run
        )
        return self._streamed("read changed issues", found), gone

    def issues_lacking_history(
        self, source: str, limit: int = 1000, after: int = -1
    ) -> list[tuple[int, datetime]]:
        """Up to *limit* live issues of *source* with an id above *after* whose history is not
        complete up to their current version: ``(issue id, updated)``, in id order."""
        with self._reading("list issues lacking history") as connection:
            return histories.lacking_history(connection, source, limit, after)

    def complete_histories(
        self,
        source: str,
        found: Sequence[tuple[int, datetime, Sequence[FieldChange]]],
        run_id: int | None = None,
    ) -> int:
        """Store fetched histories ``(issue id, version, changes)`` and mark each issue's
        history complete up to that version where it is still at it; how many were marked.
        With *run_id*, the issues are stamped as written by that run (see ``changed_after``)."""
        with self._transaction("store issue histories") as connection:
            return histories.complete_histories(connection, source, found, run_id)

    def get_issue_by_key(self, key: str, source: str | None = None) -> Issue | None:
        """The issue known as *key*, now or before a move; ``None`` when unknown."""
        with self._reading("look an issue up") as connection:
            return issues.get_issue_by_key(connection, key, source)

    def get_lineage(self, issue: Issue) -> list[Issue]:
        """*issue* and the live issues it may inherit from (``issues.get_lineage``): what
        explaining its decision needs."""
        with self._reading("read an issue's lineage") as connection:
            return issues.get_lineage(connection, issue)

    def issue_creation_times(self) -> list[datetime]:
        """When each live issue was created, earliest first: how the organisation grew."""
        with self._reading("read creation times") as connection:
            return issues.creation_times(connection)

    def count_issues(self, source: str | None = None, include_deleted: bool = False) -> int:
        """How many issues are stored (live ones unless *include_deleted*)."""
        with self._reading("count issues") as connection:
            return issues.count_issues(connection, source, include_deleted)

    # -- decisions ------------------------------------------------------------------------
    def replace_decisions(self, given: Iterable[Decision]) -> decisions.DecisionCounts:
        """Make *given* the current decisions of their issues; history only on change."""
        with self._transaction("store decisions") as connection:
            return decisions.replace_decisions(connection, given, self._clock())

    def iter_decisions(self, source: str | None = None) -> Iterator[Decision]:
        """Stream the current decisions."""
        return self._streamed("read decisions", decisions.iter_decisions(self.engine, source))

    def decision_for(self, source: str, issue_id: int) -> decisions.DecisionRecord | None:
        """The current decision of one issue and when it was made."""
        with self._reading("read a decision") as connection:
            return decisions.decision_for(connection, source, issue_id)

    def decided_rulesets(self) -> dict[str, int]:
        """How many current decisions each rule-set version made (the set in use has them all
        once a refresh has run with it)."""
        with self._reading("read decision rule sets") as connection:
            return decisions.decided_rulesets(connection)

    def decision_history(self, source: str, issue_id: int) -> list[decisions.DecisionRecord]:
        """Every decision one issue has had, oldest first."""
        with self._reading("read decision history") as connection:
            return decisions.decision_history_for(connection, source, issue_id)

    # -- roadmap, OKRs, agreements --------------------------------------------------------
    def replace_roadmap_items(
        self,
        source: str,
        items: Iterable[RoadmapItem],
        rejected: Iterable[RejectedRecord],
        content_hash: str,
    ) -> int:
        """Replace *source*'s roadmap snapshot atomically; return the number of items."""
        with self._transaction("replace roadmap items") as connection:
            return roadmap.replace_roadmap_items(
                connection,
                source,
                items,
                rejected=rejected,
                content_hash=content_hash,
                now=self._clock(),
            )

    def iter_roadmap_items(self, source: str | None = None) -> Iterator[RoadmapItem]:
        """Stream stored roadmap items."""
        found = roadmap.iter_roadmap_items(self.engine, source)
        return self._streamed("read roadmap items", found)

    def roadmap_source_hash(self, source: str) -> str | None:
        """The content hash of *source*'s last loaded export."""
        with self._reading("read a roadmap source") as connection:
            return roadmap.roadmap_source_hash(connection, source)

    def confirm_roadmap_source(self, source: str) -> bool:
        """Record that *source*'s export was just read and found unchanged (a good read)."""
        with self._transaction("confirm a roadmap source") as connection:
            return roadmap.confirm_roadmap_source(connection, source, self._clock())

    def roadmap_confirmed(self) -> dict[str, datetime]:
        """When each loaded roadmap export was last read good (loaded, or found unchanged)."""
        with self._reading("read roadmap freshness") as connection:
            return roadmap.roadmap_confirmed(connection)

    def replace_okrs(
        self, objectives: Iterable[Objective], key_results: Iterable[KeyResult]
    ) -> bool:
        """Replace all objectives and key results; return whether anything changed."""
        with self._transaction("replace OKRs") as connection:
            return okrs.replace_okrs(connection, objectives, key_results)

    def replace_agreements(self, given: Iterable[Agreement]) -> bool:
        """Replace all agreements; return whether anything changed."""
        with self._transaction("replace agreements") as connection:
            return okrs.replace_agreements(connection, given)

    def objectives(self) -> list[Objective]:
        """Every stored objective."""
        with self._reading("read objectives") as connection:
            return okrs.load_objectives(connection)

    def key_results(self) -> list[KeyResult]:
        """Every stored key result."""
        with self._reading("read key results") as connection:
            return okrs.load_key_results(connection)

    def agreements(self) -> list[Agreement]:
        """Every stored agreement."""
        with self._reading("read agreements") as connection:
            return okrs.read_agreements(connection)

    # -- snapshots, status, health ----------------------------------------------------------
    def save_snapshot(
        self,
        computed_at: datetime,
        payload: dict[str, Any],
        keep: int,
        max_age: timedelta | None = None,
    ) -> int:
        """Store an analytics snapshot and apply retention; return how many were removed."""
        with self._transaction("save a snapshot") as connection:
            return snapshots.save_snapshot(connection, computed_at, payload, keep, max_age)

    def latest_snapshot(self) -> tuple[datetime, dict[str, Any]] | None:
        """The newest snapshot, or ``None``."""
        with self._reading("read the latest snapshot") as connection:
            return snapshots.latest_snapshot(connection)

    def status(self) -> list[SourceStatus]:
        """Per-source counts, watermark, last run and quarantine size."""
        with self._reading("read the status") as connection:
            return source_statuses(connection)

    def roadmap_status(self) -> list[RoadmapStatus]:
        """Per roadmap export: items and quarantined rows of its last good state."""
        with self._reading("read the roadmap status") as connection:
            return roadmap_statuses(connection)

    def quarantined(self, source: str | None = None, limit: int = 50) -> list[QuarantinedRecord]:
        """The most recently quarantined records (issues and export rows), newest first."""
        with self._reading("read quarantined records") as connection:
            return quarantined_records(connection, source, limit)

    def recent_runs(self, source: str | None = None, limit: int = 20) -> list[RunSummary]:
        """The most recent runs, newest first."""
        with self._reading("read recent runs") as connection:
            return recent_runs(connection, source, limit)

    def ping(self) -> bool:
        """Whether the store answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    # -- transactions -----------------------------------------------------------------------
    @contextmanager
    def _transaction(self, action: str) -> Iterator[Connection]:
        with self._translated(action), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def _reading(self, action: str) -> Iterator[Connection]:
        with self._translated(action), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        with translated(self.engine, action):
            yield

    def _streamed(self, action: str, rows: Iterator[T]) -> Iterator[T]:
        """*rows*, with a failure while reading them translated as for one-shot reads."""
        with self._translated(action):
            yield from rows
