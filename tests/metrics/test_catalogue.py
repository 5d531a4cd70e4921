"""docs/metrics.md lists exactly the series the collectors declare, with their types."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry

from syncd.metrics import ServiceMetrics, SnapshotCollector

from .snapshots import row, snapshot

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


def _declared() -> dict[str, tuple[str, tuple[str, ...]]]:
    current = snapshot(row(), row("product", band=(None, 0.7)))
    health = ServiceMetrics(CollectorRegistry(), ["jira"], "0")
    health.rejected("jira", "missing_title")
    families = [*SnapshotCollector(lambda: current).collect(), *health.collect()]
    declared = {}
    for family in families:
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = {label for sample in family.samples for label in sample.labels}
        declared[name] = (family.type, tuple(sorted(labels)))
    return declared


def test_catalogue_names_match_what_describe_declares() -> None:
    """No declared family is undocumented and no documented series is missing."""
    families = [
        *SnapshotCollector(lambda: None).describe(),
        *ServiceMetrics(CollectorRegistry(), ["jira"], "0").describe(),
    ]
    declared = {f.name + ("_total" if f.type == "counter" else "") for f in families}
    assert set(_documented()) == declared


def test_catalogue_labels_match_the_code() -> None:
    """Every series carries exactly the documented label names."""
    assert _documented() == _declared()
