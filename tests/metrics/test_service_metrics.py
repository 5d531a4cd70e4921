"""``ServiceMetrics``: the daemon's health series, present at 0 from the start."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from syncd.metrics import (
    OUTCOMES,
    RETRY_REASONS,
    STATUS_CLASSES,
    MappingFilesCollector,
    ServiceMetrics,
    status_class,
)

_FINISHED = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)


def _metrics() -> tuple[CollectorRegistry, ServiceMetrics]:
    registry = CollectorRegistry()
    return registry, ServiceMetrics(registry, ["jira", "roadmap"], "1.2.3")


def test_series_alerts_need_exist_at_zero_before_any_run() -> None:
    """Last success, runs by outcome, requests and retries exist per source at 0."""
    registry, _ = _metrics()
    value = registry.get_sample_value
    for source in ("jira", "roadmap"):
        assert value("syncd_last_success_timestamp_seconds", {"source": source}) == 0.0
        assert value("syncd_last_attempt_timestamp_seconds", {"source": source}) == 0.0
        assert value("syncd_sync_duration_seconds", {"source": source}) == 0.0
        for outcome in OUTCOMES:
            assert value("syncd_sync_runs_total", {"source": source, "outcome": outcome}) == 0.0
        for status in STATUS_CLASSES:
            labels = {"source": source, "status_class": status}
            assert value("syncd_requests_total", labels) == 0.0
        for reason in RETRY_REASONS:
            assert value("syncd_retries_total", {"source": source, "reason": reason}) == 0.0
    assert value("syncd_leader") == 0.0
    build = {"version": "1.2.3", "python": platform.python_version(), "revision": "unknown"}
    assert value("syncd_build_info", build) == 1.0


def test_only_a_successful_run_moves_the_last_success_time() -> None:
    """A failure updates the attempt time, the duration and its outcome count, nothing else."""
    registry, metrics = _metrics()
    metrics.run_finished("jira", "success", 2.5, _FINISHED)
    later = _FINISHED.replace(hour=13)
    metrics.run_finished("jira", "failure", 0.5, later)
    value = registry.get_sample_value
    assert (
        value("syncd_last_success_timestamp_seconds", {"source": "jira"}) == _FINISHED.timestamp()
    )
    assert value("syncd_last_attempt_timestamp_seconds", {"source": "jira"}) == later.timestamp()
    assert value("syncd_sync_duration_seconds", {"source": "jira"}) == 0.5
    runs = {o: value("syncd_sync_runs_total", {"source": "jira", "outcome": o}) for o in OUTCOMES}
    assert runs == {"success": 1.0, "failure": 1.0, "partial": 0.0}


def test_requests_retries_rejections_and_leadership_are_counted() -> None:
    """Each call adds to its own labelled series only."""
    registry, metrics = _metrics()
    metrics.request("jira", status_class(200))
    metrics.request("jira", status_class(429))
    metrics.request("jira", status_class(None))
    metrics.retry("jira", "rate_limited")
    metrics.rejected("roadmap", "unparseable_date", 3)
    metrics.rejected("roadmap", "unparseable_date")
    metrics.set_leader(True)
    value = registry.get_sample_value
    requests = {
        c: value("syncd_requests_total", {"source": "jira", "status_class": c})
        for c in STATUS_CLASSES
    }
    assert requests == {"2xx": 1.0, "4xx": 0.0, "429": 1.0, "5xx": 0.0, "error": 1.0}
    assert value("syncd_retries_total", {"source": "jira", "reason": "rate_limited"}) == 1.0
    assert (
        value("syncd_rejected_records_total", {"source": "roadmap", "reason": "unparseable_date"})
        == 4.0
    )
    assert value("syncd_leader") == 1.0


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, "2xx"),
        (204, "2xx"),
        (404, "4xx"),
        (429, "429"),
        (503, "5xx"),
        (302, "error"),
        (None, "error"),
    ],
)
def test_status_class_groups_http_outcomes(status: int | None, expected: str) -> None:
    """429 stands alone; no response and unexpected classes are ``error``."""
    assert status_class(status) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.run_finished("jira", "ok", 1.0, _FINISHED),
        lambda m: m.request("unknown", "2xx"),
        lambda m: m.retry("jira", "because"),
        lambda m: m.rejected("jira", "Issue SHOP-1 had a bad title"),
    ],
)
def test_label_values_outside_the_configured_sets_are_refused(call) -> None:  # type: ignore[no-untyped-def]
    """Labels stay small and closed: an unknown source, outcome or free text raises."""
    _, metrics = _metrics()
    with pytest.raises(ValueError, match="not"):
        call(metrics)


def test_no_created_series_accompany_the_counters() -> None:
    """The exposition has ``_total`` counters without ``_created`` samples."""
    registry, metrics = _metrics()
    metrics.run_finished("jira", "success", 1.0, _FINISHED)
    exposition = generate_latest(registry).decode()
    assert "syncd_sync_runs_total{" in exposition
    assert "_created" not in exposition


def test_roadmap_exports_start_at_zero_and_only_move_forward() -> None:
    """Each configured export has a last-good-read series from the start; an older time
    (the store's, arriving after this process's own) never moves it back; an unknown export
    is refused."""
    registry = CollectorRegistry()
    metrics = ServiceMetrics(registry, ["jira"], "1", roadmaps=["aha", "productboard"])
    value = registry.get_sample_value
    name = "syncd_roadmap_last_success_timestamp_seconds"
    assert value(name, {"source": "aha"}) == value(name, {"source": "productboard"}) == 0.0
    metrics.roadmap_read("aha", _FINISHED)
    metrics.roadmap_read("aha", _FINISHED.replace(hour=1))
    assert value(name, {"source": "aha"}) == _FINISHED.timestamp()
    with pytest.raises(ValueError, match="not configured"):
        metrics.roadmap_read("jira", _FINISHED)


def test_build_info_carries_the_revision_it_was_given() -> None:
    """The revision set at build time is a label of syncd_build_info."""
    registry = CollectorRegistry()
    ServiceMetrics(registry, ["jira"], "1", revision="0f3c2a1")
    build = {"version": "1", "python": platform.python_version(), "revision": "0f3c2a1"}
    assert registry.get_sample_value("syncd_build_info", build) == 1.0


@dataclass(frozen=True)
class _State:
    valid: bool
    loaded_at: datetime
    ruleset: str


def test_mapping_files_series_follow_the_state_at_each_scrape() -> None:
    """Valid, loaded time and rule-set hash are read from the state when scraped."""
    registry = CollectorRegistry()
    state = [_State(True, _FINISHED, "aaa111")]
    MappingFilesCollector(registry, lambda: state[0])
    value = registry.get_sample_value
    assert value("syncd_mapping_files_valid") == 1.0
    assert value("syncd_mapping_files_loaded_timestamp_seconds") == _FINISHED.timestamp()
    assert value("syncd_rule_set_info", {"version": "aaa111"}) == 1.0
    state[0] = _State(False, _FINISHED, "aaa111")
    assert value("syncd_mapping_files_valid") == 0.0
