"""Shares per weighting, reopened and deleted issues, coverage and absent shares."""

from __future__ import annotations

from datetime import UTC, datetime

from syncd.analytics import CoverageRow, DisagreementRow, compute_snapshot

from .builders import IN_PROGRESS, NOW, PRODUCT, TECH, TODO, UNCLASSIFIED, config, item, share


def _weighted_items() -> list:  # type: ignore[type-arg]
    return [
        item(PRODUCT, points=3, seconds=7200),
        item(PRODUCT, seconds=3600),
        item(TECH, "tech_debt", points=5),
    ]


def test_each_weighting_counts_its_own_unit() -> None:
    """Tech is 1 of 3 issues, 5 of 8 points (no points = 0) and 0 of 3 hours."""
    snapshot = compute_snapshot(_weighted_items(), [], [], {}, config(), NOW)
    assert [
        (row.completed, row.share)
        for row in (
            share(snapshot, "technology", weighting="issues"),
            share(snapshot, "technology", weighting="story_points"),
            share(snapshot, "technology", weighting="time_spent"),
        )
    ] == [(1.0, 1 / 3), (5.0, 5 / 8), (0.0, 0.0)]
    assert share(snapshot, "product", weighting="time_spent").completed == 3.0
    assert (
        share(snapshot, "technology", category="tech_debt", weighting="story_points").share == 5 / 8
    )


def test_weighting_disagreement_is_the_largest_minus_the_smallest_share() -> None:
    """Tech: 1/3 by issues, 5/8 by points, 0 by time: the spread is 5/8."""
    snapshot = compute_snapshot(_weighted_items(), [], [], {}, config(), NOW)
    found = [
        row
        for row in snapshot.disagreements
        if (row.team, row.work_class, row.window) == ("all", "technology", "30d")
    ]
    assert found == [
        DisagreementRow("all", "technology", "30d", 5 / 8, "time_spent", "story_points")
    ]


def test_reopened_issue_is_not_done_and_counts_as_work_in_progress() -> None:
    """An issue resolved in the window but in progress now is not completed; one reopened to
    to-do is neither completed nor in progress."""
    resolved = datetime(2025, 5, 1, tzinfo=UTC)
    items = [
        item(PRODUCT),
        item(TECH, status=IN_PROGRESS, resolved=resolved),
        item(TECH, status=TODO, resolved=resolved),
    ]
    snapshot = compute_snapshot(items, [], [], {}, config(weightings=("issues",)), NOW)
    tech = share(snapshot, "technology")
    assert (tech.completed, tech.in_progress, tech.share) == (0.0, 1.0, 0.0)


def test_deleted_issues_are_excluded_from_everything() -> None:
    """A deleted issue adds to no share, no coverage, no work in progress, and names no team."""
    items = [
        item(PRODUCT),
        item(TECH, deleted=True),
        item(TECH, status=IN_PROGRESS, deleted=True),
        item(UNCLASSIFIED, deleted=True),
        item(TECH, team="ghost", deleted=True),
    ]
    snapshot = compute_snapshot(items, [], [], {}, config(weightings=("issues",)), NOW)
    tech = share(snapshot, "technology")
    assert (tech.completed, tech.in_progress, tech.share) == (0.0, 0.0, 0.0)
    assert snapshot.teams == ("all", "checkout")
    coverage = [
        c for c in snapshot.coverage if (c.team, c.window, c.weighting) == ("all", "30d", "issues")
    ]
    assert coverage == [CoverageRow("all", "30d", "issues", 1.0, 0.0, 1.0)]


def test_coverage_is_classified_over_all_completed_work_per_weighting() -> None:
    """3 classified and 1 unclassified issue: coverage 3/4 by count, 8/10 by points; the
    unclassified issue is left out of the share denominator."""
    items = [*_weighted_items(), item(UNCLASSIFIED, points=2)]
    snapshot = compute_snapshot(items, [], [], {}, config(), NOW)
    rows = {
        c.weighting: c for c in snapshot.coverage if (c.team, c.window) == ("checkout", "quarter")
    }
    assert rows["issues"] == CoverageRow("checkout", "quarter", "issues", 3.0, 1.0, 3 / 4)
    assert rows["story_points"] == CoverageRow(
        "checkout", "quarter", "story_points", 8.0, 2.0, 8 / 10
    )
    assert share(snapshot, "technology", team="checkout", window="quarter").share == 1 / 3


def test_a_share_with_no_classified_work_is_absent_not_zero() -> None:
    """A team with only unclassified work has no share and no forecast; its coverage is 0."""
    items = [item(PRODUCT), item(UNCLASSIFIED, team="data")]
    snapshot = compute_snapshot(items, [], [], {}, config(weightings=("issues",)), NOW)
    row = share(snapshot, "product", team="data")
    assert (row.share, row.forecast_share, row.drift) == (None, None, None)
    (coverage,) = [
        c for c in snapshot.coverage if (c.team, c.window, c.weighting) == ("data", "30d", "issues")
    ]
    assert coverage.coverage == 0.0


def test_teams_and_the_organisation_sum_per_team() -> None:
    """``all`` adds every team's work; each team sees only its own."""
    items = [
        item(PRODUCT, team="checkout"),
        item(TECH, team="platform"),
        item(TECH, team="platform"),
    ]
    snapshot = compute_snapshot(items, [], [], {}, config(weightings=("issues",)), NOW)
    assert share(snapshot, "technology").share == 2 / 3
    assert share(snapshot, "technology", team="platform").share == 1.0
    assert share(snapshot, "technology", team="checkout").share == 0.0
    assert snapshot.teams == ("all", "checkout", "platform")
