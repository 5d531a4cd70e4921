"""Decisions: bulk replacement with counts, and history only when the outcome changes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from store_builders import SOURCE, T0, FixedClock

from syncd.core.domain import Decision, WorkClass
from syncd.store import DecisionCounts, DecisionRecord, Store


def _decision(issue_id: int, **changes: object) -> Decision:
    values: dict[str, object] = {
        "source": SOURCE,
        "issue_id": issue_id,
        "work_class": WorkClass.PRODUCT,
        "category": None,
        "key_result": "SHOP-KR1",
        "rule_id": "product-by-label",
        "ruleset_version": "v1",
        "path": (f"SHOP-{issue_id}",),
        "reason": "label feature",
    }
    values.update(changes)
    return Decision(**values)  # type: ignore[arg-type]


def test_new_decisions_are_changes_and_replays_are_not(store: Store) -> None:
    given = [_decision(i) for i in range(1, 6)]
    assert store.replace_decisions(given) == DecisionCounts(changed=5, unchanged=0)
    assert store.replace_decisions(given) == DecisionCounts(changed=0, unchanged=5)
    assert list(store.iter_decisions()) == given
    assert [len(store.decision_history(SOURCE, i)) for i in range(1, 6)] == [1] * 5


def test_history_grows_only_when_a_decision_changes(store: Store, clock: FixedClock) -> None:
    first = _decision(1)
    store.replace_decisions([first, _decision(2)])
    later = clock.advance(hours=1)
    second = replace(first, work_class=WorkClass.TECHNOLOGY, category="tech_debt", rule_id="debt")
    assert store.replace_decisions([second, _decision(2)]) == DecisionCounts(1, 1)
    assert store.decision_history(SOURCE, 1) == [
        DecisionRecord(first, T0),
        DecisionRecord(second, later),
    ]
    assert store.decision_history(SOURCE, 2) == [DecisionRecord(_decision(2), T0)]
    assert store.decision_for(SOURCE, 1) == DecisionRecord(second, later)
    assert store.decision_for(SOURCE, 99) is None


def test_a_new_ruleset_version_deciding_the_same_adds_no_history(store: Store) -> None:
    store.replace_decisions([_decision(1)])
    restamped = _decision(1, ruleset_version="v2")
    assert store.replace_decisions([restamped]) == DecisionCounts(0, 1)
    assert store.decision_for(SOURCE, 1) == DecisionRecord(restamped, T0)
    assert len(store.decision_history(SOURCE, 1)) == 1


def test_the_last_of_duplicate_decisions_wins(store: Store) -> None:
    last = _decision(1, reason="second look")
    assert store.replace_decisions([_decision(1), last]) == DecisionCounts(1, 0)
    assert list(store.iter_decisions()) == [last]


def test_a_large_batch_spanning_chunks_is_counted_exactly(store: Store) -> None:
    given = [_decision(i) for i in range(12_000)]
    assert store.replace_decisions(given) == DecisionCounts(12_000, 0)
    flipped = [
        replace(d, work_class=WorkClass.TECHNOLOGY) if d.issue_id % 3 == 0 else d for d in given
    ]
    assert store.replace_decisions(flipped) == DecisionCounts(4_000, 8_000)
    assert sum(1 for d in store.iter_decisions() if d.work_class is WorkClass.TECHNOLOGY) == 4_000


@pytest.mark.parametrize(
    "given_ids",
    [
        list(range(0, 300, 2)),  # most of a range: read as one, the others skipped
        list(range(100, 200)),  # a whole range inside the stored ones
        [0, 150, 299],  # scattered: read by their ids
        [7],
    ],
    ids=["every-other", "whole-range", "scattered", "one"],
)
def test_a_batch_compares_with_exactly_its_own_stored_decisions(
    store: Store, given_ids: list[int]
) -> None:
    """However the given ids lie among the stored ones, each is compared with its own
    stored decision, and the decisions between them stay as they were."""
    stored = [_decision(i) for i in range(300)]
    store.replace_decisions(stored)
    given = [
        replace(_decision(i), work_class=WorkClass.TECHNOLOGY) if i % 3 == 0 else _decision(i)
        for i in given_ids
    ]
    flipped = sum(1 for i in given_ids if i % 3 == 0)
    assert store.replace_decisions(given) == DecisionCounts(flipped, len(given) - flipped)
    expected = {d.issue_id: d for d in stored} | {d.issue_id: d for d in given}
    assert list(store.iter_decisions()) == [expected[i] for i in range(300)]
