"""A failed run always counts: whatever escapes a sync or census run closes it as ``failure``
in the store, counts it in ``syncd_sync_runs_total{outcome="failure"}`` and prints one line
from ``sync --once``; a failing refresh shows in ``syncd_refresh_runs_total`` and ``/readyz``.

Before, only a ``StoreError`` was observed: a driver's error (psycopg's ``DataError`` on a NUL)
left the run ``running``, was never counted, printed a raw traceback, and under ``syncd run``
every cycle failed while ``/readyz`` answered 200.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from hostile_support import run_cli, write_config
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sync_support import Rig, make_rig

from syncd.app.sync import RunReport
from syncd.core.domain import Census, Page, RunKind, RunOutcome
from syncd.metrics import ServiceMetrics
from syncd.service.config import load_config
from syncd.service.run import build_service
from syncd.store import Store
from syncd.store.census import CensusResult
from syncd.store.issues import PageCounts

_REFUSED = "PostgreSQL text fields cannot contain NUL (0x00) bytes"


class _RefusingStore(Store):
    """A real store whose page and census writes fail with the driver's own error, as the
    PostgreSQL COPY did on a NUL: not a ``StoreError``, and the store is still reachable."""

    def write_page(self, source: str, run_id: int, page: Page) -> PageCounts:
        raise psycopg.DataError(_REFUSED)

    def apply_census(self, source: str, run_id: int, found: Census) -> CensusResult:
        raise ValueError("a census the store refuses")


class _Counted:
    """The service's observer: every run into ``ServiceMetrics``."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._metrics = metrics

    def run_finished(self, report: RunReport) -> None:
        self._metrics.run_finished(
            report.source, report.outcome, report.duration_seconds, report.finished_at
        )


@pytest.fixture
def rig(database_url: str) -> Any:
    built = make_rig(database_url, "cloud", issues=40)
    yield built
    built.emulator.stop()


def test_an_error_escaping_a_run_closes_it_as_a_counted_failure(rig: Rig) -> None:
    """A driver error from a page write and a ``ValueError`` from a census: each run is closed
    as ``failure`` with the error named, counted once, the watermark unmoved; a sync with a
    working store then succeeds."""
    registry = CollectorRegistry()
    metrics = ServiceMetrics(registry, ["acme"], "0")
    refusing = _RefusingStore(rig.store.engine)
    engine = rig.engine.__class__(refusing, observer=_Counted(metrics))

    synced = engine.sync(rig.source)
    swept = engine.census(rig.source)

    assert (synced.outcome, swept.outcome) == (RunOutcome.FAILURE, RunOutcome.FAILURE)
    assert synced.error == f"unexpected psycopg.DataError: {_REFUSED}"
    assert swept.error == "unexpected ValueError: a census the store refuses"
    runs = {run.run_id: run for run in rig.store.recent_runs("acme")}
    recorded = [runs[report.run_id] for report in (synced, swept)]
    assert [(run.kind, run.outcome, run.error) for run in recorded] == [
        (RunKind.FULL, RunOutcome.FAILURE, synced.error),
        (RunKind.CENSUS, RunOutcome.FAILURE, swept.error),
    ]
    assert all(run.finished_at is not None for run in recorded)
    failures = {"source": "acme", "outcome": "failure"}
    assert registry.get_sample_value("syncd_sync_runs_total", failures) == 2
    assert rig.store.watermark("acme") is None
    assert rig.engine.sync(rig.source).outcome == RunOutcome.SUCCESS


def test_sync_once_prints_one_line_for_an_unexpected_error_and_exits_1(
    tmp_path: Path, rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``syncd sync --once`` whose page writes fail with the driver's error: exit 1, one
    ``syncd:`` line naming the run and the error, no traceback, the run closed as failure."""
    monkeypatch.setattr(Store, "write_page", _RefusingStore.write_page)
    url = rig.store.engine.url.render_as_string(False)
    config = write_config(tmp_path, url, jira_url=rig.url)

    done = run_cli("sync", "--once", "--config", str(config))

    said = [line for line in done.err.splitlines() if line.startswith("syncd:")]
    (run,) = rig.store.recent_runs("acme")
    assert (done.code, said) == (
        1,
        [f"syncd: full run #{run.run_id} failed: unexpected psycopg.DataError: {_REFUSED}"],
    )
    assert "Traceback" not in done.err + done.out
    assert (run.outcome, run.finished_at is not None) == (RunOutcome.FAILURE, True)


def test_the_service_counts_failed_runs_and_failed_refreshes_and_says_it_is_not_ready(
    tmp_path: Path, rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``syncd run``'s wiring: a cycle whose sync fails with a driver error counts the failure
    and still refreshes; a refresh that fails (a roadmap column dropped by hand) is counted and
    makes ``/readyz`` answer 503 with the reason, until a cycle succeeds again."""
    export = tmp_path / "plan.csv"
    export.write_text("Feature ID,Feature name\r\npb-1,One\r\n", encoding="utf-8")
    roadmap = {"name": "plan", "format": "productboard_csv", "path": str(export)}
    url = rig.store.engine.url.render_as_string(False)
    config = write_config(tmp_path, url, jira_url=rig.url, roadmaps=[roadmap], interval_seconds=1)
    service = build_service(load_config(config))
    service.endpoints.start()
    try:
        monkeypatch.setattr(Store, "write_page", _RefusingStore.write_page)
        service.daemon.run_once()
        monkeypatch.undo()
        assert _scraped(service, "syncd_sync_runs_total", source="acme", outcome="failure") == 1
        assert _scraped(service, "syncd_refresh_runs_total", outcome="success") == 1
        assert _ready(service) == (200, None)

        with service.store.engine.begin() as connection:
            connection.execute(text("ALTER TABLE roadmap_items DROP COLUMN hint"))
        export.write_text("Feature ID,Feature name\r\npb-1,One again\r\n", encoding="utf-8")
        time.sleep(1.2)  # the next sync is due, and a refresh follows it
        service.daemon.run_once()

        assert _scraped(service, "syncd_refresh_runs_total", outcome="failure") == 1
        status, reason = _ready(service)
        assert (status, reason) == (
            503,
            "the last cycle failed (StoreSchemaError); see the cycle_failed log",
        )
    finally:
        service.endpoints.stop()
        service.store.engine.dispose()


def _scraped(service: Any, name: str, **labels: str) -> float | None:
    body = requests.get(f"http://127.0.0.1:{service.endpoints.port}/metrics", timeout=5).text
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def _ready(service: Any) -> tuple[int, str | None]:
    answer = requests.get(f"http://127.0.0.1:{service.endpoints.port}/readyz", timeout=5)
    return answer.status_code, answer.json()["reason"]
