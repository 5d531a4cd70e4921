"""Snapshot series rendered once per snapshot and served with the live registry's series."""

from __future__ import annotations

import requests
from prometheus_client import CollectorRegistry, Counter, generate_latest

from syncd.analytics import Snapshot
from syncd.metrics import SnapshotCollector
from syncd.web.endpoints import Endpoints

from .snapshots import row, snapshot

_OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def _registered_text(current: Snapshot) -> bytes:
    registry = CollectorRegistry()
    registry.register(SnapshotCollector(lambda: current))
    return bytes(generate_latest(registry))


def test_the_rendered_exposition_equals_the_registered_collectors() -> None:
    """Serving pre-rendered bytes changes nothing a scraper sees."""
    current = snapshot(row(), row("product", share=0.75))
    collector = SnapshotCollector(lambda: current)
    assert collector.exposition() == _registered_text(current)


def test_a_new_snapshot_is_rendered_again_and_the_same_one_is_not() -> None:
    """The bytes follow the latest snapshot; the same snapshot returns the same bytes object."""
    holder = {"current": snapshot(row(share=0.25))}
    collector = SnapshotCollector(lambda: holder["current"])
    first = collector.exposition()
    assert collector.exposition() is first
    holder["current"] = snapshot(row(share=0.5))
    second = collector.exposition()
    assert second != first
    assert second == _registered_text(holder["current"])


def test_no_snapshot_renders_nothing() -> None:
    """Before the first refresh there are no drift series."""
    assert SnapshotCollector(lambda: None).exposition() == b""


def test_metrics_serves_live_and_rendered_series_in_both_formats() -> None:
    """Text format appends the snapshot series; OpenMetrics keeps one final # EOF line."""
    registry = CollectorRegistry()
    Counter("syncd_probe_runs", "Live counter.", registry=registry).inc()
    current = snapshot(row())
    collector = SnapshotCollector(lambda: current)
    endpoints = Endpoints(
        registry, lambda: True, lambda: None, port=0, rendered=collector.exposition
    )
    with endpoints as server:
        base = f"http://127.0.0.1:{server.port}/metrics"
        text = requests.get(base, timeout=5).text
        opened = requests.get(base, headers={"Accept": _OPENMETRICS}, timeout=5).text
    assert "syncd_probe_runs_total 1.0" in text
    assert 'syncd_work_share_ratio{category="",team="platform"' in text
    assert "syncd_probe_runs_total 1.0" in opened
    assert 'syncd_work_share_ratio{category="",team="platform"' in opened
    assert opened.endswith("# EOF\n")
    assert opened.count("# EOF") == 1
