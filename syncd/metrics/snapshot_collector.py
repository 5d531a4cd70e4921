"""The drift metrics: a custom collector that turns the latest analytics snapshot into series.

Family names, units and labels are in ``syncd.metrics.snapshot_families``; this module maps
the snapshot's rows onto them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

from syncd.analytics import ALL_TEAMS, ShareRow, Snapshot
from syncd.metrics.snapshot_families import (
    CATALOGUE,
    INTEGRITY_KINDS,
    WEIGHTING_UNITS,
    FamilySet,
    amount,
    org_or_team,
)

__all__ = ["INTEGRITY_KINDS", "SnapshotCollector", "snapshot_families"]

_RATIOS = {
    "share": "work_share_ratio",
    "drift": "work_share_drift_ratio",
    "forecast_share": "work_forecast_share_ratio",
}
_AMOUNTS = {
    "completed": "work_completed",
    "in_progress": "work_in_progress",
    "recovery_needed": "work_recovery_needed",
}


class SnapshotCollector:
    """Exposes the latest analytics snapshot; builds its families once per snapshot.

    The families are rebuilt when *latest* returns a different snapshot object, and reused
    for every scrape of the same one (a snapshot is immutable), so a scrape costs only the
    exposition's formatting, not thousands of family and sample objects.

    *latest* must return a snapshot already in memory (the daemon caches the one it last wrote
    or read): ``collect()`` never queries the store. Absent values (a share with no classified
    work, a drift with no agreement) are absent series, never 0 or NaN. The organisation's
    rows go to the ``syncd_org_`` families, never under a ``team`` label; a key result with
    no owning team has ``team=""``. Amounts are in their family's unit (time in seconds).
    With no snapshot yet, nothing is exported. ``describe()`` lists the families without
    calling *latest*, so registering the collector costs nothing. Sample exposition::

        # HELP syncd_work_share_ratio Share of classified completed work in the window. ...
        # TYPE syncd_work_share_ratio gauge
        syncd_work_share_ratio{category="",team="platform",weighting="issues",window="30d",work_class="technology"} 0.62
        syncd_work_share_agreement_info{agreement="platform-technology",category="",team="platform",weighting="issues",window="90d",work_class="technology"} 1.0
        syncd_work_completed_seconds{category="",team="platform",window="30d",work_class="technology"} 288000.0
        syncd_org_work_share_target_ratio{bound="min",category="tech_debt",window="quarter",work_class="technology"} 0.2
        syncd_org_work_share_drift_ratio{category="tech_debt",weighting="story_points",window="quarter",work_class="technology"} -0.05
        syncd_org_work_recovery_needed_story_points{category="tech_debt",window="quarter",work_class="technology"} 31.25
        syncd_key_result_progress_ratio{key_result="SHOP-KR1",team="checkout"} 0.4
        syncd_org_classification_coverage_ratio{window="30d"} 0.91
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
        return [family.empty() for family in CATALOGUE]

    def collect(self) -> Iterable[Metric]:
        """The families of the snapshot *latest* returns now (built on its first scrape)."""
        snapshot = self._latest()
        if snapshot is None:
            return []
        with self._lock:
            if self._built is None or self._built[0] is not snapshot:
                self._built = (snapshot, snapshot_families(snapshot))
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


def snapshot_families(snapshot: Snapshot) -> list[Metric]:
    """The families of *snapshot*, in catalogue order: the one mapping of a snapshot onto
    series, shared by ``/metrics`` and ``syncd backfill``."""
    families = FamilySet()
    _shares(families, snapshot.shares)
    _targets(families, snapshot.shares)
    _disagreements(families, snapshot)
    _key_results(families, snapshot)
    _coverage(families, snapshot)
    _unallocated(families, snapshot)
    for kind, count in (dict.fromkeys(INTEGRITY_KINDS, 0) | dict(snapshot.integrity)).items():
        families.add("syncd_integrity_problems", [kind], count)
    families.add("syncd_snapshot_timestamp_seconds", [], snapshot.computed_at.timestamp())
    return families.metrics()


def _scope(team: str) -> tuple[bool, list[str]]:
    """Whether *team* is the organisation, and the leading labels of its series."""
    return (True, []) if team == ALL_TEAMS else (False, [team])


def _shares(families: FamilySet, rows: Iterable[ShareRow]) -> None:
    for row in rows:
        org, labels = _scope(row.team)
        subject = [*labels, row.work_class, row.category, row.window]
        for field, stem in _RATIOS.items():
            value = getattr(row, field)
            if value is not None:
                families.add(org_or_team(stem, org), [*subject, row.weighting], value)
        factor = WEIGHTING_UNITS[row.weighting][1]
        for field, stem in _AMOUNTS.items():
            value = getattr(row, field)
            if value is not None:
                families.add(amount(stem, row.weighting, org), subject, value * factor)
        if row.judged and row.agreement_id is not None:
            name = org_or_team("work_share_agreement_info", org)
            families.add(name, [*subject, row.weighting, row.agreement_id], 1.0)


def _targets(families: FamilySet, rows: Iterable[ShareRow]) -> None:
    seen: set[tuple[str, ...]] = set()
    for row in rows:
        subject = (row.team, row.work_class, row.category, row.window)
        if row.agreement_id is None or subject in seen:
            continue
        seen.add(subject)
        org, labels = _scope(row.team)
        for bound, value in (("min", row.band_min), ("max", row.band_max)):
            if value is not None:
                families.add(
                    org_or_team("work_share_target_ratio", org),
                    [*labels, *subject[1:], bound],
                    value,
                )


def _disagreements(families: FamilySet, snapshot: Snapshot) -> None:
    for row in snapshot.disagreements:
        org, labels = _scope(row.team)
        name = org_or_team("weighting_disagreement_ratio", org)
        families.add(name, [*labels, row.work_class, row.window], row.spread)


def _key_results(families: FamilySet, snapshot: Snapshot) -> None:
    for row in snapshot.key_results:
        # A key result that no team owns belongs to nobody in particular, not to a team "all".
        labels = [row.key_result, "" if row.team == ALL_TEAMS else row.team]
        if row.progress is not None:
            families.add("syncd_key_result_progress_ratio", labels, row.progress)
        families.add("syncd_key_result_expected_progress_ratio", labels, row.expected)
        for weighting, value in row.work:
            if weighting in WEIGHTING_UNITS:
                families.add(
                    amount("key_result_work", weighting),
                    labels,
                    value * WEIGHTING_UNITS[weighting][1],
                )


def _coverage(families: FamilySet, snapshot: Snapshot) -> None:
    for row in snapshot.coverage:
        org, labels = _scope(row.team)
        if row.weighting == "issues" and row.coverage is not None:
            name = org_or_team("classification_coverage_ratio", org)
            families.add(name, [*labels, row.window], row.coverage)
        if row.weighting in snapshot.weightings:
            factor = WEIGHTING_UNITS[row.weighting][1]
            name = amount("unclassified_work", row.weighting, org)
            families.add(name, [*labels, row.window], row.unclassified * factor)


def _unallocated(families: FamilySet, snapshot: Snapshot) -> None:
    for row in snapshot.capacity:
        org, labels = _scope(row.team)
        name = org_or_team("capacity_unallocated_persondays", org)
        families.add(name, [*labels, row.window], row.unallocated)
