"""Comparing the backfill's sweep with the as-of figures computed from scratch."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from syncd.analytics import AnalyticsConfig, Snapshot
from syncd.analytics.history import issue_as_of
from syncd.app.as_of import StoredContext, snapshot_at
from syncd.app.backfill import replayed_snapshots
from syncd.app.mapping_files import MappingFiles
from syncd.core.domain import FieldChange, Issue

__all__ = ["assert_same_figures", "assert_sweep_equals_from_scratch"]


def from_scratch(
    stored: Sequence[tuple[Issue, tuple[FieldChange, ...]]],
    context: StoredContext,
    files: MappingFiles,
    analytics: AnalyticsConfig,
    moment: datetime,
) -> Snapshot:
    issues, histories = [], []
    for issue, changes in stored:
        then = issue_as_of(issue, changes, moment)
        if then is not None:
            issues.append(then)
            histories.append(changes)
    return snapshot_at(issues, histories, context, files, analytics, moment)


def assert_same_figures(found: Snapshot, expected: Snapshot) -> None:
    """Equal snapshots, amounts compared to a relative 1e-9 (sums of the same fractional
    hours taken in another order may differ in their last bits); everything else exactly."""
    _assert_close(found.to_dict(), expected.to_dict(), f"at {expected.computed_at}")


def _assert_close(found: Any, expected: Any, where: str) -> None:
    if isinstance(expected, float) and isinstance(found, float):
        assert math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-12), where
    elif isinstance(expected, dict):
        assert isinstance(found, dict), where
        assert found.keys() == expected.keys(), where
        for key in expected:
            _assert_close(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list), where
        assert len(found) == len(expected), f"{where}: {found} != {expected}"
        for index, (one, other) in enumerate(zip(found, expected, strict=True)):
            _assert_close(one, other, f"{where}[{index}]")
    else:
        assert found == expected, f"{where}: {found!r} != {expected!r}"


def assert_sweep_equals_from_scratch(
    stored: Sequence[tuple[Issue, tuple[FieldChange, ...]]],
    context: StoredContext,
    files: MappingFiles,
    analytics: AnalyticsConfig,
    moments: Iterable[datetime],
) -> int:
    """Every swept snapshot equals the from-scratch one at its moment; the number compared."""
    moments = list(moments)
    swept = replayed_snapshots(stored, context, files, analytics, moments)
    compared = 0
    for moment, found in zip(moments, swept, strict=True):
        assert found.computed_at == moment
        assert_same_figures(found, from_scratch(stored, context, files, analytics, moment))
        compared += 1
    return compared
