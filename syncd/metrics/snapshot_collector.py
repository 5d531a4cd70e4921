"""The drift metrics: a custom collector that turns the latest analytics snapshot into series."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

from syncd.analytics import ShareRow, Snapshot

__all__ = ["INTEGRITY_KINDS", "SnapshotCollector"]

INTEGRITY_KINDS: tuple[str, ...] = (
    "roadmap_item_without_jira_link",
    "epic_without_roadmap_item_or_key_result",
    "key_result_without_work",
    "link_to_unknown_jira_key",
    "link_to_unknown_key_result",
)
"""Integrity problem kinds always exported (at 0 when the snapshot has none of a kind)."""

_WORK = ("team", "work_class", "category", "window", "weighting")
_CACHED = " From the latest analytics snapshot (see syncd_snapshot_timestamp_seconds)."


@dataclass(frozen=True, slots=True)
class _Family:
    name: str
    help: str
    labels: tuple[str, ...]

    def empty(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(self.name, self.help + _CACHED, labels=self.labels)


_SHARE_FIELDS: dict[str, _Family] = {
    "share": _Family(
        "syncd_work_share_ratio", "Share of classified completed work in the window.", _WORK
    ),
    "drift": _Family(
        "syncd_work_share_drift_ratio",
        "Share minus the nearest edge of the agreed band; 0 inside the band.",
        _WORK,
    ),
    "recovery_needed": _Family(
        "syncd_work_recovery_needed",
        "Extra completed work of this subject, in the weighting's unit, that brings the share "
        "back to the band's minimum.",
        _WORK,
    ),
    "forecast_share": _Family(
        "syncd_work_forecast_share_ratio",
        "Share if all work in progress completed within the window.",
        _WORK,
    ),
    "completed": _Family(
        "syncd_work_completed", "Completed work in the window, in the weighting's unit.", _WORK
    ),
    "in_progress": _Family(
        "syncd_work_in_progress", "Work in progress now, in the weighting's unit.", _WORK
    ),
}
_TARGET = _Family(
    "syncd_work_share_target_ratio",
    "Edge of the agreed share band in force for the window.",
    ("team", "work_class", "category", "window", "bound"),
)
_DISAGREEMENT = _Family(
    "syncd_weighting_disagreement_ratio",
    "Largest share minus smallest share of a work class across weightings.",
    ("team", "work_class", "window"),
)
_KR_PROGRESS = _Family(
    "syncd_key_result_progress_ratio",
    "Key-result progress towards its target by its own measure.",
    ("key_result", "team"),
)
_KR_EXPECTED = _Family(
    "syncd_key_result_expected_progress_ratio",
    "Key-result progress expected for the time elapsed in its period.",
    ("key_result", "team"),
)
_KR_WORK = _Family(
    "syncd_key_result_work",
    "Completed work linked to the key result within its period, in the weighting's unit.",
    ("key_result", "team", "weighting"),
)
_COVERAGE = _Family(
    "syncd_classification_coverage_ratio",
    "Classified share of completed issues (by issue count) in the window.",
    ("team", "window"),
)
_UNCLASSIFIED = _Family(
    "syncd_unclassified_work",
    "Unclassified completed work in the window, in the weighting's unit.",
    ("team", "window", "weighting"),
)
_INTEGRITY = _Family(
    "syncd_integrity_problems", "Roadmap to Jira to key-result problems by kind.", ("kind",)
)
_TIMESTAMP = _Family(
    "syncd_snapshot_timestamp_seconds", "When the analytics snapshot was computed.", ()
)
_FAMILIES: tuple[_Family, ...] = (
    *_SHARE_FIELDS.values(),
    _TARGET,
    _DISAGREEMENT,
    _KR_PROGRESS,
    _KR_EXPECTED,
    _KR_WORK,
    _COVERAGE,
    _UNCLASSIFIED,
    _INTEGRITY,
    _TIMESTAMP,
)


class SnapshotCollector:
    """Exposes the latest analytics snapshot; builds its families once per snapshot.

    The families are rebuilt when *latest* returns a different snapshot object, and reused
    for every scrape of the same one (a snapshot is immutable), so a scrape costs only the
    exposition's formatting, not thousands of family and sample objects.

    *latest* must return a snapshot already in memory (the daemon caches the one it last wrote
    or read): ``collect()`` never queries the store. Absent values (a share with no classified
    work, a drift with no agreement) are absent series, never 0 or NaN. With no snapshot yet,
    nothing is exported. ``describe()`` lists the families without calling *latest*, so
    registering the collector costs nothing. Sample exposition::

        # HELP syncd_work_share_ratio Share of classified completed work in the window. ...
        # TYPE syncd_work_share_ratio gauge
        syncd_work_share_ratio{category="",team="platform",weighting="issues",window="30d",work_class="technology"} 0.62
        syncd_work_share_target_ratio{bound="min",category="tech_debt",team="all",window="quarter",work_class="technology"} 0.2
        syncd_work_share_drift_ratio{category="tech_debt",team="all",weighting="story_points",window="quarter",work_class="technology"} -0.05
        syncd_work_recovery_needed{category="tech_debt",team="all",weighting="story_points",window="quarter",work_class="technology"} 31.25
        syncd_key_result_progress_ratio{key_result="SHOP-KR1",team="checkout"} 0.4
        syncd_classification_coverage_ratio{team="all",window="30d"} 0.91
        syncd_integrity_problems{kind="key_result_without_work"} 2.0
        syncd_snapshot_timestamp_seconds 1.7477424e+09
    """  # noqa: E501 - exposition lines are shown whole

    def __init__(self, latest: Callable[[], Snapshot | None]) -> None:
        self._latest = latest
        self._lock = threading.Lock()
        self._built: tuple[Snapshot, list[Metric]] | None = None
        self._rendered: tuple[Snapshot | None, dict[bool, bytes]] = (None, {})

    def describe(self) -> Iterable[Metric]:
        """Every family this collector may export, without samples."""
        return [family.empty() for family in _FAMILIES]

    def collect(self) -> Iterable[Metric]:
        """The families of the snapshot *latest* returns now (built on its first scrape)."""
        snapshot = self._latest()
        if snapshot is None:
            return []
        with self._lock:
            if self._built is None or self._built[0] is not snapshot:
                self._built = (snapshot, _families(snapshot))
            return self._built[1]

    def exposition(self, openmetrics: bool = False) -> bytes:
        """The current snapshot's series as exposition text, rendered once per snapshot.

        Formatting costs about 10 µs a series (tens of milliseconds for a large
        organisation), so ``/metrics`` serves these bytes instead of formatting the same
        snapshot on every scrape. The OpenMetrics form has no ``# EOF`` line: the caller
        appends these bytes to the live series before it. Empty with no snapshot yet.
        """
        snapshot = self._latest()
        if snapshot is None:
            return b""
        with self._lock:
            owner, texts = self._rendered
            found = texts.get(openmetrics) if owner is snapshot else None
        if found is not None:
            return found
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Fixed(self.collect()))
        if openmetrics:
            rendered = openmetrics_latest(registry)  # type: ignore[no-untyped-call]
            text = bytes(rendered).removesuffix(b"# EOF\n")
        else:
            text = generate_latest(registry)
        with self._lock:
            owner, texts = self._rendered
            kept = texts if owner is snapshot else {}
            # Holding the snapshot itself (not its id) keeps a newer one from matching.
            self._rendered = (snapshot, {**kept, openmetrics: text})
        return text


class _Fixed:
    """A collector over families built already."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families


def _families(snapshot: Snapshot) -> list[Metric]:
    return [
        *_share_families(snapshot.shares),
        _targets(snapshot.shares),
        _disagreements(snapshot),
        *_key_results(snapshot),
        *_coverage(snapshot),
        _integrity(snapshot),
        _timestamp(snapshot),
    ]


def _work_labels(row: ShareRow) -> list[str]:
    return [row.team, row.work_class, row.category, row.window, row.weighting]


def _share_families(rows: tuple[ShareRow, ...]) -> Iterator[GaugeMetricFamily]:
    for field, family in _SHARE_FIELDS.items():
        metric = family.empty()
        for row in rows:
            value = getattr(row, field)
            if value is not None:
                metric.add_metric(_work_labels(row), value)
        yield metric


def _targets(rows: tuple[ShareRow, ...]) -> GaugeMetricFamily:
    metric = _TARGET.empty()
    seen: set[tuple[str, ...]] = set()
    for row in rows:
        subject = (row.team, row.work_class, row.category, row.window)
        if row.agreement_id is None or subject in seen:
            continue
        seen.add(subject)
        for bound, value in (("min", row.band_min), ("max", row.band_max)):
            if value is not None:
                metric.add_metric([*subject, bound], value)
    return metric


def _disagreements(snapshot: Snapshot) -> GaugeMetricFamily:
    metric = _DISAGREEMENT.empty()
    for row in snapshot.disagreements:
        metric.add_metric([row.team, row.work_class, row.window], row.spread)
    return metric


def _key_results(snapshot: Snapshot) -> tuple[GaugeMetricFamily, ...]:
    progress, expected, work = _KR_PROGRESS.empty(), _KR_EXPECTED.empty(), _KR_WORK.empty()
    for row in snapshot.key_results:
        labels = [row.key_result, row.team]
        if row.progress is not None:
            progress.add_metric(labels, row.progress)
        expected.add_metric(labels, row.expected)
        for weighting, amount in row.work:
            work.add_metric([*labels, weighting], amount)
    return progress, expected, work


def _coverage(snapshot: Snapshot) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
    coverage, unclassified = _COVERAGE.empty(), _UNCLASSIFIED.empty()
    for row in snapshot.coverage:
        if row.weighting == "issues" and row.coverage is not None:
            coverage.add_metric([row.team, row.window], row.coverage)
        if row.weighting in snapshot.weightings:
            unclassified.add_metric([row.team, row.window, row.weighting], row.unclassified)
    return coverage, unclassified


def _integrity(snapshot: Snapshot) -> GaugeMetricFamily:
    metric = _INTEGRITY.empty()
    counts = dict.fromkeys(INTEGRITY_KINDS, 0) | dict(snapshot.integrity)
    for kind, count in counts.items():
        metric.add_metric([kind], count)
    return metric


def _timestamp(snapshot: Snapshot) -> GaugeMetricFamily:
    metric = _TIMESTAMP.empty()
    metric.add_metric([], snapshot.computed_at.timestamp())
    return metric
