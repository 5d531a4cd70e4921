"""``SnapshotCollector`` turns the latest snapshot into series on a fresh registry."""

from __future__ import annotations

from dataclasses import replace

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from syncd.analytics import CapacityRow, Snapshot
from syncd.metrics import INTEGRITY_KINDS, SnapshotCollector

from .snapshots import COMPUTED_AT, row, snapshot

_TECH = {
    "team": "platform",
    "work_class": "technology",
    "category": "",
    "window": "30d",
    "weighting": "issues",
}


def _registry(current: Snapshot | None) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(SnapshotCollector(lambda: current))
    return registry


_AMOUNT = {k: v for k, v in _TECH.items() if k != "weighting"}


def test_share_rows_become_work_series_with_their_labels() -> None:
    """Share, drift and forecast carry the row's values under its weighting; recovery,
    completed and in-progress go to the families of the weighting's unit."""
    registry = _registry(snapshot(row()))
    ratios = {
        name: registry.get_sample_value(name, _TECH)
        for name in (
            "syncd_work_share_ratio",
            "syncd_work_share_drift_ratio",
            "syncd_work_forecast_share_ratio",
        )
    }
    amounts = {
        name: registry.get_sample_value(name, _AMOUNT)
        for name in (
            "syncd_work_recovery_needed_issues",
            "syncd_work_completed_issues",
            "syncd_work_in_progress_issues",
        )
    }
    assert ratios == {
        "syncd_work_share_ratio": 0.25,
        "syncd_work_share_drift_ratio": -0.05,
        "syncd_work_forecast_share_ratio": 0.5,
    }
    assert amounts == {
        "syncd_work_recovery_needed_issues": pytest.approx(0.2 / 0.7),
        "syncd_work_completed_issues": 1.0,
        "syncd_work_in_progress_issues": 2.0,
    }


def test_band_edges_are_exported_once_per_window_whatever_the_weightings() -> None:
    """Two weightings with the same band give one min and one max series; a one-sided band
    exports only its edge."""
    registry = _registry(
        snapshot(row(), row(weighting="story_points"), row("product", band=(None, 0.7)))
    )
    labels = {k: v for k, v in _TECH.items() if k != "weighting"}
    assert (
        registry.get_sample_value("syncd_work_share_target_ratio", labels | {"bound": "min"}) == 0.3
    )
    assert (
        registry.get_sample_value("syncd_work_share_target_ratio", labels | {"bound": "max"}) == 0.5
    )
    product = labels | {"work_class": "product"}
    assert (
        registry.get_sample_value("syncd_work_share_target_ratio", product | {"bound": "max"})
        == 0.7
    )
    assert (
        registry.get_sample_value("syncd_work_share_target_ratio", product | {"bound": "min"})
        is None
    )
    exposition = generate_latest(registry).decode()
    assert exposition.count("syncd_work_share_target_ratio{") == 3


def test_absent_values_are_absent_series_not_zero() -> None:
    """No share means no share, drift, recovery or forecast series; completed work stays."""
    registry = _registry(snapshot(row(share=None, band=None)))
    for name in (
        "syncd_work_share_ratio",
        "syncd_work_share_drift_ratio",
        "syncd_work_forecast_share_ratio",
    ):
        assert registry.get_sample_value(name, _TECH) is None, name
    assert registry.get_sample_value("syncd_work_recovery_needed_issues", _AMOUNT) is None
    assert registry.get_sample_value("syncd_work_completed_issues", _AMOUNT) == 1.0


def test_key_results_coverage_integrity_and_timestamp() -> None:
    """Progress and expected per key result, work per weighting, coverage by issue count,
    unclassified work per configured weighting, every integrity kind, the snapshot time."""
    registry = _registry(snapshot(row()))
    kr = {"key_result": "PLAT-KR1", "team": "platform"}
    assert registry.get_sample_value("syncd_key_result_progress_ratio", kr) == 0.25
    assert registry.get_sample_value("syncd_key_result_expected_progress_ratio", kr) == 0.5
    assert registry.get_sample_value("syncd_key_result_work_story_points", kr) == 3.0
    window = {"team": "platform", "window": "30d"}
    assert registry.get_sample_value("syncd_classification_coverage_ratio", window) == 0.8
    assert registry.get_sample_value("syncd_unclassified_work_issues", window) == 1.0
    assert registry.get_sample_value("syncd_unclassified_work_seconds", window) is None
    assert (
        registry.get_sample_value(
            "syncd_weighting_disagreement_ratio",
            {"team": "platform", "work_class": "technology", "window": "30d"},
        )
        == 0.16
    )
    integrity = {
        kind: registry.get_sample_value("syncd_integrity_problems", {"kind": kind})
        for kind in INTEGRITY_KINDS
    }
    assert integrity == dict.fromkeys(INTEGRITY_KINDS, 0.0) | {"key_result_without_work": 3.0}
    assert registry.get_sample_value("syncd_snapshot_timestamp_seconds") == COMPUTED_AT.timestamp()


def test_registration_does_not_read_the_snapshot_and_each_scrape_reads_it_again() -> None:
    """``describe()`` spares the callable; every scrape calls it once and builds fresh series."""
    calls: list[int] = []
    current = [snapshot(row())]

    def latest() -> Snapshot:
        calls.append(1)
        return current[0]

    registry = CollectorRegistry()
    registry.register(SnapshotCollector(latest))
    assert calls == []
    assert registry.get_sample_value("syncd_work_share_ratio", _TECH) == 0.25
    current[0] = snapshot(row(share=0.4))
    assert registry.get_sample_value("syncd_work_share_ratio", _TECH) == 0.4
    assert len(calls) == 2


def test_no_snapshot_yet_exports_nothing() -> None:
    """Before the first cycle there is nothing to say, so nothing is said."""
    assert generate_latest(_registry(None)) == b""


def _samples(registry: CollectorRegistry) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, sample.labels, sample.value)
        for family in registry.collect()
        for sample in family.samples
    ]


def test_each_family_has_one_unit_and_time_is_in_seconds() -> None:
    """The same row in three weightings lands in three families, one per unit; hours spent
    become seconds, and no amount family carries a weighting label."""
    rows = [row(weighting=w) for w in ("issues", "story_points", "time_spent")]
    registry = _registry(snapshot(*rows, weightings=("issues", "story_points", "time_spent")))
    completed = {
        name: value
        for name, labels, value in _samples(registry)
        if name.startswith("syncd_work_completed_")
    }
    assert completed == {
        "syncd_work_completed_issues": 1.0,
        "syncd_work_completed_story_points": 1.0,
        "syncd_work_completed_seconds": 3600.0,
    }
    assert registry.get_sample_value("syncd_work_in_progress_seconds", _AMOUNT) == 7200.0
    for name, labels, _ in _samples(registry):
        if "weighting" in labels:
            assert name.endswith(("_ratio", "_info")), name
        if name.endswith(("_issues", "_story_points", "_seconds")):
            assert "weighting" not in labels, name


def test_the_organisation_has_families_of_its_own_and_is_never_a_team() -> None:
    """Rows of the whole organisation go to syncd_org_ families without a team label; no
    series anywhere has team="all", so summing a team family by team counts work once."""
    org = row(team="all")
    registry = _registry(snapshot(row(), org))
    subject = {k: v for k, v in _TECH.items() if k != "team"}
    assert registry.get_sample_value("syncd_org_work_share_ratio", subject) == 0.25
    assert (
        registry.get_sample_value(
            "syncd_org_work_completed_issues", {k: v for k, v in _AMOUNT.items() if k != "team"}
        )
        == 1.0
    )
    for name, labels, _ in _samples(registry):
        assert labels.get("team") != "all", name
        if name.startswith("syncd_org_"):
            assert "team" not in labels, name


def test_only_the_judged_row_names_its_agreement() -> None:
    """The agreement-info series marks the window and weighting the agreement is judged on,
    and no other."""
    registry = _registry(snapshot(row(judged=True), row(weighting="story_points")))
    info = [
        (labels["weighting"], labels["agreement"], value)
        for name, labels, value in _samples(registry)
        if name == "syncd_work_share_agreement_info"
    ]
    assert info == [("issues", "a1", 1.0)]


def test_a_key_result_without_an_owner_has_an_empty_team() -> None:
    """A key result no team owns is exported with team="", never as the team "all"."""
    base = snapshot(row())
    orphan = replace(base.key_results[0], team="all")
    registry = _registry(replace(base, key_results=(orphan,)))
    kr = {"key_result": "PLAT-KR1", "team": ""}
    assert registry.get_sample_value("syncd_key_result_progress_ratio", kr) == 0.25


def test_unallocated_capacity_is_its_own_family_per_team_and_for_the_organisation() -> None:
    """Each capacity row's unallocated person-days become a series of the team, and the
    organisation's its own family; allocated person-days stay in the work families."""
    rows = (CapacityRow("platform", "30d", 9.0, 2.0), CapacityRow("all", "30d", 14.0, 3.5))
    registry = _registry(replace(snapshot(row()), capacity=rows))
    assert (
        registry.get_sample_value(
            "syncd_capacity_unallocated_persondays", {"team": "platform", "window": "30d"}
        )
        == 2.0
    )
    assert (
        registry.get_sample_value("syncd_org_capacity_unallocated_persondays", {"window": "30d"})
        == 3.5
    )
    assert (
        registry.get_sample_value(
            "syncd_capacity_unallocated_persondays", {"team": "all", "window": "30d"}
        )
        is None
    )
