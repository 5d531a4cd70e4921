"""``compute_snapshot``: from work items, agreements and key results to one ``Snapshot``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from syncd.analytics.aggregate import aggregate
from syncd.analytics.bands import AgreementBook
from syncd.analytics.items import WorkItem
from syncd.analytics.key_results import key_result_rows
from syncd.analytics.rows import ALL_TEAMS
from syncd.analytics.settings import AnalyticsConfig
from syncd.analytics.shares import coverage_rows, disagreement_rows, share_rows
from syncd.analytics.snapshot import Snapshot
from syncd.analytics.windows import resolve_windows
from syncd.core.domain import Agreement, KeyResult, ensure_utc

__all__ = ["compute_snapshot"]


def compute_snapshot(  # noqa: PLR0917 - the agreed positional signature callers use
    items: Iterable[WorkItem],
    agreements: Iterable[Agreement],
    key_results: Iterable[KeyResult],
    integrity_counts: Mapping[str, int],
    config: AnalyticsConfig,
    now: datetime,
) -> Snapshot:
    """Compute every share, band, drift, forecast, key-result and coverage figure at *now*.

    *items* is read once. Teams are those of the items plus those named by team-specific
    agreements, after ``all`` (the whole organisation). See docs/analytics.md for every
    definition.
    """
    now = ensure_utc(now)
    windows = resolve_windows(config.windows, now)
    totals = aggregate(items, windows)
    book = AgreementBook(agreements)
    teams = (ALL_TEAMS, *sorted((set(totals.teams) | set(book.teams)) - {ALL_TEAMS}))
    shares = share_rows(totals, teams, windows, config.weightings, book)
    return Snapshot(
        computed_at=now,
        windows=windows,
        weightings=config.weightings,
        shares=shares,
        disagreements=disagreement_rows(shares),
        key_results=key_result_rows(key_results, totals.linked, config.weightings, now),
        coverage=coverage_rows(totals, teams, windows),
        integrity=tuple(sorted((str(k), int(v)) for k, v in integrity_counts.items())),
    )
