"""The single-writer lock: which replica may sync and write.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated
connection outside the engine's pool, so pool recycling can never release it by accident.
It is released when the session ends (the process dies or the connection drops); it does
not survive PgBouncer transaction pooling. SQLite: an exclusive ``flock`` on a file next to
the database; the contract in that mode is one replica only (the file lives on one volume).

Neither is a fence: writes stay idempotent and the cursor moves by compare-and-set anyway.

Each holder describes itself (``holder``: the command, its process id and host), so a process
refused the lock can say who holds it: PostgreSQL keeps the description as the lock session's
``application_name`` (with the session's start and client address), SQLite in the lock file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from syncd.core.errors import StoreError
from syncd.store.engine import display_url

__all__ = ["WriterLock", "lock_key", "this_process"]

# PostgreSQL truncates application_name to NAMEDATALEN - 1 bytes.
_APPLICATION_NAME_BYTES = 63
_HOLDER_BYTES = 512
_ADVISORY_HOLDER = text(
    """
    SELECT a.application_name, a.client_addr, a.backend_start
    FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.classid::bigint = :high AND l.objid::bigint = :low
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    """
)


def this_process(command: str) -> str:
    """How a lock holder running *command* names itself: ``syncd sync (pid 42 on web-1)``."""
    return f"{command} (pid {os.getpid()} on {socket.gethostname()})"


def lock_key(name: str) -> int:
    """The signed 64-bit advisory-lock key for *name* (stable across processes)."""
    digest = hashlib.blake2b(f"syncd:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class WriterLock:
    """A non-blocking, process-wide lock named *name* on the store behind *engine*.

    ``acquire()`` returns at once; ``held`` tells whether this instance holds it;
    ``check()`` verifies that a held PostgreSQL lock's session is still alive; ``holder()``
    describes whoever holds it. *holder* is how this instance describes itself to others
    (default: ``this_process`` of the running program). As a context manager it raises
    ``StoreError`` when the lock is taken.
    """

    def __init__(self, engine: Engine, name: str = "writer", holder: str | None = None) -> None:
        self._engine = engine
        self._name = name
        self._holder = holder or this_process(Path(sys.argv[0]).name or "syncd")
        self._connection: Connection | None = None
        self._lock_engine: Engine | None = None
        self._file: int | None = None
        self._names_holder = False

    @property
    def held(self) -> bool:
        """Whether this instance currently holds the lock."""
        return self._connection is not None or self._file is not None

    def acquire(self) -> bool:
        """Take the lock if free; return whether this instance holds it now."""
        if self.held:
            return True
        if self._engine.dialect.name == "postgresql":
            return self._acquire_advisory()
        return self._acquire_file()

    def acquire_within(
        self,
        timeout_seconds: float,
        *,
        poll_seconds: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> bool:
        """Retry ``acquire()`` until it succeeds or *timeout_seconds* pass; whether it is held."""
        deadline = time.monotonic() + timeout_seconds
        while not self.acquire():
            if time.monotonic() >= deadline:
                return False
            sleep(poll_seconds)
        return True

    def release(self) -> None:
        """Give the lock up (a no-op when not held)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            except SQLAlchemyError:
                pass  # the session is gone, and the lock with it
            finally:
                connection.close()
        if self._file is not None:
            descriptor, self._file = self._file, None
            if self._names_holder:
                os.ftruncate(descriptor, 0)  # a free lock names nobody
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)

    def check(self) -> bool:
        """Whether the lock is still held; a dead PostgreSQL session counts as lost."""
        if self._connection is None:
            return self.held
        try:
            self._connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            self.release()
            return False
        return True

    def holder(self) -> str | None:
        """Who holds the lock now, as that holder described itself (``None`` when it is free,
        held by this instance, or the holder cannot be told)."""
        if self.held:
            return None
        if self._engine.dialect.name == "postgresql":
            return self._advisory_holder()
        return self._file_holder()

    def __enter__(self) -> Self:
        if not self.acquire():
            who = self.holder()
            raise StoreError(
                f"another syncd holds the {self._name!r} lock on {display_url(self._engine.url)}"
                + (f": {who}" if who else "")
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()

    @property
    def _key(self) -> int:
        return lock_key(self._name)

    def _acquire_advisory(self) -> bool:
        if self._lock_engine is None:
            self._lock_engine = create_engine(
                self._engine.url,
                poolclass=NullPool,
                hide_parameters=True,
                isolation_level="AUTOCOMMIT",
                connect_args={"application_name": _application_name(self._holder)},
            )
        connection = self._lock_engine.connect()
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def _acquire_file(self) -> bool:
        path = _lock_path(self._engine, self._name)
        if path is None:
            # An in-memory database lives in this process only: nobody else can write to it.
            self._file = os.open(os.devnull, os.O_RDONLY)
            self._names_holder = False
            return True
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._file = descriptor
        self._names_holder = True
        _write_holder(descriptor, self._holder)
        return True

    def _advisory_holder(self) -> str | None:
        key = self._key & 0xFFFFFFFFFFFFFFFF
        with self._engine.connect() as connection:
            row = connection.execute(
                _ADVISORY_HOLDER, {"high": key >> 32, "low": key & 0xFFFFFFFF}
            ).first()
        if row is None:
            return None
        name, address, started = row
        where = f" from {address}" if address else ""
        since = f", connected since {_moment(started)}" if started else ""
        return f"{name or 'an unnamed session'}{where}{since}"

    def _file_holder(self) -> str | None:
        path = _lock_path(self._engine, self._name)
        if path is None:
            return None
        try:
            with path.open("rb") as file:
                described = file.read(_HOLDER_BYTES).decode("utf-8", "replace").strip()
        except OSError:
            return None
        return described or None


def _application_name(holder: str) -> str:
    encoded = holder.encode("utf-8")[:_APPLICATION_NAME_BYTES]
    return encoded.decode("utf-8", "ignore")


def _write_holder(descriptor: int, holder: str) -> None:
    # Written only under the flock, so a reader sees the current holder or an empty file.
    line = f"{holder}, holding it since {_moment(datetime.now(UTC))}\n".encode()
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, line[:_HOLDER_BYTES], 0)


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _lock_path(engine: Engine, name: str) -> Path | None:
    database: Any = engine.url.database
    if not database or database == ":memory:" or str(database).startswith("file::memory:"):
        return None
    return Path(f"{database}.{name}.lock")
