"""``syncd run``: the daemon with its endpoints, metrics and single-writer election."""

from __future__ import annotations

import errno
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector

from syncd import __version__
from syncd.app.daemon import Daemon, SourceJob
from syncd.app.pipeline import Pipeline
from syncd.app.sync import RunReport, SyncEngine
from syncd.core.domain import RunOutcome, Source
from syncd.core.errors import ServeError
from syncd.metrics import MappingFilesCollector, ServiceMetrics, SnapshotCollector
from syncd.metrics.service import RETRY_REASONS, STATUS_CLASSES
from syncd.service.config import Config
from syncd.service.wiring import jira_sources, mapping_files, open_store, roadmap_sources
from syncd.store import Store, WriterLock, this_process
from syncd.web.access import Access
from syncd.web.drilldown import WorkIndexCache
from syncd.web.endpoints import Endpoints
from syncd.web.pages import WebView
from syncd.web.reading import MappingView, ViewSources, build_index

__all__ = ["Service", "build_revision", "build_service", "serve"]

_log = structlog.get_logger("syncd.service")
_CATALOGUE_REASON = {
    "rate_limited": "rate_limited",
    "timeout": "timeout",
    "connection": "connection",
}


class _RequestMetrics:
    """Counts connector requests and retries in the catalogue's label sets."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._metrics = metrics

    def request(self, source: str, status_class: str) -> None:
        self._metrics.request(source, status_class if status_class in STATUS_CLASSES else "error")

    def retry(self, source: str, reason: str) -> None:
        catalogued = _CATALOGUE_REASON.get(reason, "server_error")
        self._metrics.retry(source, catalogued if catalogued in RETRY_REASONS else "server_error")


class _RunMetrics:
    """Records every finished run in the health metrics."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._metrics = metrics

    def run_finished(self, report: RunReport) -> None:
        self._metrics.run_finished(
            report.source, report.outcome, report.duration_seconds, report.finished_at
        )
        for reason, count in report.rejected_reasons.items():
            self._metrics.rejected(report.source, _reason_code(reason), count)


_REVISION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$")


def build_revision(environ: Mapping[str, str] | None = None) -> str:
    """The source revision this build came from: ``SYNCD_REVISION`` (the image sets it at
    build time), or ``unknown`` when unset or not a plausible revision (it becomes a label)."""
    value = (environ if environ is not None else os.environ).get("SYNCD_REVISION", "").strip()
    return value if _REVISION.match(value) else "unknown"


def _registry() -> CollectorRegistry:
    """A registry with the process, platform and garbage-collector series Python exporters
    have (the defaults live on the global registry, which a service built twice would share)."""
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


def _reason_code(reason: str) -> str:
    code = "".join(ch if ch.isalnum() else "_" for ch in reason.lower()).strip("_")[:60]
    return code if code and code[0].isalpha() else "malformed_record"


@dataclass
class Service:
    """Every concrete part of a running syncd, wired."""

    config: Config
    store: Store
    pipeline: Pipeline
    daemon: Daemon
    endpoints: Endpoints
    stop: threading.Event


def build_service(
    config: Config, *, stop: threading.Event | None = None, command: str = "syncd run"
) -> Service:
    """Wire the store, sources, pipeline, daemon and endpoints described by *config*;
    *command* is how the writer lock's holder is named to a process it refuses."""
    stop = stop or threading.Event()
    files = mapping_files(config)
    store = open_store(config)
    registry = _registry()
    names = [s.name for s in config.sources.jira]
    metrics = ServiceMetrics(
        registry,
        names,
        __version__,
        roadmaps=[r.name for r in config.sources.roadmaps],
        revision=build_revision(),
    )
    sources = jira_sources(config, stop=stop, observer=_RequestMetrics(metrics))
    pipeline = Pipeline(store, files, config.analytics, roadmap_sources(config))
    MappingFilesCollector(registry, lambda: pipeline.mapping_files)
    pipeline.follow()
    _restore_health(store, metrics, names)
    # The daemon rebuilds the drill-down index after each refresh or follow that brought a
    # new snapshot, so that a click on a dashboard never waits for it; a view nobody can read
    # (no credential configured) costs no index.
    view, access = _web_view(config, store, pipeline), _access(config)

    def warm() -> None:
        if access.readable:
            view.index.warm()

    def refresh() -> None:
        _refresh(pipeline, store, metrics)
        warm()

    def follow() -> None:
        _follow(pipeline, store, metrics, names)
        warm()

    # Not in the registry: the endpoints serve its exposition, rendered once per snapshot.
    snapshot_series = SnapshotCollector(pipeline.current)
    jobs = [
        _job(store, source, c.interval_seconds, c.sweep_interval_seconds)
        for source, c in zip(sources, config.sources.jira, strict=True)
    ]
    # Each committed page proves the loop alive, so a long first sync or census is not
    # mistaken for a hung process by the liveness probe.
    engine = SyncEngine(
        store, stop=stop, observer=_RunMetrics(metrics), on_page=lambda _: daemon.beat()
    )
    daemon = Daemon(
        engine,
        jobs,
        refresh=refresh,
        follow=follow,
        lock=WriterLock(store.engine, holder=this_process(command)),
        stop=stop,
        on_leader_change=metrics.set_leader,
    )
    max_age = max(300.0, 3 * max((c.interval_seconds for c in config.sources.jira), default=60.0))
    endpoints = Endpoints(
        registry,
        alive=lambda: (
            time.monotonic() - daemon.state.heartbeat < max_age or not daemon.state.first_cycle_done
        ),
        ready=lambda: _not_ready(store, daemon),
        host=config.service.host,
        port=config.service.port,
        rendered=snapshot_series.exposition,
        view=view,
        access=access,
    )
    return Service(config, store, pipeline, daemon, endpoints, stop)


def _web_view(config: Config, store: Store, pipeline: Pipeline) -> WebView:
    """The read-only web view over the store and the snapshot ``/metrics`` serves."""

    def mapping() -> MappingView:
        files = pipeline.files
        return MappingView(files.rule_set, files.teams, files.key_result_ids)

    sources = ViewSources(
        store,
        pipeline.current,
        mapping,
        integrity=lambda: pipeline.integrity,
        jira_urls={source.name: source.url for source in config.sources.jira},
        capacity=config.analytics.capacity,
    )
    index = WorkIndexCache(pipeline.current, lambda snapshot: build_index(sources, snapshot))
    return WebView(sources, index, config.web.page_size)


def _access(config: Config) -> Access:
    """Who may read the web view; without the configured secret nobody may (logged once)."""
    access = Access.of(config.web)
    if access.scheme != "none" and access.secret is None:
        where = config.web.secret_file or config.web.secret_env
        _log.warning("web_view_locked", reason="no credential configured", expected=str(where))
    return access


def _refresh(pipeline: Pipeline, store: Store, metrics: ServiceMetrics) -> None:
    """The writer's refresh, counted in ``syncd_refresh_runs_total`` by outcome, then the
    roadmap exports' freshness as it recorded it."""
    try:
        pipeline.refresh()
    except Exception:
        metrics.refresh_finished(RunOutcome.FAILURE)
        raise
    metrics.refresh_finished(RunOutcome.SUCCESS)
    _restore_roadmaps(store, metrics)


def _follow(pipeline: Pipeline, store: Store, metrics: ServiceMetrics, names: list[str]) -> None:
    """A follower serves the writer's snapshot and the writer's sync and export times."""
    pipeline.follow()
    _restore_health(store, metrics, names)


def _restore_health(store: Store, metrics: ServiceMetrics, names: list[str]) -> None:
    """Seed the last success and attempt times of the configured sources from the store."""
    for status in store.status():
        if status.source in names:
            last_run = status.last_run
            finished = last_run.finished_at if last_run is not None else None
            metrics.restore(status.source, status.last_success_at, finished)
    _restore_roadmaps(store, metrics)


def _restore_roadmaps(store: Store, metrics: ServiceMetrics) -> None:
    """The last good read of every configured roadmap export, as the store holds it."""
    for source, moment in store.roadmap_confirmed().items():
        if source in metrics.roadmaps:
            metrics.roadmap_read(source, moment)


def _job(store: Store, source: Source, interval: float, census_interval: float) -> SourceJob:
    """A schedule that continues the census rhythm across restarts."""
    job = SourceJob(source, interval, census_interval)
    progress = store.sync_progress(source.name)
    if progress is not None and progress.last_census_at is not None:
        since = (datetime.now(UTC) - progress.last_census_at).total_seconds()
        job.next_census = time.monotonic() + max(0.0, census_interval - since)
    return job


def _not_ready(store: Store, daemon: Daemon) -> str | None:
    if not daemon.state.first_cycle_done:
        return "first cycle not done"
    if not store.ping():
        return "store unreachable"
    if daemon.state.cycle_error is not None:
        # A cycle that failed (a refresh, above all) leaves /metrics serving an older
        # snapshot: say so until a cycle succeeds again.
        return f"the last cycle failed ({daemon.state.cycle_error}); see the cycle_failed log"
    return None


def serve(
    service: Service,
    *,
    on_ready: threading.Event | None = None,
    announce: Callable[[str], None] | None = None,
    port_option: str | None = None,
) -> int:
    """Run until SIGTERM/SIGINT; the run in progress ends between pages within the grace period.

    Once the endpoints are bound, the ``serving`` event logs their base URL with the bound
    port (configured port 0 picks a free one) and *announce* receives that URL. When they
    cannot bind, ``ServeError`` names the address and *port_option*, the option that sets
    the port (default: ``service.port`` in the configuration file).
    """
    _install_signal_handlers(service.stop)
    try:
        service.endpoints.start()
    except OSError as error:
        raise ServeError(_cannot_listen(service.config, error, port_option)) from None
    port = service.endpoints.port
    base = f"http://{service.config.service.host}:{port}"
    _log.info("serving", url=base, port=port, metrics=f"{base}/metrics")
    if announce is not None:
        announce(base)
    if on_ready is not None:
        on_ready.set()
    worker = threading.Thread(target=service.daemon.run, name="syncd-daemon", daemon=True)
    worker.start()
    while worker.is_alive() and not service.stop.wait(0.5):
        pass
    worker.join(service.config.service.grace_seconds)
    service.endpoints.stop()
    if worker.is_alive():
        _log.error("shutdown_timed_out", grace_seconds=service.config.service.grace_seconds)
        return 1
    return 0


def _cannot_listen(config: Config, error: OSError, port_option: str | None) -> str:
    where = f"{config.service.host}:{config.service.port}"
    option = port_option or "service.port in " + (
        str(config.path) if config.path is not None else "the configuration"
    )
    if error.errno == errno.EADDRINUSE:
        return (
            f"cannot serve on {where}: port {config.service.port} is in use; "
            f"choose another with {option}"
        )
    reason = error.strerror or type(error).__name__
    return (
        f"cannot serve on {where}: {reason}; "
        f"choose the address with service.host, the port with {option}"
    )


def _install_signal_handlers(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def _handle(signum: int, _frame: object) -> None:
        _log.info("stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)
