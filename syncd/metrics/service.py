"""The service's own health metrics: sync runs, refreshes, requests, retries, rejected records,
leadership.

Kept as one collector over plain counters under a lock rather than global ``Counter`` objects,
so that each registry (one per test, one per process) has its own state and no ``_created``
series appear beside the counters.
"""

from __future__ import annotations

import platform
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from syncd.core.domain import RunOutcome, ensure_utc

__all__ = [
    "OUTCOMES",
    "REFRESH_OUTCOMES",
    "RETRY_REASONS",
    "STATUS_CLASSES",
    "ServiceMetrics",
    "status_class",
]

OUTCOMES: tuple[str, ...] = tuple(outcome.value for outcome in RunOutcome.final())
REFRESH_OUTCOMES: tuple[str, ...] = (RunOutcome.SUCCESS.value, RunOutcome.FAILURE.value)
STATUS_CLASSES: tuple[str, ...] = ("2xx", "4xx", "429", "5xx", "error")
RETRY_REASONS: tuple[str, ...] = ("rate_limited", "server_error", "timeout", "connection")
_Labels = TypeVar("_Labels", bound=tuple[str, ...])
_REASON = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def status_class(status: int | None) -> str:
    """The ``status_class`` label of an HTTP outcome: ``429`` on its own, ``2xx``, ``4xx`` or
    ``5xx``, and ``error`` for no response (timeout, connection failure) or any other status."""
    if status == 429:
        return "429"
    if status is not None and status // 100 in (2, 4, 5):
        return f"{status // 100}xx"
    return "error"


class ServiceMetrics:
    """Health metrics of the daemon, registered on *registry* at construction.

    Series that alerts need exist from the start at 0: last success, last attempt and duration
    per source, runs per source and outcome, refreshes per outcome, requests per source and
    status class, retries per source and reason, and the last good read of each roadmap
    export in *roadmaps*.
    Rejected-record reasons appear as they are first counted. Label values outside these sets
    raise ``ValueError`` (a programming error, not a data error). *revision* is the source
    revision the build came from (``unknown`` when the build did not say).
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        sources: list[str],
        version: str,
        *,
        roadmaps: Sequence[str] = (),
        revision: str = "unknown",
    ) -> None:
        self._lock = threading.Lock()
        self._sources = tuple(sources)
        self._build = (version, platform.python_version(), revision)
        self._roadmaps = dict.fromkeys(roadmaps, 0.0)
        self._last_success = dict.fromkeys(self._sources, 0.0)
        self._last_attempt = dict.fromkeys(self._sources, 0.0)
        self._duration = dict.fromkeys(self._sources, 0.0)
        self._runs = {(s, o): 0.0 for s in self._sources for o in OUTCOMES}
        self._refreshes = {(o,): 0.0 for o in REFRESH_OUTCOMES}
        self._requests = {(s, c): 0.0 for s in self._sources for c in STATUS_CLASSES}
        self._retries = {(s, r): 0.0 for s in self._sources for r in RETRY_REASONS}
        self._rejected: dict[tuple[str, str], float] = {}
        self._leader = 0.0
        registry.register(self)

    def run_finished(
        self, source: str, outcome: RunOutcome, duration: float, finished_at: datetime
    ) -> None:
        """Record one sync run of *source*; only a ``success`` moves the last-success time."""
        self._check(source, outcome, OUTCOMES)
        moment = ensure_utc(finished_at).timestamp()
        with self._lock:
            self._runs[source, outcome] += 1
            self._last_attempt[source] = moment
            self._duration[source] = max(0.0, duration)
            if outcome == RunOutcome.SUCCESS:
                self._last_success[source] = moment

    def refresh_finished(self, outcome: RunOutcome) -> None:
        """Record one pipeline refresh (decisions, integrity, analytics snapshot): ``success``
        or ``failure``. A failing refresh leaves ``/metrics`` serving an older snapshot."""
        if outcome not in REFRESH_OUTCOMES:
            raise ValueError(f"{outcome!r} is not one of {', '.join(REFRESH_OUTCOMES)}")
        with self._lock:
            self._refreshes[(RunOutcome(outcome).value,)] += 1

    def restore(
        self, source: str, last_success: datetime | None, last_attempt: datetime | None
    ) -> None:
        """Carry the store's record of *source*'s runs into the series, forward only.

        The store knows runs this process did not see: the writer replica's (on a follower)
        and this process's own before a restart. Without them a follower or a restarted
        replica exports 0, which the staleness alert reads as decades without a sync.
        """
        self._check_source(source)
        with self._lock:
            for table, moment in (
                (self._last_success, last_success),
                (self._last_attempt, last_attempt),
            ):
                if moment is not None:
                    table[source] = max(table[source], ensure_utc(moment).timestamp())

    @property
    def roadmaps(self) -> tuple[str, ...]:
        """The configured roadmap exports."""
        return tuple(self._roadmaps)

    def roadmap_read(self, source: str, at: datetime) -> None:
        """Record that roadmap export *source* was last read good at *at* (forward only: the
        store's time and this process's may arrive in any order)."""
        if source not in self._roadmaps:
            raise ValueError(f"roadmap export {source!r} is not configured")
        with self._lock:
            self._roadmaps[source] = max(self._roadmaps[source], ensure_utc(at).timestamp())

    def request(self, source: str, status_class: str) -> None:
        """Count one HTTP request to *source* (see ``status_class()`` for the label)."""
        self._check(source, status_class, STATUS_CLASSES)
        with self._lock:
            self._requests[source, status_class] += 1

    def retry(self, source: str, reason: str) -> None:
        """Count one retried request to *source*."""
        self._check(source, reason, RETRY_REASONS)
        with self._lock:
            self._retries[source, reason] += 1

    def rejected(self, source: str, reason: str, n: int = 1) -> None:
        """Count *n* quarantined records of *source*; *reason* is a short snake_case code."""
        self._check_source(source)
        if not _REASON.match(reason):
            raise ValueError(f"rejection reason {reason!r} is not a snake_case code")
        if n < 0:
            raise ValueError("a rejected-record count cannot be negative")
        with self._lock:
            self._rejected[source, reason] = self._rejected.get((source, reason), 0.0) + n

    def set_leader(self, leader: bool) -> None:
        """Mark this replica as the one that writes (or not)."""
        with self._lock:
            self._leader = 1.0 if leader else 0.0

    def _check(self, source: str, value: str, allowed: tuple[str, ...]) -> None:
        self._check_source(source)
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")

    def _check_source(self, source: str) -> None:
        if source not in self._sources:
            raise ValueError(f"source {source!r} is not configured: {', '.join(self._sources)}")

    def describe(self) -> Iterable[Metric]:
        """The families exported (state is in memory, so this is ``collect()``)."""
        return self.collect()

    def collect(self) -> Iterable[Metric]:
        """A consistent copy of every health series."""
        with self._lock:
            return [
                _gauge(
                    "syncd_last_success_timestamp_seconds",
                    "End of the last successful sync run (0: none yet).",
                    ("source",),
                    {(s,): v for s, v in self._last_success.items()},
                ),
                _gauge(
                    "syncd_last_attempt_timestamp_seconds",
                    "End of the last sync run, whatever its outcome (0: none yet).",
                    ("source",),
                    {(s,): v for s, v in self._last_attempt.items()},
                ),
                _gauge(
                    "syncd_sync_duration_seconds",
                    "Duration of the last sync run.",
                    ("source",),
                    {(s,): v for s, v in self._duration.items()},
                ),
                _counter(
                    "syncd_sync_runs",
                    "Sync runs by outcome.",
                    ("source", "outcome"),
                    self._runs,
                ),
                _counter(
                    "syncd_refresh_runs",
                    "Pipeline refreshes (decisions and analytics snapshot) by outcome.",
                    ("outcome",),
                    self._refreshes,
                ),
                _counter(
                    "syncd_requests",
                    "HTTP requests to sources by status class.",
                    ("source", "status_class"),
                    self._requests,
                ),
                _counter(
                    "syncd_retries",
                    "Retried requests to sources by reason.",
                    ("source", "reason"),
                    self._retries,
                ),
                _counter(
                    "syncd_rejected_records",
                    "Records quarantined by reason.",
                    ("source", "reason"),
                    self._rejected,
                ),
                _gauge(
                    "syncd_roadmap_last_success_timestamp_seconds",
                    "Last good read of the roadmap export: loaded, or found unchanged (0: none).",
                    ("source",),
                    {(s,): v for s, v in self._roadmaps.items()},
                ),
                _gauge(
                    "syncd_build_info",
                    "Build information; always 1.",
                    ("version", "python", "revision"),
                    {self._build: 1.0},
                ),
                _gauge(
                    "syncd_leader",
                    "1 on the replica that writes, 0 on the others.",
                    (),
                    {(): self._leader},
                ),
            ]


def _gauge(
    name: str, doc: str, labels: tuple[str, ...], values: dict[tuple[str, ...], float]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in values.items():
        family.add_metric(list(key), value)
    return family


def _counter(
    name: str, doc: str, labels: tuple[str, ...], values: Mapping[_Labels, float]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=labels)
    for key, value in values.items():
        family.add_metric(list(key), value)
    return family
