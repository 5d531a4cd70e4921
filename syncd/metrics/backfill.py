"""Past snapshots as timestamped OpenMetrics text, for ``promtool tsdb create-blocks-from
openmetrics``.

Each snapshot is rendered by ``snapshot_families`` (the mapping ``/metrics`` serves), so a
backfilled series has the name and labels of the live one; every sample carries the
snapshot's time, in whole seconds as OpenMetrics wants. A document is the steps one after
the other, each with its ``# HELP``/``# TYPE`` lines, then one ``# EOF``. A step's block::

    # HELP syncd_work_share_ratio Share of classified completed work in the window. ...
    # TYPE syncd_work_share_ratio gauge
    syncd_work_share_ratio{category="",team="platform",weighting="issues",window="30d",work_class="technology"} 0.62 1748995200
    ...
    syncd_snapshot_timestamp_seconds 1.7489952e+09 1748995200

(OpenMetrics asks each family's samples to be contiguous; promtool reads them step after
step, which is what lets the document be written while the steps are computed.)
"""  # noqa: E501 - exposition lines are shown whole

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import BinaryIO

from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric
from prometheus_client.openmetrics.exposition import generate_latest

from syncd.analytics import Snapshot
from syncd.metrics.snapshot_collector import snapshot_families

__all__ = ["EOF", "timestamped_exposition", "write_openmetrics"]

EOF = b"# EOF\n"


def timestamped_exposition(snapshot: Snapshot, labels: Mapping[str, str] | None = None) -> bytes:
    """*snapshot*'s series in OpenMetrics text, each sample stamped with the snapshot's time
    (whole seconds) and carrying *labels* besides its own; without the final ``# EOF``."""
    stamp = int(snapshot.computed_at.timestamp())
    extra = dict(labels or {})
    families = [_stamped(family, stamp, extra) for family in snapshot_families(snapshot)]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    rendered: bytes = generate_latest(registry)  # type: ignore[no-untyped-call]
    return rendered.removesuffix(EOF)


def write_openmetrics(
    snapshots: Iterable[Snapshot],
    output: BinaryIO,
    labels: Mapping[str, str] | None = None,
    on_step: Callable[[Snapshot], None] | None = None,
) -> int:
    """Write *snapshots* to *output* as one OpenMetrics document, each as it comes (nothing
    of an earlier step is held), then ``# EOF``; call *on_step* after each. Returns the
    number of steps written."""
    steps = 0
    for snapshot in snapshots:
        output.write(timestamped_exposition(snapshot, labels))
        steps += 1
        if on_step is not None:
            on_step(snapshot)
    output.write(EOF)
    return steps


def _stamped(family: Metric, stamp: int, labels: Mapping[str, str]) -> Metric:
    copy = Metric(family.name, family.documentation, family.type, family.unit)
    copy.samples = [
        sample._replace(labels={**sample.labels, **labels}, timestamp=stamp)
        for sample in family.samples
    ]
    return copy


class _Fixed:
    """A collector over families built already."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families
