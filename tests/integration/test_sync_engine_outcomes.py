"""How the engine names a run's outcome when it is stopped, fails, or was abandoned."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import pytest

from syncd.app.sync import RunReport, SyncEngine
from syncd.core.domain import Census, FieldChange, Issue, Page, StatusCategory
from syncd.core.errors import StoreError, TransientSourceError
from syncd.store import Store, create_store_engine, upgrade
from syncd.store.census import CensusResult
from syncd.store.issues import PageCounts


class _FailingSource:
    """A source whose first request fails after *stop* may have been set."""

    name = "acme"

    def __init__(self, stop: threading.Event, set_stop: bool) -> None:
        self._stop = stop
        self._set_stop = set_stop

    def pages(self, since: datetime | None) -> Iterator[Page]:
        if self._set_stop:
            self._stop.set()
        raise TransientSourceError(self.name, "connecting: stopped" if self._set_stop else "503")
        yield  # pragma: no cover - makes this a generator

    def census(self) -> Census:
        raise TransientSourceError(self.name, "census interrupted")

    def histories(self, issue_ids: Iterable[int]) -> Iterator[tuple[int, tuple[FieldChange, ...]]]:
        return iter(())


def _store(database_url: str) -> Store:
    engine = create_store_engine(database_url)
    upgrade(engine)
    return Store(engine)


def test_a_shutdown_during_a_request_is_a_partial_run_not_a_failure(database_url: str) -> None:
    """SIGTERM interrupting a request ends the run as ``partial``: restarts raise no alert."""
    stop = threading.Event()
    engine = SyncEngine(_store(database_url), stop=stop)

    report = engine.sync(_FailingSource(stop, set_stop=True))

    assert report.outcome == "partial"


def test_a_source_failure_without_shutdown_is_a_failure(database_url: str) -> None:
    """The same error with no shutdown under way is the source's failure."""
    stop = threading.Event()
    store = _store(database_url)
    engine = SyncEngine(store, stop=stop)

    report = engine.sync(_FailingSource(stop, set_stop=False))
    census = engine.census(_FailingSource(stop, set_stop=False))

    assert (report.outcome, census.outcome) == ("failure", "failure")
    assert store.watermark("acme") is None


def test_a_run_abandoned_by_a_dead_process_is_closed_when_the_next_begins(
    database_url: str,
) -> None:
    """A run left ``running`` (its process was killed) is closed as a failure by the next."""
    store = _store(database_url)
    abandoned = store.begin_run("acme", "full")

    store.begin_run("acme", "full")

    runs = {run.run_id: run for run in store.recent_runs("acme")}
    assert runs[abandoned].outcome == "failure"
    assert runs[abandoned].error is not None
    assert "overtaken" in runs[abandoned].error
    assert runs[abandoned].finished_at is not None


class _PagedSource:
    """A source of two one-issue pages; its census sees nothing."""

    name = "acme"

    def pages(self, since: datetime | None) -> Iterator[Page]:
        for number in (1, 2):
            yield Page(partition="SHOP", number=number, issues=(_issue(number),))

    def census(self) -> Census:
        return Census({"SHOP": frozenset()}, frozenset(), complete=True)

    def histories(self, issue_ids: Iterable[int]) -> Iterator[tuple[int, tuple[FieldChange, ...]]]:
        """This source keeps no history."""
        return iter(())


class _StoreLostMidRun(Store):
    """A real store that becomes unreachable after its first committed page."""

    pages_written = 0

    def write_page(self, source: str, run_id: int, page: Page) -> PageCounts:
        if self.pages_written:
            raise StoreError("the store is unreachable: connection refused")
        self.pages_written += 1
        return super().write_page(source, run_id, page)

    def apply_census(self, source: str, run_id: int, found: Census) -> CensusResult:
        raise StoreError("the store is unreachable: connection refused")


class _Reports:
    def __init__(self) -> None:
        self.seen: list[RunReport] = []

    def run_finished(self, report: RunReport) -> None:
        self.seen.append(report)


def test_a_run_that_loses_the_store_is_observed_as_a_failure_and_raises(
    database_url: str,
) -> None:
    """The store cannot record the run, yet ``/metrics`` counts it: sync-failure alerts fire."""
    engine = create_store_engine(database_url)
    upgrade(engine)
    store = _StoreLostMidRun(engine)
    observed = _Reports()
    sync = SyncEngine(store, observer=observed)

    with pytest.raises(StoreError):
        sync.sync(_PagedSource())
    with pytest.raises(StoreError):
        sync.census(_PagedSource())

    assert [(r.kind, r.outcome) for r in observed.seen] == [
        ("full", "failure"),
        ("census", "failure"),
    ]
    assert all("unreachable" in (r.error or "") for r in observed.seen)
    assert store.count_issues() == 1, "the page committed before the loss stays"
    assert store.watermark("acme") is None


def _issue(number: int) -> Issue:
    moment = datetime(2025, 3, 1, 9, number, tzinfo=UTC)
    return Issue(
        source="acme",
        issue_id=number,
        key=f"SHOP-{number}",
        project="SHOP",
        issue_type="Story",
        summary=f"issue {number}",
        status="To Do",
        status_category=StatusCategory.NEW,
        created=moment,
        updated=moment,
    )
