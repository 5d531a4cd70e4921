"""The daemon stops writing as soon as its PostgreSQL writer lock is gone.

A session-level advisory lock dies with its session (network cut, server restart,
``pg_terminate_backend``); another replica may take it at once. The replica that held it
must notice before its next write, not keep syncing and refreshing as if it still led.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Engine, text

from syncd.app.daemon import Daemon, SourceJob
from syncd.app.sync import RunReport, SyncEngine
from syncd.store import WriterLock, create_store_engine


class _NamedSource:
    def __init__(self, name: str) -> None:
        self.name = name


class _RecordingEngine:
    """Records which sources were synced; runs *during* inside the sync of *source*."""

    def __init__(self, during: dict[str, Callable[[], None]] | None = None) -> None:
        self.synced: list[str] = []
        self.censused: list[str] = []
        self._during = during or {}

    def sync(self, source: _NamedSource, *, full: bool = False) -> RunReport:
        self.synced.append(source.name)
        if source.name in self._during:
            self._during[source.name]()
        return _report(source.name, "incremental")

    def census(self, source: _NamedSource) -> RunReport:
        self.censused.append(source.name)
        return _report(source.name, "census")


def _report(source: str, kind: str) -> RunReport:
    now = datetime.now(UTC)
    return RunReport(source, 1, kind, "success", now, now)


def _jobs(*names: str) -> list[SourceJob]:
    return [SourceJob(cast(Any, _NamedSource(name)), 300.0, 3600.0) for name in names]


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_store_engine(postgres_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _kill_lock_session(engine: Engine, lock: WriterLock) -> None:
    """End the lock's PostgreSQL session from outside, as a server restart would."""
    session = lock._connection
    assert session is not None
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@pytest.mark.postgres
def test_a_leader_whose_lock_session_dies_mid_cycle_syncs_and_refreshes_nothing_more(
    engine: Engine,
) -> None:
    """The session dies during the first source's sync and a rival takes the lock: the
    second source is not synced, the census is not run and no refresh writes a snapshot."""
    lock, rival = WriterLock(engine), WriterLock(engine)
    refreshed: list[int] = []
    changes: list[bool] = []

    def lose_the_lock() -> None:
        _kill_lock_session(engine, lock)
        assert rival.acquire()

    recording = _RecordingEngine({"first": lose_the_lock})
    daemon = Daemon(
        cast(SyncEngine, recording),
        _jobs("first", "second"),
        refresh=lambda: refreshed.append(1),
        follow=lambda: None,
        lock=lock,
        stop=threading.Event(),
        on_leader_change=changes.append,
    )
    try:
        daemon.run_once()
        assert recording.synced == ["first"]
        assert recording.censused == []
        assert refreshed == []
        assert daemon.state.leader is False
        assert changes == [True, False]
    finally:
        lock.release()
        rival.release()


@pytest.mark.postgres
def test_a_leader_whose_lock_session_died_between_cycles_follows_instead_of_syncing(
    engine: Engine,
) -> None:
    """After the lock's session died while the daemon waited, the next cycle follows (a
    rival holds the lock now) and writes nothing."""
    lock, rival = WriterLock(engine), WriterLock(engine)
    stop = threading.Event()
    followed = threading.Event()
    refreshed: list[int] = []

    def refresh() -> None:
        refreshed.append(1)
        _kill_lock_session(engine, lock)
        assert rival.acquire()

    recording = _RecordingEngine()
    jobs = _jobs("only")
    daemon = Daemon(
        cast(SyncEngine, recording),
        jobs,
        refresh=refresh,
        follow=followed.set,
        lock=lock,
        stop=stop,
        idle_seconds=0.05,
    )
    # Due again at once, so a replica that still believed it led would sync again.
    jobs[0].interval_seconds = 0.0
    worker = threading.Thread(target=daemon.run)
    worker.start()
    try:
        assert followed.wait(10), "the replica that lost its lock never followed"
    finally:
        stop.set()
        worker.join(10)
        lock.release()
        rival.release()
    assert recording.synced == ["only"]
    assert refreshed == [1]
    assert daemon.state.leader is False
