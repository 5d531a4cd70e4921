"""The sync engine: pulls pages from a ``Source`` into the store, one transaction per page.

The store writes each page together with the cursor's progress, so a crash loses at most the
page in flight and the cursor never passes rows that are not committed. The watermark (the
next run's lower bound) moves only at the end of a run that saw every page, and only to the
run's *start* time: anything updated while the run was paging is read again next time.
Deletions are found by a separate census; nothing is soft-deleted from an incomplete one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog

from syncd.core.domain import Census, Page, Source
from syncd.core.errors import SourceError, StoreError
from syncd.store.runs import RunCounts

__all__ = ["PageProgress", "RunReport", "SyncEngine", "SyncObserver", "SyncStore"]

_log = structlog.get_logger("syncd.app.sync")


class _PageCounts(Protocol):
    @property
    def inserted(self) -> int: ...

    @property
    def updated(self) -> int: ...

    @property
    def unchanged(self) -> int: ...

    @property
    def rejected(self) -> int: ...


class _CensusCounts(Protocol):
    @property
    def deleted(self) -> int: ...

    @property
    def lost(self) -> tuple[str, ...]: ...


class SyncStore(Protocol):
    """What the engine needs from the store (``syncd.store.Store`` provides it)."""

    def begin_run(self, source: str, kind: str) -> int: ...

    def write_page(self, source: str, run_id: int, page: Page) -> _PageCounts: ...

    def finish_run(
        self,
        run_id: int,
        outcome: str,
        *,
        watermark: datetime | None = None,
        error: str | None = None,
        counts: RunCounts | None = None,
    ) -> bool: ...

    def watermark(self, source: str) -> datetime | None: ...

    def apply_census(self, source: str, run_id: int, census: Census) -> _CensusCounts: ...


class SyncObserver(Protocol):
    """Receives the outcome of every run (the metrics layer implements it)."""

    def run_finished(self, report: RunReport) -> None: ...


@dataclass(frozen=True, slots=True)
class PageProgress:
    """Progress after each committed page, for a terminal progress indication."""

    source: str
    partition: str
    pages: int
    fetched: int


@dataclass(frozen=True, slots=True)
class RunReport:
    """What one run did. ``outcome`` is ``success``, ``partial`` (stopped or unstable paging:
    the watermark did not move) or ``failure`` (``error`` says why, secret-free)."""

    source: str
    run_id: int
    kind: str
    outcome: str
    started_at: datetime
    finished_at: datetime
    pages: int = 0
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0
    lost: tuple[str, ...] = ()
    error: str | None = None
    rejected_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float:
        """Wall time of the run."""
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(slots=True)
class _Attempt:
    """What a run that may die on a store error is known to be so far."""

    kind: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SyncEngine:
    """Runs incremental syncs and censuses of sources into a store.

    ``stop`` ends a run between pages (outcome ``partial``, watermark unchanged); sources
    receive the same event so that their retries end too.
    """

    def __init__(
        self,
        store: SyncStore,
        *,
        clock: Callable[[], datetime] = _utcnow,
        stop: threading.Event | None = None,
        observer: SyncObserver | None = None,
        on_page: Callable[[PageProgress], None] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._stop = stop or threading.Event()
        self._observer = observer
        self._on_page = on_page

    def sync(self, source: Source, *, full: bool = False) -> RunReport:
        """Fetch what changed since the watermark (everything when *full*) into the store.

        A ``StoreError`` propagates, after the observer has been told of a failed run: the
        store cannot record the run itself, but ``/metrics`` must still count the failure.
        """
        with self._failure_observed(source.name, "full" if full else "incremental") as attempt:
            return self._sync(source, full, attempt)

    def census(self, source: Source) -> RunReport:
        """Sweep the ids the source can see and soft-delete what disappeared (a
        ``StoreError`` propagates once observed, as for ``sync``)."""
        with self._failure_observed(source.name, "census"):
            return self._census(source)

    @contextmanager
    def _failure_observed(self, source: str, kind: str) -> Iterator[_Attempt]:
        attempt = _Attempt(kind)
        started = self._clock()
        clock_start = time.monotonic()
        try:
            yield attempt
        except StoreError as error:
            finished = started + _seconds(time.monotonic() - clock_start)
            kind = attempt.kind
            report = RunReport(source, 0, kind, "failure", started, finished, error=str(error))
            _log.error("sync_run", source=source, kind=kind, outcome="failure", error=str(error))
            if self._observer is not None:
                self._observer.run_finished(report)
            raise

    def _sync(self, source: Source, full: bool, attempt: _Attempt) -> RunReport:
        since = None if full else self._store.watermark(source.name)
        kind = attempt.kind = "full" if since is None else "incremental"
        started = self._clock()
        run_id = self._store.begin_run(source.name, kind)
        report = RunReport(source.name, run_id, kind, "running", started, started)
        structlog.contextvars.bind_contextvars(source=source.name, run_id=run_id)
        clock_start = time.monotonic()
        try:
            report, stable = self._pull(source, since, report)
            if report.outcome != "failure":
                stopped = self._stop.is_set()
                outcome = "success" if stable and not stopped else "partial"
                report = replace(report, outcome=outcome)
            watermark = started if report.outcome == "success" else None
        finally:
            structlog.contextvars.unbind_contextvars("source", "run_id")
        return self._finish(report, watermark, time.monotonic() - clock_start)

    def _census(self, source: Source) -> RunReport:
        started = self._clock()
        run_id = self._store.begin_run(source.name, "census")
        report = RunReport(source.name, run_id, "census", "running", started, started)
        clock_start = time.monotonic()
        try:
            census = source.census()
            result = self._store.apply_census(source.name, run_id, census)
            outcome = "success" if census.complete else "partial"
            fetched = sum(len(ids) for ids in census.ids.values())
            report = replace(
                report,
                outcome=outcome,
                fetched=fetched,
                deleted=result.deleted,
                lost=tuple(sorted(census.lost)),
            )
        except SourceError as error:
            report = self._failed(report, error)
        return self._finish(report, None, time.monotonic() - clock_start)

    def _pull(
        self, source: Source, since: datetime | None, report: RunReport
    ) -> tuple[RunReport, bool]:
        stable = True
        reasons: dict[str, int] = {}
        try:
            for page in source.pages(since):
                report = self._commit(source, report, page, reasons)
                stable = stable and page.stable
                if self._stop.is_set():
                    break
        except SourceError as error:
            # The pages committed before the failure stay counted: they are in the store.
            report = self._failed(report, error)
        return replace(report, rejected_reasons=reasons), stable

    def _failed(self, report: RunReport, error: SourceError) -> RunReport:
        # A shutdown that interrupts a request is a stop, not a failure of the source: a
        # rolling restart must not raise sync-failure alerts.
        outcome = "partial" if self._stop.is_set() else "failure"
        return replace(report, outcome=outcome, error=str(error))

    def _commit(
        self, source: Source, report: RunReport, page: Page, reasons: dict[str, int]
    ) -> RunReport:
        counts = self._store.write_page(source.name, report.run_id, page)
        for rejected in page.rejected:
            reasons[rejected.reason] = reasons.get(rejected.reason, 0) + 1
        report = replace(
            report,
            pages=report.pages + 1,
            fetched=report.fetched + len(page.issues) + len(page.rejected),
            inserted=report.inserted + counts.inserted,
            updated=report.updated + counts.updated,
            unchanged=report.unchanged + counts.unchanged,
            rejected=report.rejected + counts.rejected,
        )
        if self._on_page is not None:
            self._on_page(PageProgress(source.name, page.partition, report.pages, report.fetched))
        return report

    def _finish(self, report: RunReport, watermark: datetime | None, elapsed: float) -> RunReport:
        finished = report.started_at + _seconds(elapsed)
        report = replace(report, finished_at=finished)
        counts = RunCounts(
            pages=report.pages,
            issues_fetched=report.fetched,
            issues_inserted=report.inserted,
            issues_updated=report.updated,
            issues_unchanged=report.unchanged,
            rejected=report.rejected,
            deleted=report.deleted,
        )
        self._store.finish_run(
            report.run_id, report.outcome, watermark=watermark, error=report.error, counts=counts
        )
        _log.info(
            "sync_run",
            source=report.source,
            run_id=report.run_id,
            kind=report.kind,
            outcome=report.outcome,
            pages=report.pages,
            fetched=report.fetched,
            inserted=report.inserted,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            deleted=report.deleted,
            lost=list(report.lost),
            duration_s=round(report.duration_seconds, 3),
            error=report.error,
        )
        if self._observer is not None:
            self._observer.run_finished(report)
        return report


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)
