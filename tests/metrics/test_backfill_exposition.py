"""The backfill's OpenMetrics steps against ``generate_latest``'s rendering of each snapshot."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric
from prometheus_client.openmetrics.exposition import generate_latest

from syncd.analytics import Snapshot
from syncd.metrics.backfill import EOF, write_openmetrics
from syncd.metrics.snapshot_collector import snapshot_families

from .snapshots import row, snapshot

LABELS = {"job": "syncd", "note": 'a "quoted" back\\slash\nand a line\rand\u2028more'}


class _Fixed:
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


def _library_step(current: Snapshot) -> bytes:
    """The step as ``generate_latest`` renders the snapshot's families, stamped and labelled."""
    stamp = int(current.computed_at.timestamp())
    families = []
    for family in snapshot_families(current):
        copy = Metric(family.name, family.documentation, family.type, family.unit)
        copy.samples = [s._replace(labels={**s.labels, **LABELS}, timestamp=stamp)
                        for s in family.samples]  # fmt: skip
        families.append(copy)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    rendered: bytes = generate_latest(registry)  # type: ignore[no-untyped-call]
    return rendered.removesuffix(EOF)


def test_every_step_is_rendered_as_generate_latest_renders_it() -> None:
    """Series seen at an earlier step, new ones and other values (fractions, nothing, an
    infinite one) render byte for byte as the library renders each snapshot alone."""
    first = snapshot(row(share=0.25), row("product", share=None))
    later = dataclasses.replace(
        snapshot(row(share=1 / 3), row("product", share=float("inf")), row(team="growth")),
        computed_at=first.computed_at + timedelta(days=1),
    )
    output = io.BytesIO()

    steps = write_openmetrics([first, later, first], output, LABELS)

    expected = b"".join(_library_step(step) for step in (first, later, first)) + EOF
    assert (steps, output.getvalue()) == (3, expected)
