"""The single-writer lock: only one holder at a time, free again after release."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from syncd.core.errors import StoreError
from syncd.store import WriterLock, create_store_engine


def test_a_second_writer_cannot_acquire_until_the_first_releases(engine: Engine) -> None:
    """PostgreSQL: advisory lock on a dedicated session; SQLite: a file lock beside the file."""
    other_engine = create_store_engine(engine.url)
    first, second = WriterLock(engine, "writer"), WriterLock(other_engine, "writer")
    try:
        assert first.acquire() is True
        assert first.held is True
        assert first.check() is True
        assert second.acquire() is False
        assert second.held is False
        first.release()
        assert first.held is False
        assert second.acquire() is True
        assert first.acquire() is False
    finally:
        first.release()
        second.release()
        other_engine.dispose()


def test_locks_with_different_names_do_not_conflict(engine: Engine) -> None:
    with WriterLock(engine, "writer"), WriterLock(engine, "analytics") as other:
        assert other.held


def test_the_context_manager_refuses_a_taken_lock(engine: Engine) -> None:
    taken = pytest.raises(StoreError, match="another syncd holds the 'writer' lock")
    with WriterLock(engine, "writer"), taken, WriterLock(engine, "writer"):
        pass  # pragma: no cover
    with WriterLock(engine, "writer") as lock:
        assert lock.held


@pytest.mark.postgres
def test_a_dropped_session_loses_the_advisory_lock(postgres_url: str) -> None:
    engine = create_store_engine(postgres_url)
    lock, rival = WriterLock(engine), WriterLock(engine)
    try:
        assert lock.acquire()
        assert lock._connection is not None
        lock._connection.invalidate()  # the session ends, as when the network drops
        assert lock.check() is False
        assert lock.held is False
        assert rival.acquire() is True
    finally:
        lock.release()
        rival.release()
        engine.dispose()


def test_a_refused_lock_names_its_holder_and_a_free_one_names_nobody(engine: Engine) -> None:
    """SQLite keeps the holder in the lock file, PostgreSQL as the lock session's name."""
    other_engine = create_store_engine(engine.url)
    holder = WriterLock(engine, "writer", holder="syncd run (pid 7 on pod-a)")
    rival = WriterLock(other_engine, "writer", holder="syncd sync (pid 8 on laptop)")
    try:
        assert holder.acquire()
        assert not rival.acquire()
        named = rival.holder()
        assert named is not None
        assert named.startswith("syncd run (pid 7 on pod-a)")
        holder.release()
        assert rival.holder() is None
    finally:
        holder.release()
        rival.release()
        other_engine.dispose()
