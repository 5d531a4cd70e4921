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
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

from syncd.analytics import Snapshot
from syncd.metrics.snapshot_collector import snapshot_families

__all__ = ["EOF", "timestamped_exposition", "write_openmetrics", "write_steps"]

EOF = b"# EOF\n"


def timestamped_exposition(snapshot: Snapshot, labels: Mapping[str, str] | None = None) -> bytes:
    """*snapshot*'s series in OpenMetrics text, each sample stamped with the snapshot's time
    (whole seconds) and carrying *labels* besides its own; without the final ``# EOF``."""
    return _Exposition(labels)(snapshot)


def write_openmetrics(
    snapshots: Iterable[Snapshot],
    output: BinaryIO,
    labels: Mapping[str, str] | None = None,
    on_step: Callable[[Snapshot], None] | None = None,
) -> int:
    """Write *snapshots* to *output* as one OpenMetrics document (``write_steps``, then
    ``# EOF``). Returns the number of steps written."""
    steps = write_steps(snapshots, output, labels, on_step)
    output.write(EOF)
    return steps


def write_steps(
    snapshots: Iterable[Snapshot],
    output: BinaryIO,
    labels: Mapping[str, str] | None = None,
    on_step: Callable[[Snapshot], None] | None = None,
) -> int:
    """Write each of *snapshots* to *output* as it comes (nothing of an earlier step is
    held), without the final ``# EOF``, so that runs of steps written apart can be joined;
    call *on_step* after each. Returns the number of steps written."""
    steps = 0
    exposition = _Exposition(labels)
    for snapshot in snapshots:
        output.write(exposition(snapshot))
        steps += 1
        if on_step is not None:
            on_step(snapshot)
    return steps


class _Exposition:
    """Snapshots rendered as ``generate_latest`` renders them, step after step.

    The steps repeat the same families and series with other values: each family's
    ``# HELP``/``# TYPE`` lines and each series' name and labels are rendered once, by
    ``generate_latest`` itself, and reused; a sample line adds its value and timestamp as
    ``generate_latest`` writes them. A family with a sample of another kind (no value, an
    exemplar) is rendered by ``generate_latest`` whole.
    """

    def __init__(self, labels: Mapping[str, str] | None) -> None:
        self._labels = dict(labels or {})
        self._headers: dict[tuple[str, str, str, str], str] = {}
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def __call__(self, snapshot: Snapshot) -> bytes:
        stamp = int(snapshot.computed_at.timestamp())
        parts: list[str] = []
        for family in snapshot_families(snapshot):
            if not all(_plain(sample) for sample in family.samples):
                parts.append(_rendered([_stamped(family, stamp, self._labels)]))
                continue
            parts.append(self._header(family))
            self._render_new(family)
            for sample in family.samples:
                series = self._series[sample.name, tuple(sample.labels.items())]
                value = floatToGoString(sample.value)  # type: ignore[no-untyped-call]
                parts.append(f"{series} {value} {stamp}\n")
        return "".join(parts).encode("utf-8")

    def _header(self, family: Metric) -> str:
        key = (family.name, family.documentation, family.type, family.unit)
        header = self._headers.get(key)
        if header is None:
            header = self._headers[key] = _rendered([_stamped(family, 0, {}, samples=())])
        return header

    def _render_new(self, family: Metric) -> None:
        """Render the series of *family* not seen before, all in one call."""
        new = {(sample.name, tuple(sample.labels.items())): sample._replace(value=0.0)
               for sample in family.samples
               if (sample.name, tuple(sample.labels.items())) not in self._series}  # fmt: skip
        if not new:
            return
        lines = _rendered([_stamped(family, 0, self._labels, samples=new.values())])
        # One line per sample, in order (a newline inside a label value is escaped).
        samples = lines.removeprefix(self._header(family)).removesuffix("\n").split("\n")
        for key, line in zip(new, samples, strict=True):
            self._series[key] = line.removesuffix(" 0.0 0")


def _plain(sample: Sample) -> bool:
    """A sample with a value and nothing besides (what every snapshot family holds)."""
    return (
        isinstance(sample.value, float | int)
        and sample.exemplar is None
        and getattr(sample, "native_histogram", None) is None
    )


def _rendered(families: list[Metric]) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    rendered: bytes = generate_latest(registry)  # type: ignore[no-untyped-call]
    return rendered.removesuffix(EOF).decode("utf-8")


def _stamped(
    family: Metric, stamp: int, labels: Mapping[str, str], samples: Iterable[Sample] | None = None
) -> Metric:
    copy = Metric(family.name, family.documentation, family.type, family.unit)
    copy.samples = [
        sample._replace(labels={**sample.labels, **labels}, timestamp=stamp)
        for sample in (family.samples if samples is None else samples)
    ]
    return copy


class _Fixed:
    """A collector over families built already."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families
