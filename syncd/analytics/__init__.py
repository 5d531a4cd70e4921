"""Drift analytics: shares of work against agreed bands, per team, window and weighting.

``compute_snapshot(items, agreements, key_results, integrity_counts, config, now)`` turns the
classified issues into a ``Snapshot`` the store keeps (``to_dict()``/``Snapshot.from_dict()``)
and the metrics collector and reports read. Pure: no store, no clock, no I/O. Definitions are
in docs/analytics.md.
"""

from __future__ import annotations

from syncd.analytics.capacity import CapacityTotals
from syncd.analytics.compute import compute_snapshot
from syncd.analytics.items import WEIGHTINGS, IssueState, WorkItem, weights_of
from syncd.analytics.rows import (
    ALL_TEAMS,
    CapacityRow,
    CoverageRow,
    DisagreementRow,
    KeyResultRow,
    ShareRow,
    Window,
)
from syncd.analytics.settings import AnalyticsConfig, WindowConfig
from syncd.analytics.snapshot import SNAPSHOT_FORMAT, Snapshot
from syncd.analytics.windows import quarter_bounds, resolve_windows

__all__ = [
    "ALL_TEAMS",
    "SNAPSHOT_FORMAT",
    "WEIGHTINGS",
    "AnalyticsConfig",
    "CapacityRow",
    "CapacityTotals",
    "CoverageRow",
    "DisagreementRow",
    "IssueState",
    "KeyResultRow",
    "ShareRow",
    "Snapshot",
    "Window",
    "WindowConfig",
    "WorkItem",
    "compute_snapshot",
    "quarter_bounds",
    "resolve_windows",
    "weights_of",
]
