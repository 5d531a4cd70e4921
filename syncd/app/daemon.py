"""The long-running loop behind ``syncd run``.

Each source is synced on its own interval (with jitter, so replicas and sources do not
stampede) and swept for deletions on a longer one. After any cycle that changed data, the
``refresh`` step re-decides and recomputes the analytics snapshot. With several replicas, a
``WriterElection`` elects the one that writes; the others only ``follow`` (serve the latest
snapshot from the store) and take over when the lock frees. SIGTERM sets ``stop``: the run
in progress ends between pages (the store stays consistent) and ``run`` returns.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from syncd.app.sync import RunReport, SyncEngine
from syncd.core.domain import Source

__all__ = ["Daemon", "DaemonState", "SourceJob", "WriterElection"]

_log = structlog.get_logger("syncd.app.daemon")


class WriterElection(Protocol):
    """Single-writer election (``syncd.store.WriterLock``: a PostgreSQL advisory lock, a
    file lock on SQLite)."""

    def acquire(self) -> bool: ...

    def release(self) -> None: ...

    def check(self) -> bool:
        """Whether a held lock is still held (its PostgreSQL session may have died)."""
        ...

    @property
    def held(self) -> bool: ...


@dataclass(slots=True)
class SourceJob:
    """A source with its schedule; ``next_sync``/``next_census`` are monotonic deadlines."""

    source: Source
    interval_seconds: float
    census_interval_seconds: float
    jitter: float = 0.1
    next_sync: float = 0.0
    next_census: float = 0.0

    def schedule_sync(self, now: float, rng: random.Random) -> None:
        """Set the next sync deadline one interval (± jitter) after *now*."""
        self.next_sync = now + self.interval_seconds * (1 + rng.uniform(-self.jitter, self.jitter))

    def schedule_census(self, now: float, rng: random.Random) -> None:
        """Set the next census deadline one census interval (± jitter) after *now*."""
        self.next_census = now + self.census_interval_seconds * (
            1 + rng.uniform(-self.jitter, self.jitter)
        )


@dataclass(slots=True)
class DaemonState:
    """What the HTTP endpoints read: liveness heartbeat, readiness, leadership.

    ``cycle_error`` names the exception that ended the last cycle (``None`` once a cycle
    completes): readiness reports it, since the snapshot served is then older than it should be.
    """

    heartbeat: float = field(default_factory=time.monotonic)
    first_cycle_done: bool = False
    leader: bool = False
    cycle_error: str | None = None


class Daemon:
    """Schedules source runs, census sweeps and refreshes until ``stop`` is set."""

    def __init__(
        self,
        engine: SyncEngine,
        jobs: Sequence[SourceJob],
        *,
        refresh: Callable[[], object],
        follow: Callable[[], None],
        lock: WriterElection,
        stop: threading.Event,
        on_leader_change: Callable[[bool], None] | None = None,
        idle_seconds: float = 5.0,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        self._jobs = list(jobs)
        self._refresh = refresh
        self._follow = follow
        self._lock = lock
        self._stop = stop
        self._on_leader_change = on_leader_change
        self._idle = idle_seconds
        self._rng = rng or random.Random()
        self.state = DaemonState()

    def run(self) -> None:
        """Loop until ``stop`` is set; release the writer lock on the way out."""
        _log.info("daemon_started", sources=[job.source.name for job in self._jobs])
        try:
            while not self._stop.is_set():
                self._cycle()
                self.beat()
                self.state.first_cycle_done = True
                self._stop.wait(self._wait_seconds())
        finally:
            if self._lock.held:
                self._lock.release()
            _log.info("daemon_stopped")

    def beat(self) -> None:
        """Record that the loop is alive (called between cycles and on every committed page)."""
        self.state.heartbeat = time.monotonic()

    def run_once(self) -> None:
        """One cycle (sync, census and refresh when leading), then return; for ``--once`` runs."""
        self._cycle()
        self.state.first_cycle_done = True
        if self._lock.held:
            self._lock.release()

    def _cycle(self) -> None:
        try:
            if self._elect():
                self._lead()
            else:
                self._follow()
            self.state.cycle_error = None
        except Exception as error:  # one bad cycle must not end the service
            self.state.cycle_error = type(error).__name__
            _log.exception("cycle_failed")

    def _elect(self) -> bool:
        # ``held`` only says this process took the lock once: a PostgreSQL session that died
        # (network cut, server restart) released it, and another replica may be writing now.
        leader = (self._lock.held and self._lock.check()) or self._lock.acquire()
        self._set_leader(leader)
        return leader

    def _still_leading(self) -> bool:
        """Re-check the lock before each step that writes: a replica that lost it stops."""
        if not self.state.leader:
            return False
        if self._lock.check():
            return True
        _log.warning("writer_lock_lost")
        self._set_leader(False)
        return False

    def _set_leader(self, leader: bool) -> None:
        if leader != self.state.leader:
            self.state.leader = leader
            _log.info("leadership_changed", leader=leader)
            if self._on_leader_change is not None:
                self._on_leader_change(leader)

    def _lead(self) -> None:
        reports: list[RunReport] = []
        for job in self._jobs:
            now = time.monotonic()
            if self._stop.is_set():
                break
            # Scheduled even when the run raises (the store is away): the next attempt comes
            # one interval later, not in a tight loop of failures.
            if now >= job.next_sync and self._still_leading():
                try:
                    reports.append(self._engine.sync(job.source))
                finally:
                    job.schedule_sync(time.monotonic(), self._rng)
            if now >= job.next_census and not self._stop.is_set() and self._still_leading():
                try:
                    reports.append(self._engine.census(job.source))
                finally:
                    job.schedule_census(time.monotonic(), self._rng)
        if (reports or not self.state.first_cycle_done) and self._still_leading():
            self._refresh()

    def _wait_seconds(self) -> float:
        if not self.state.leader or not self._jobs:
            return self._idle
        soonest = min(min(job.next_sync, job.next_census) for job in self._jobs)
        return max(0.05, min(self._idle * 12, soonest - time.monotonic()))
