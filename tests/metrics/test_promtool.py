"""The whole exposition passes ``promtool check metrics`` (mandatory in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from syncd.analytics import compute_snapshot
from syncd.app.mapping_files import MappingFilesState
from syncd.metrics import MappingFilesCollector, ServiceMetrics, SnapshotCollector

from .snapshots import COMPUTED_AT, row, snapshot

_FILES = MappingFilesState(False, COMPUTED_AT, "3f2a9c01b7e4", ("rules.yaml:3: bad",))


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        reason = "promtool is not installed (Debian package 'prometheus')"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_exposition_passes_promtool_check_metrics(tmp_path: Path) -> None:
    """Drift series (teams and organisation, every unit, absent values, one-sided bands),
    health, mapping-file and runtime series lint clean."""
    promtool = _promtool()
    registry = CollectorRegistry()
    current = snapshot(
        row(judged=True),
        row(weighting="story_points"),
        row(weighting="time_spent", team="all", judged=True),
        row("product", band=(None, 0.7)),
        row(share=None, band=None, category="ktlo"),
        weightings=("issues", "story_points", "time_spent"),
    )
    registry.register(SnapshotCollector(lambda: current))
    metrics = ServiceMetrics(registry, ["jira"], "1.2.3", roadmaps=["roadmap"], revision="abc")
    MappingFilesCollector(registry, lambda: _FILES)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    metrics.run_finished("jira", "partial", 3.0, datetime(2025, 5, 20, tzinfo=UTC))
    metrics.rejected("jira", "missing_title", 2)
    exposition = tmp_path / "metrics.txt"
    exposition.write_bytes(generate_latest(registry))
    with exposition.open("rb") as stdin:
        result = subprocess.run(  # noqa: S603 - a fixed binary on a file we wrote
            [promtool, "check", "metrics"], stdin=stdin, capture_output=True, check=False
        )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def test_exposition_of_a_computed_snapshot_passes_promtool(tmp_path: Path) -> None:
    """An empty organisation's computed snapshot (all shares absent) lints clean too."""
    from syncd.analytics import AnalyticsConfig

    promtool = _promtool()
    empty = compute_snapshot([], [], [], {}, AnalyticsConfig(), datetime(2025, 5, 20, tzinfo=UTC))
    registry = CollectorRegistry()
    registry.register(SnapshotCollector(lambda: empty))
    exposition = tmp_path / "metrics.txt"
    exposition.write_bytes(generate_latest(registry))
    with exposition.open("rb") as stdin:
        result = subprocess.run(  # noqa: S603 - a fixed binary on a file we wrote
            [promtool, "check", "metrics"], stdin=stdin, capture_output=True, check=False
        )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
