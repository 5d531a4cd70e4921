"""docs/metrics.md lists exactly the series the collectors declare, with their types."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from prometheus_client import CollectorRegistry

from syncd.analytics import ALL_TEAMS, CapacityRow, DisagreementRow, Snapshot
from syncd.metrics import MappingFilesCollector, ServiceMetrics, SnapshotCollector

from .snapshots import COMPUTED_AT, row, snapshot

_WEIGHTINGS = ("issues", "story_points", "time_spent", "capacity")

_CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
_ROW = re.compile(r"^\| `(syncd_[a-z_]+)` \| (gauge|counter) \| ([^|]*) \|", re.MULTILINE)


def _documented() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        name: (
            kind,
            tuple(sorted(x.strip() for x in labels.split(",") if x.strip() not in ("", "—"))),
        )
        for name, kind, labels in _ROW.findall(_CATALOGUE.read_text(encoding="utf-8"))
    }


class _Files:
    valid = True
    loaded_at = COMPUTED_AT
    ruleset = "abc"


def _everything() -> Snapshot:
    """A snapshot with a sample in every family: teams and the organisation, every weighting,
    judged rows (agreement info), disagreements, coverage and capacity of both scopes."""
    rows = [
        row(work_class, team=team, weighting=weighting, judged=True)
        for team in ("platform", ALL_TEAMS)
        for work_class in ("technology", "product")
        for weighting in _WEIGHTINGS
    ]
    base = snapshot(*rows, weightings=_WEIGHTINGS)
    return replace(
        base,
        disagreements=(
            *base.disagreements,
            DisagreementRow(ALL_TEAMS, "technology", "30d", 0.1, "issues", "story_points"),
        ),
        key_results=tuple(
            # key-result work sums issues: capacity, allocated to people, is never among it
            replace(kr, work=tuple((w, 1.0) for w in _WEIGHTINGS if w != "capacity"))
            for kr in base.key_results
        ),
        coverage=tuple(
            replace(c, team=team, weighting=weighting)
            for c in base.coverage[:1]
            for team in ("platform", ALL_TEAMS)
            for weighting in _WEIGHTINGS
        ),
        capacity=tuple(CapacityRow(team, "30d", 5.0, 1.0) for team in ("platform", ALL_TEAMS)),
    )


def _declared() -> dict[str, tuple[str, tuple[str, ...]]]:
    current = _everything()
    registry = CollectorRegistry()
    health = ServiceMetrics(registry, ["jira"], "0", roadmaps=["aha"])
    health.rejected("jira", "missing_title")
    files = MappingFilesCollector(registry, _Files)
    families = [
        *SnapshotCollector(lambda: current).collect(),
        *health.collect(),
        *files.collect(),
    ]
    declared = {}
    for family in families:
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = {label for sample in family.samples for label in sample.labels}
        declared[name] = (family.type, tuple(sorted(labels)))
    return declared


def test_catalogue_names_match_what_describe_declares() -> None:
    """No declared family is undocumented and no documented series is missing."""
    registry = CollectorRegistry()
    families = [
        *SnapshotCollector(lambda: None).describe(),
        *ServiceMetrics(registry, ["jira"], "0").describe(),
        *MappingFilesCollector(registry, _Files).describe(),
    ]
    declared = {f.name + ("_total" if f.type == "counter" else "") for f in families}
    assert set(_documented()) == declared


def test_catalogue_labels_match_the_code() -> None:
    """Every series carries exactly the documented label names."""
    assert _documented() == _declared()
