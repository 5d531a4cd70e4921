"""``syncd demo`` end to end: the emulator, the exports and the service in one process."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import (
    SyncdProcess,
    http_get,
    matched_snapshot,
    report_series,
    run_syncd,
    snapshot_series,
    wait_until,
)

_BANNER = re.compile(r"^\s+metrics:\s+(http://127\.0\.0\.1:(\d+))/metrics\s", re.M)


def _demo_args(workdir: Path, issues: int) -> list[str]:
    return ["demo", "--port", "0", "--workdir", str(workdir), "--issues", str(issues)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SyncdProcess, Path]]:
    """``syncd demo --port 0`` with 500 issues, ready; (process, its configuration file)."""
    cwd = tmp_path_factory.mktemp("demo-run")
    workdir = cwd / "work"
    with SyncdProcess(_demo_args(workdir, 500), cwd) as syncd:
        syncd.wait_ready(timeout=60)
        yield syncd, workdir / "syncd.yaml"


def test_the_banner_prints_the_bound_url_not_the_requested_port_zero(
    demo: tuple[SyncdProcess, Path],
) -> None:
    """With --port 0 the banner names the port the endpoints really listen on."""
    syncd, _ = demo
    match = wait_until(lambda: _BANNER.search(syncd.stderr()), 10, "the demo banner")
    assert int(match.group(2)) != 0
    assert match.group(1) == syncd.base_url()
    assert http_get(f"{match.group(1)}/readyz")[0] == 200


def test_demo_metrics_agree_with_the_report_of_its_store(
    demo: tuple[SyncdProcess, Path], tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    """`syncd report --config <workdir>/syncd.yaml` and /metrics show the same shares, band
    edges and drifts for the same snapshot; the demo's agreements make bands and drifts appear."""
    syncd, config = demo
    samples, report = matched_snapshot(syncd.scrape, config, tmp_path)
    expected = report_series(report)

    assert any(name == "syncd_work_share_target_ratio" for name, _ in expected)
    assert any(name == "syncd_work_share_drift_ratio" for name, _ in expected)
    assert snapshot_series(samples, report) == pytest.approx(expected, rel=1e-12)
    record_property("metrics_scrape_seconds_median", _median_scrape_seconds(syncd))


def _median_scrape_seconds(syncd: SyncdProcess, scrapes: int = 7) -> float:
    # Informational only (reported, never asserted): speed belongs in bench/.
    url = f"{syncd.base_url()}/metrics"
    timings = []
    for _ in range(scrapes):
        started = time.perf_counter()
        http_get(url)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    print(f"/metrics scrape, 500-issue demo: median {median * 1000:.1f} ms of {scrapes}")
    return median


def test_demo_once_prints_the_report_and_exits_zero(tmp_path: Path) -> None:
    """`--once`: one cycle, the report table on stdout (every demo team), exit 0."""
    result = run_syncd(
        "demo", "--once", "--workdir", str(tmp_path / "work"), "--issues", "300", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert "Shares against agreed bands" in result.stdout
    for team in ("all", "checkout", "growth", "mobile", "platform", "data"):
        assert f"team {team}" in result.stdout
    assert "Traceback" not in result.stderr


def test_sigterm_ends_the_demo_with_exit_zero(tmp_path: Path) -> None:
    """A ready demo stops on SIGTERM with exit code 0 and logs its shutdown."""
    with SyncdProcess(_demo_args(tmp_path / "work", 100), tmp_path) as syncd:
        syncd.wait_ready(timeout=60)
        code = syncd.terminate(timeout=20)

    assert code == 0, syncd.stderr()
    assert syncd.events("daemon_stopped")
    assert "Traceback" not in syncd.stderr()
