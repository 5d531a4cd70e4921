"""``syncd run`` end to end: a real process syncing the Jira emulator into SQLite, serving
/metrics, /healthz and /readyz over loopback, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from service_support import (
    Samples,
    SyncdProcess,
    http_get,
    matched_snapshot,
    report_series,
    run_syncd,
    snapshot_series,
    wait_until,
    write_config,
)

from connectors.jira.emulator import JiraEmulator, generate_organisation
from syncd.store import Store, create_store_engine

GRACE_SECONDS = 10.0


def _small_organisation() -> JiraEmulator:
    org = generate_organisation(issues=200, seed=5, now=datetime.now(UTC))
    return JiraEmulator(org, "cloud")


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SyncdProcess, Path]]:
    """``syncd run`` with the configured port 0, ready after its first cycle, on an interval
    long enough that the snapshot it serves stays the same while the tests read it."""
    folder = tmp_path_factory.mktemp("steady")
    with _small_organisation() as emulator:
        store_url = f"sqlite:///{folder / 'syncd.db'}"
        config = write_config(folder, emulator.url, store_url, interval_seconds=120)
        with SyncdProcess(["run", "--config", str(config)], folder) as syncd:
            syncd.wait_ready()
            yield syncd, config


def _technology_done_this_quarter(samples: Samples) -> float:
    # The quarter's start is fixed, so no older issue leaves this window during the test.
    value = samples.get(
        "syncd_org_work_completed_issues", work_class="technology", category="", window="quarter"
    )
    return value or 0.0


def test_port_zero_binds_a_free_port_that_the_serving_event_reports(
    steady: tuple[SyncdProcess, Path],
) -> None:
    """The `serving` log event carries the bound port, and the endpoints answer there."""
    syncd, _ = steady
    serving = syncd.events("serving")[0]
    assert serving["port"] != 0
    assert serving["url"] == f"http://127.0.0.1:{serving['port']}"
    status, body = http_get(f"{serving['url']}/healthz")
    assert status == 200
    assert json.loads(body) == {"alive": True, "reason": None}


def test_metrics_serve_the_same_shares_bands_and_drifts_as_the_report(
    steady: tuple[SyncdProcess, Path], tmp_path: Path
) -> None:
    """For one snapshot, every share, band edge and drift of `syncd report` is on /metrics
    with the same value, and /metrics has none the report lacks for those subjects."""
    syncd, config = steady
    samples, report = matched_snapshot(syncd.scrape, config, tmp_path)
    expected = report_series(report)
    served = snapshot_series(samples, report)

    assert {key[0] for key in expected} == {
        "syncd_work_share_ratio",
        "syncd_work_share_drift_ratio",
        "syncd_work_share_target_ratio",
        "syncd_org_work_share_ratio",
        "syncd_org_work_share_drift_ratio",
        "syncd_org_work_share_target_ratio",
    }
    assert served.keys() == expected.keys()
    assert served == pytest.approx(expected, rel=1e-12)


def test_health_metrics_show_the_sources_successful_runs(
    steady: tuple[SyncdProcess, Path],
) -> None:
    """After the first cycle: a success timestamp, successful runs, no failure, leadership."""
    syncd, _ = steady
    samples = syncd.scrape()
    runs = syncd.events("sync_run")

    assert runs, "the daemon logged no sync run"
    assert samples.get("syncd_leader") == 1.0
    assert (samples.get("syncd_last_success_timestamp_seconds", source="acme") or 0) > 0
    assert (samples.get("syncd_sync_runs_total", source="acme", outcome="success") or 0) >= 1
    assert samples.get("syncd_sync_runs_total", source="acme", outcome="failure") == 0.0
    assert (samples.get("syncd_requests_total", source="acme", status_class="2xx") or 0) > 0


def test_an_issue_completed_in_jira_shows_in_the_metrics_after_the_next_interval(
    tmp_path: Path, emulator: JiraEmulator
) -> None:
    """A security task created and done in the emulator adds one to the organisation's
    completed technology work this quarter once the next incremental sync (2 s) has run."""
    config = write_config(tmp_path, emulator.url, f"sqlite:///{tmp_path / 'syncd.db'}")
    with SyncdProcess(["run", "--config", str(config)], tmp_path) as syncd:
        syncd.wait_ready()
        _count_the_new_issue(syncd, emulator)


def _count_the_new_issue(syncd: SyncdProcess, emulator: JiraEmulator) -> None:
    before = _technology_done_this_quarter(syncd.scrape())

    emulator.create(
        "PLAT", "Task", summary="Patch the TLS library", labels=["security"], status="Done"
    )

    wait_until(
        lambda: _technology_done_this_quarter(syncd.scrape()) == before + 1,
        timeout=20,
        what="the completed security task on /metrics",
    )


def test_sigterm_during_a_sync_exits_zero_and_leaves_no_run_running(
    tmp_path: Path, emulator: JiraEmulator
) -> None:
    """SIGTERM while a slow sync is paging: the process exits 0 within the grace period, the
    interrupted run is recorded as finished (partial), and the store answers `syncd status`."""
    store_url = f"sqlite:///{tmp_path / 'syncd.db'}"
    config = write_config(
        tmp_path, emulator.url, store_url, grace_seconds=GRACE_SECONDS, source={"page_size": 10}
    )
    store = Store(create_store_engine(store_url))
    with SyncdProcess(["run", "--config", str(config)], tmp_path) as syncd:
        syncd.wait_ready()
        emulator.faults.latency_seconds = 0.3
        for issue_id in list(emulator.state.project_ids("SHOP")):
            emulator.edit(issue_id, summary=f"Reworded {issue_id}")
        wait_until(
            lambda: any(run.outcome == "running" for run in store.recent_runs("acme", 3)),
            timeout=15,
            what="an incremental run in progress",
        )

        code = syncd.terminate(timeout=GRACE_SECONDS + 5)

    assert code == 0, syncd.stderr()
    runs = store.recent_runs("acme", 100)
    assert [run.run_id for run in runs if run.outcome == "running"] == []
    assert all(run.finished_at is not None for run in runs)
    # Stopped between pages the run is `partial`; stopped inside its first request the
    # source gives up with a shutdown error. Either way it is recorded as ended, never left open.
    last = runs[0]
    assert last.outcome == "partial" or "shutdown" in (last.error or ""), last
    assert "Traceback" not in syncd.stderr()
    status = run_syncd("status", "--config", str(config), "--format", "json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    (source,) = json.loads(status.stdout)["sources"]
    assert source["last_run"]["run_id"] == last.run_id
    assert source["last_run"]["finished_at"] is not None
