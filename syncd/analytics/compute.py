"""``compute_snapshot``: from work items, agreements and key results to one ``Snapshot``;
``snapshot_of`` the same from totals already summed (``aggregate.RunningTotals``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from syncd.analytics.aggregate import CLASSES, UNCLASSIFIED, Totals, aggregate, with_capacity
from syncd.analytics.bands import AgreementBook
from syncd.analytics.capacity import CapacityTotals
from syncd.analytics.items import WorkItem
from syncd.analytics.key_results import key_result_rows
from syncd.analytics.rows import ALL_TEAMS, CapacityRow, Window
from syncd.analytics.settings import AnalyticsConfig
from syncd.analytics.shares import coverage_rows, disagreement_rows, share_rows
from syncd.analytics.snapshot import Snapshot
from syncd.analytics.windows import resolve_windows
from syncd.core.domain import Agreement, KeyResult, ensure_utc

__all__ = ["compute_snapshot", "snapshot_of"]


def compute_snapshot(  # noqa: PLR0917 - the agreed positional signature callers use
    items: Iterable[WorkItem],
    agreements: Iterable[Agreement],
    key_results: Iterable[KeyResult],
    integrity_counts: Mapping[str, int],
    config: AnalyticsConfig,
    now: datetime,
    *,
    capacity: CapacityTotals | None = None,
) -> Snapshot:
    """Compute every share, band, drift, forecast, key-result and coverage figure at *now*.

    *items* is read once. Teams are those of the items plus those named by team-specific
    agreements, after ``all`` (the whole organisation). See docs/analytics.md for every
    definition.
    """
    now = ensure_utc(now)
    windows = resolve_windows(config.windows, now)
    totals = aggregate(items, windows)
    return snapshot_of(
        totals, windows, agreements, key_results, integrity_counts, config, now, capacity=capacity
    )


def snapshot_of(  # noqa: PLR0917 - compute_snapshot's inputs, the items summed already
    totals: Totals,
    windows: tuple[Window, ...],
    agreements: Iterable[Agreement],
    key_results: Iterable[KeyResult],
    integrity_counts: Mapping[str, int],
    config: AnalyticsConfig,
    now: datetime,
    *,
    capacity: CapacityTotals | None = None,
) -> Snapshot:
    """The snapshot at *now* of *totals*, summed over *windows* (``resolve_windows`` at
    *now*): every figure ``compute_snapshot`` computes from the items."""
    now = ensure_utc(now)
    if capacity is not None:
        totals = with_capacity(totals, capacity)
    book = AgreementBook(agreements)
    teams = (ALL_TEAMS, *sorted((set(totals.teams) | set(book.teams)) - {ALL_TEAMS}))
    shares = share_rows(totals, teams, windows, config.weightings, book)
    return Snapshot(
        computed_at=now,
        windows=windows,
        weightings=config.weightings,
        shares=shares,
        disagreements=disagreement_rows(shares),
        key_results=key_result_rows(key_results, totals.linked, _per_issue(config), now),
        coverage=coverage_rows(totals, teams, windows),
        integrity=tuple(sorted((str(k), int(v)) for k, v in integrity_counts.items())),
        capacity=_capacity_rows(capacity, teams, windows) if capacity is not None else (),
    )


def _per_issue(config: AnalyticsConfig) -> tuple[str, ...]:
    # Key-result work is summed over linked done issues; capacity is allocated per person and
    # day, not per issue, so key results are measured in the other weightings.
    return tuple(w for w in config.weightings if w != "capacity")


def _capacity_rows(
    capacity: CapacityTotals, teams: tuple[str, ...], windows: tuple[Window, ...]
) -> tuple[CapacityRow, ...]:
    rows = []
    for team in teams:
        for window in windows:
            allocated = sum(
                capacity.allocated.get((team, window.name, (work_class, "")), 0.0)
                for work_class in (*CLASSES, UNCLASSIFIED[0])
            )
            unallocated = capacity.unallocated.get((team, window.name), 0.0)
            rows.append(CapacityRow(team, window.name, allocated, unallocated))
    return tuple(rows)
