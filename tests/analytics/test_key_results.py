"""Key-result progress by its own measure, and progress expected for the time elapsed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from syncd.analytics import IssueState, KeyResultRow, WorkItem, compute_snapshot
from syncd.core.domain import Issue, KeyResult, Measure

from .builders import NOW, PRODUCT, config, item

_IN_Q2 = datetime(2025, 4, 2, tzinfo=UTC)
_IN_Q1 = datetime(2025, 3, 15, tzinfo=UTC)
_EXPECTED_Q2 = 49.5 / 91  # Apr 1 00:00 to May 20 12:00, of Apr 1 to Jul 1 (91 days)


def _kr(
    kr_id: str,
    measure: Measure,
    target: float,
    field: str | None = None,
    teams: tuple[str, ...] = ("checkout",),
) -> KeyResult:
    return KeyResult(
        key_result_id=kr_id,
        objective_id="SHOP-O1",
        title=kr_id,
        teams=teams,
        period_start=date(2025, 4, 1),
        period_end=date(2025, 6, 30),
        measure=measure,
        target=target,
        field=field,
    )


def _rows(items: list, key_results: list[KeyResult]) -> dict[tuple[str, str], KeyResultRow]:  # type: ignore[type-arg]
    snapshot = compute_snapshot(items, [], key_results, {}, config(), NOW)
    return {(row.key_result, row.team): row for row in snapshot.key_results}


def test_issue_count_progress_counts_linked_work_resolved_in_the_period() -> None:
    """2 linked issues done in Q2 of a target of 4 (one done in Q1 does not count): 0.5;
    expected 49.5 of 91 days."""
    items = [
        item(PRODUCT, key_result="KR1", resolved=_IN_Q2, points=3),
        item(PRODUCT, key_result="KR1", team="growth", points=2, seconds=1800),
        item(PRODUCT, key_result="KR1", resolved=_IN_Q1, points=8),
        item(PRODUCT, key_result="OTHER"),
    ]
    row = _rows(items, [_kr("KR1", Measure.ISSUE_COUNT, 4)])["KR1", "checkout"]
    assert (row.value, row.progress) == (2.0, 0.5)
    assert row.expected == pytest.approx(_EXPECTED_Q2)
    assert row.work == (("issues", 2.0), ("story_points", 5.0), ("time_spent", 0.5))


def test_story_points_and_field_sum_measures() -> None:
    """Points: 3 + 5 of 16. Field sum: 2.5 + 4, the non-numeric value counted unmeasurable."""
    items = [
        item(PRODUCT, key_result="PTS", points=3),
        item(PRODUCT, key_result="PTS", points=5),
        item(PRODUCT, key_result="SUM", custom={"revenue": 2.5}),
        item(PRODUCT, key_result="SUM", custom={"revenue": "4"}),
        item(PRODUCT, key_result="SUM", custom={"revenue": "lots"}),
        item(PRODUCT, key_result="SUM"),
    ]
    rows = _rows(
        items,
        [_kr("PTS", Measure.STORY_POINTS, 16), _kr("SUM", Measure.FIELD_SUM, 13, field="revenue")],
    )
    assert (rows["PTS", "checkout"].value, rows["PTS", "checkout"].progress) == (8.0, 0.5)
    summed = rows["SUM", "checkout"]
    assert (summed.value, summed.progress, summed.unmeasurable) == (6.5, 0.5, 2)


def test_each_owning_team_gets_the_same_figures_and_no_team_means_all() -> None:
    """A key result owned by two teams has a row per team; one with no team is under ``all``."""
    items = [item(PRODUCT, key_result="SHARED"), item(PRODUCT, key_result="ORG")]
    rows = _rows(
        items,
        [
            _kr("SHARED", Measure.ISSUE_COUNT, 2, teams=("checkout", "growth")),
            _kr("ORG", Measure.ISSUE_COUNT, 0, teams=()),
        ],
    )
    assert sorted(rows) == [("ORG", "all"), ("SHARED", "checkout"), ("SHARED", "growth")]
    assert rows["SHARED", "checkout"].progress == rows["SHARED", "growth"].progress == 0.5
    assert rows["ORG", "all"].progress is None


def test_expected_progress_is_clamped_to_the_period() -> None:
    """Before the period expected progress is 0, after it 1."""
    before = compute_snapshot(
        [], [], [_kr("K", Measure.ISSUE_COUNT, 1)], {}, config(), datetime(2025, 3, 1, tzinfo=UTC)
    )
    after = compute_snapshot(
        [], [], [_kr("K", Measure.ISSUE_COUNT, 1)], {}, config(), datetime(2025, 8, 1, tzinfo=UTC)
    )
    assert (before.key_results[0].expected, after.key_results[0].expected) == (0.0, 1.0)
    assert after.key_results[0].progress == 0.0


def test_a_state_built_for_the_measured_fields_keeps_only_those_and_measures_the_same() -> None:
    """A refresh keeps only the custom fields key results measure; the figures do not change."""
    full = [
        item(PRODUCT, key_result="SUM", custom={"revenue": 2.5, "notes": "x" * 500}),
        item(PRODUCT, key_result="SUM", custom={"notes": "y"}),
    ]
    lean = [
        found._replace(state=IssueState.of(_issue_of(found), measured={"revenue"}))
        for found in full
    ]
    assert [dict(found.state.custom) for found in lean] == [{"revenue": 2.5}, {}]
    key_results = [_kr("SUM", Measure.FIELD_SUM, 10, field="revenue")]
    assert _rows(lean, key_results) == _rows(full, key_results)


def _issue_of(found: WorkItem) -> Issue:
    state = found.state
    return Issue(
        source="jira",
        issue_id=1,
        key="SHOP-1",
        project="SHOP",
        issue_type="Story",
        summary="s",
        status="Done",
        status_category=state.status_category,
        created=NOW,
        updated=NOW,
        resolved=state.resolved,
        story_points=state.story_points or None,
        custom=dict(state.custom),
    )
