"""The snapshot round-trips through JSON for the store, and carries integrity counts."""

from __future__ import annotations

import json
from datetime import date

import pytest

from syncd.analytics import CapacityRow, CapacityTotals, Snapshot, compute_snapshot
from syncd.core.domain import KeyResult, Measure

from .builders import IN_PROGRESS, NOW, PRODUCT, TECH, UNCLASSIFIED, agreement, config, item


def _snapshot() -> Snapshot:
    items = [
        item(TECH, "tech_debt", points=3, seconds=5400),
        item(PRODUCT, points=2.5, key_result="KR1"),
        item(TECH, status=IN_PROGRESS, resolved=None, team="platform"),
        item(UNCLASSIFIED, team="data"),
    ]
    kr = KeyResult(
        "KR1", "O1", "t", ("checkout",), date(2025, 4, 1), date(2025, 6, 30), Measure.ISSUE_COUNT, 3
    )
    bands = [
        agreement("debt", category="tech_debt", low=0.6),
        agreement("p", work_class="product", high=0.4),
    ]
    return compute_snapshot(items, bands, [kr], {"key_result_without_work": 2}, config(), NOW)


def test_to_dict_and_from_dict_round_trip_exactly_through_json() -> None:
    """Every row, window, absent value and time survives ``json.dumps``/``json.loads``."""
    snapshot = _snapshot()
    text = json.dumps(snapshot.to_dict())
    assert Snapshot.from_dict(json.loads(text)) == snapshot
    assert json.loads(text) == snapshot.to_dict()
    assert any(row.share is None for row in snapshot.shares)
    assert snapshot.integrity == (("key_result_without_work", 2),)


def test_from_dict_refuses_another_format() -> None:
    """A snapshot written by another layout version is refused, not misread."""
    data = _snapshot().to_dict() | {"format": 99}
    with pytest.raises(ValueError, match="format 99"):
        Snapshot.from_dict(data)


def test_items_are_read_once() -> None:
    """A generator of items is enough: the computation makes one pass."""
    snapshot = compute_snapshot((i for i in [item(TECH), item(PRODUCT)]), [], [], {}, config(), NOW)
    # teams (all, checkout) x classes (product, technology) x 3 windows x 4 weightings
    assert len(snapshot.shares) == 2 * 2 * 3 * 4
    assert {row.share for row in snapshot.shares if row.weighting == "issues"} == {0.5}
    # no points and no time logged: those shares have no denominator
    assert {row.share for row in snapshot.shares if row.weighting != "issues"} == {None}


def test_capacity_rows_round_trip_and_a_snapshot_from_before_capacity_still_reads() -> None:
    """Capacity rows survive JSON; a format-1 snapshot (written before the capacity
    weighting) reads with no capacity rows instead of being refused."""
    capacity = CapacityTotals(
        allocated={("checkout", "30d", ("technology", "")): 2.5},
        unallocated={("checkout", "30d"): 1.0},
    )
    items = [item(TECH)]
    snapshot = compute_snapshot(items, [], [], {}, config(), NOW, capacity=capacity)
    assert CapacityRow("checkout", "30d", 2.5, 1.0) in snapshot.capacity
    assert Snapshot.from_dict(json.loads(json.dumps(snapshot.to_dict()))) == snapshot

    older = snapshot.to_dict() | {"format": 1}
    del older["capacity"]
    assert Snapshot.from_dict(older).capacity == ()
