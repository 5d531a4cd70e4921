"""Roadmap snapshots replace atomically; OKR and agreement sets replace as a whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from syncd.core.domain import (
    Agreement,
    KeyResult,
    Measure,
    Objective,
    RejectedRecord,
    RoadmapItem,
    Subject,
)
from syncd.core.errors import StoreError
from syncd.store import Store
from syncd.store.schema import rejected_records

BOARD = "productboard"


def _item(item_id: str, **changes: object) -> RoadmapItem:
    values: dict[str, object] = {
        "source": BOARD,
        "item_id": item_id,
        "item_type": "feature",
        "title": f"Feature {item_id}",
        "start": date(2025, 1, 6),
        "end": date(2025, 3, 28),
        "team": "checkout",
        "jira_keys": ("SHOP-2",),
        "key_result": "SHOP-KR1",
        "raw": {"id": item_id},
    }
    values.update(changes)
    return RoadmapItem(**values)  # type: ignore[arg-type]


def _quarantined(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(rejected_records)).scalar_one()
        )


def test_a_roadmap_snapshot_replaces_the_previous_one(store: Store, engine: Engine) -> None:
    bad = RejectedRecord(BOARD, "row 7", "missing title", "id=7")
    assert store.replace_roadmap_items(BOARD, [_item("a"), _item("b")], [bad], "hash-1") == 2
    assert (
        store.replace_roadmap_items(BOARD, [_item("b", title="Renamed"), _item("c")], [], "hash-2")
        == 2
    )
    assert list(store.iter_roadmap_items()) == [_item("b", title="Renamed"), _item("c")]
    assert [item.raw for item in store.iter_roadmap_items()] == [{"id": "b"}, {"id": "c"}]
    assert store.roadmap_source_hash(BOARD) == "hash-2"
    assert store.roadmap_source_hash("aha") is None
    assert _quarantined(engine) == 0  # the old export's rejects went with it


def test_a_failing_roadmap_replacement_keeps_the_last_good_state(store: Store) -> None:
    store.replace_roadmap_items(BOARD, [_item("a"), _item("b")], [], "hash-1")
    broken = _item("c", title=None)  # violates NOT NULL after the old rows were deleted
    with pytest.raises(StoreError, match="cannot replace roadmap items"):
        store.replace_roadmap_items(BOARD, [_item("z"), broken], [], "hash-2")
    assert [item.item_id for item in store.iter_roadmap_items()] == ["a", "b"]
    assert store.roadmap_source_hash(BOARD) == "hash-1"


def test_roadmap_sources_are_independent(store: Store) -> None:
    store.replace_roadmap_items(BOARD, [_item("a")], [], "h1")
    store.replace_roadmap_items("aha", [_item("x", source="aha")], [], "h2")
    store.replace_roadmap_items(BOARD, [], [], "h3")
    assert [(i.source, i.item_id) for i in store.iter_roadmap_items()] == [("aha", "x")]


OBJECTIVE = Objective("O1", "Checkout converts", ("checkout",), date(2025, 1, 1), date(2025, 3, 31))
RESULT = KeyResult(
    "SHOP-KR1",
    "O1",
    "Cart abandonment -5pt",
    ("checkout",),
    date(2025, 1, 1),
    date(2025, 3, 31),
    Measure.STORY_POINTS,
    40.0,
)
AGREEMENT = Agreement(
    "tech-share",
    Subject(work_class="technology"),
    None,
    0.2,
    0.35,
    date(2025, 1, 1),
    None,
    "cto",
    "quarterly agreement",
)


def test_okrs_replace_as_a_set_and_report_change(store: Store) -> None:
    assert store.replace_okrs([OBJECTIVE], [RESULT]) is True
    assert store.replace_okrs([OBJECTIVE], [RESULT]) is False
    retargeted = replace(RESULT, target=50.0, field="customfield_1")
    assert store.replace_okrs([OBJECTIVE], [retargeted]) is True
    assert (store.objectives(), store.key_results()) == ([OBJECTIVE], [retargeted])
    assert store.replace_okrs([], []) is True
    assert (store.objectives(), store.key_results()) == ([], [])


def test_agreements_replace_as_a_set_and_report_change(store: Store) -> None:
    debt = replace(
        AGREEMENT, agreement_id="debt", subject=Subject(category="tech_debt"), team="platform"
    )
    assert store.replace_agreements([AGREEMENT, debt]) is True
    assert store.replace_agreements([debt, AGREEMENT]) is False
    assert store.agreements() == [debt, AGREEMENT]
    assert store.replace_agreements([debt]) is True
    assert store.agreements() == [debt]
