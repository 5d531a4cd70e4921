"""How the engine names a run's outcome when it is stopped, fails, or was abandoned."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

from syncd.domain import Census, Page
from syncd.errors import TransientSourceError
from syncd.store import Store, create_store_engine, upgrade
from syncd.sync import SyncEngine


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
