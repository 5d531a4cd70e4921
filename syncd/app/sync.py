"""The sync engine: pulls pages from a ``Source`` into the store, one transaction per page.

The store writes each page together with the cursor's progress, so a crash loses at most the
page in flight and the cursor never passes rows that are not committed. The watermark (the
next run's lower bound) moves only at the end of a run that saw every page, and only to the
run's *start* time: anything updated while the run was paging is read again next time.
Deletions are found by a separate census; nothing is soft-deleted from an incomplete one.

Every run that begins ends recorded: a source error ends it as ``failure`` (or ``partial``
during a shutdown), and so does any other exception that escapes it, which is closed in the
store when the store can still record it, logged on one line and told to the observer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog

from syncd.app.history_repair import HistoryStore, repair_histories
from syncd.core.domain import Census, Page, RunCounts, RunKind, RunOutcome, Source
from syncd.core.errors import SourceError, StoreError, SyncdError
from syncd.core.redaction import redact

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


class SyncStore(HistoryStore, Protocol):
    """What the engine needs from the store (``syncd.store.Store`` provides it)."""

    def begin_run(self, source: str, kind: RunKind) -> int: ...

    def write_page(self, source: str, run_id: int, page: Page) -> _PageCounts: ...

    def finish_run(
        self,
        run_id: int,
        outcome: RunOutcome,
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
    """What one run did: its ``counts``, and how it ended. ``outcome`` is ``success``,
    ``partial`` (stopped or unstable paging: the watermark did not move) or ``failure``
    (``error`` says why, secret-free)."""

    source: str
    run_id: int
    kind: RunKind
    outcome: RunOutcome
    started_at: datetime
    finished_at: datetime
    counts: RunCounts = field(default_factory=RunCounts)
    lost: tuple[str, ...] = ()
    error: str | None = None
    rejected_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float:
        """Wall time of the run."""
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(slots=True)
class _Attempt:
    """A run as far as it got: enough to report it, and close it, if it raises."""

    source: str
    kind: RunKind
    started_at: datetime
    clock_start: float = field(default_factory=time.monotonic)
    run_id: int | None = None
    counts: RunCounts = field(default_factory=RunCounts)


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

        Any exception that escapes the run ends it as a ``failure``: closed in the store when
        the store can still record it, logged, told to the observer, and returned as the
        report. A ``StoreError`` is raised again after that (the store is likely away, so the
        rest of the cycle cannot work either), which ``/metrics`` has then already counted.
        """
        attempt = _Attempt(
            source.name, RunKind.FULL if full else RunKind.INCREMENTAL, self._clock()
        )
        try:
            return self._sync(source, full, attempt)
        except StoreError as error:
            self._crashed(attempt, error)
            raise
        except Exception as error:  # any other escape still ends the run, as a failure
            return self._crashed(attempt, error)

    def census(self, source: Source) -> RunReport:
        """Sweep the ids the source can see and soft-delete what disappeared; an exception
        that escapes it is handled as for ``sync``."""
        attempt = _Attempt(source.name, RunKind.CENSUS, self._clock())
        try:
            return self._census(source, attempt)
        except StoreError as error:
            self._crashed(attempt, error)
            raise
        except Exception as error:  # any other escape still ends the run, as a failure
            return self._crashed(attempt, error)

    def _crashed(self, attempt: _Attempt, error: Exception) -> RunReport:
        """Record *attempt* as failed by *error* wherever it can be: the store, the log, the
        observer."""
        message = _describe(error)
        finished = attempt.started_at + _seconds(time.monotonic() - attempt.clock_start)
        report = RunReport(
            attempt.source,
            attempt.run_id or 0,
            attempt.kind,
            RunOutcome.FAILURE,
            attempt.started_at,
            finished,
            counts=attempt.counts,
            error=message,
        )
        closed = self._close_failed(attempt.run_id, message)
        _log_run(report, _log.error, recorded=closed)
        # The traceback is for whoever debugs syncd, not for the one line an operator reads.
        _log.debug("sync_run_traceback", exc_info=error)
        if self._observer is not None:
            self._observer.run_finished(report)
        return report

    def _close_failed(self, run_id: int | None, message: str) -> bool:
        """Close *run_id* as a failure; whether the store recorded it (it may be away)."""
        if run_id is None:
            return False
        try:
            self._store.finish_run(run_id, RunOutcome.FAILURE, error=message)
        except Exception as error:  # the store is away or refuses: the run closes next time
            _log.warning("sync_run_not_closed", run_id=run_id, error=_describe(error))
            return False
        return True

    def _sync(self, source: Source, full: bool, attempt: _Attempt) -> RunReport:
        since = None if full else self._store.watermark(source.name)
        kind = attempt.kind = RunKind.FULL if since is None else RunKind.INCREMENTAL
        started = attempt.started_at = self._clock()
        run_id = attempt.run_id = self._store.begin_run(source.name, kind)
        attempt.clock_start = time.monotonic()
        report = RunReport(source.name, run_id, kind, RunOutcome.RUNNING, started, started)
        structlog.contextvars.bind_contextvars(source=source.name, run_id=run_id)
        try:
            report, stable = self._pull(source, since, report, attempt)
            if report.outcome != RunOutcome.FAILURE:
                complete = stable and not self._stop.is_set()
                outcome = RunOutcome.SUCCESS if complete else RunOutcome.PARTIAL
                report = replace(report, outcome=outcome)
            watermark = started if report.outcome == RunOutcome.SUCCESS else None
            if watermark is not None:
                self._repair_histories(source, run_id)
        finally:
            structlog.contextvars.unbind_contextvars("source", "run_id")
        return self._finish(report, watermark, time.monotonic() - attempt.clock_start)

    def _census(self, source: Source, attempt: _Attempt) -> RunReport:
        started = attempt.started_at = self._clock()
        run_id = attempt.run_id = self._store.begin_run(source.name, RunKind.CENSUS)
        attempt.clock_start = time.monotonic()
        report = RunReport(
            source.name, run_id, RunKind.CENSUS, RunOutcome.RUNNING, started, started
        )
        try:
            census = source.census()
            result = self._store.apply_census(source.name, run_id, census)
            fetched = sum(len(ids) for ids in census.ids.values())
            report = replace(
                report,
                outcome=RunOutcome.SUCCESS if census.complete else RunOutcome.PARTIAL,
                counts=RunCounts(issues_fetched=fetched, deleted=result.deleted),
                lost=tuple(sorted(census.lost)),
            )
        except SourceError as error:
            report = self._failed(report, error)
        return self._finish(report, None, time.monotonic() - attempt.clock_start)

    def _pull(
        self, source: Source, since: datetime | None, report: RunReport, attempt: _Attempt
    ) -> tuple[RunReport, bool]:
        stable = True
        reasons: dict[str, int] = {}
        try:
            for page in source.pages(since):
                report = self._commit(source, report, page, reasons)
                attempt.counts = report.counts
                stable = stable and page.stable
                if self._stop.is_set():
                    break
        except SourceError as error:
            # The pages committed before the failure stay counted: they are in the store.
            report = self._failed(report, error)
        return replace(report, rejected_reasons=reasons), stable

    def _repair_histories(self, source: Source, run_id: int) -> None:
        """Fetch the histories the store lacks for *source* (see ``syncd.app.history_repair``).

        The run's issues are stored already: a source failure here is logged and the next run
        tries again, without failing this one.
        """
        try:
            completed = repair_histories(self._store, source, self._stop, run_id=run_id)
        except SourceError as error:
            _log.warning("history_repair_failed", source=source.name, error=str(error))
            return
        if completed:
            _log.info("histories_completed", source=source.name, issues=completed)

    def _failed(self, report: RunReport, error: SourceError) -> RunReport:
        # A shutdown that interrupts a request is a stop, not a failure of the source: a
        # rolling restart must not raise sync-failure alerts.
        outcome = RunOutcome.PARTIAL if self._stop.is_set() else RunOutcome.FAILURE
        return replace(report, outcome=outcome, error=str(error))

    def _commit(
        self, source: Source, report: RunReport, page: Page, reasons: dict[str, int]
    ) -> RunReport:
        written = self._store.write_page(source.name, report.run_id, page)
        for rejected in page.rejected:
            reasons[rejected.reason] = reasons.get(rejected.reason, 0) + 1
        counts = report.counts + RunCounts(
            pages=1,
            issues_fetched=len(page.issues) + len(page.rejected),
            issues_inserted=written.inserted,
            issues_updated=written.updated,
            issues_unchanged=written.unchanged,
            rejected=written.rejected,
        )
        if self._on_page is not None:
            fetched = counts.issues_fetched
            self._on_page(PageProgress(source.name, page.partition, counts.pages, fetched))
        return replace(report, counts=counts)

    def _finish(self, report: RunReport, watermark: datetime | None, elapsed: float) -> RunReport:
        report = replace(report, finished_at=report.started_at + _seconds(elapsed))
        self._store.finish_run(
            report.run_id,
            report.outcome,
            watermark=watermark,
            error=report.error,
            counts=report.counts,
        )
        _log_run(report, _log.info)
        if self._observer is not None:
            self._observer.run_finished(report)
        return report


def _log_run(report: RunReport, emit: Callable[..., Any], **extra: object) -> None:
    """The one canonical log line of a run: what it did, how it ended and why."""
    emit(
        "sync_run",
        source=report.source,
        run_id=report.run_id,
        kind=report.kind,
        outcome=report.outcome,
        **asdict(report.counts),
        lost=list(report.lost),
        duration_s=round(report.duration_seconds, 3),
        error=report.error,
        **extra,
    )


def _describe(error: Exception) -> str:
    """One secret-free line naming *error*: its own message for syncd's errors, the type and
    the first line of the message for anything else (a driver's or a bug's)."""
    if isinstance(error, SyncdError):
        return str(redact(str(error)))
    kind = type(error)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    lines = str(error).strip().splitlines()
    text = f"unexpected {name}: {lines[0]}" if lines else f"unexpected {name}"
    return str(redact(text))


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)
