"""``WorkIndex``: a figure's issues, sorted and paged, adding up to the snapshot's figure."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from mappings import team_of
from syncd.analytics import AnalyticsConfig, WorkItem, compute_snapshot
from syncd.core.domain import Decision, Issue, StatusCategory, WorkClass
from syncd.web.drilldown import Figure, WorkIndex

_NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
_CLASSES = (
    (WorkClass.PRODUCT, None),
    (WorkClass.TECHNOLOGY, "tech_debt"),
    (WorkClass.TECHNOLOGY, "ktlo"),
    (WorkClass.UNCLASSIFIED, None),
)
_STATES = (StatusCategory.DONE, StatusCategory.IN_PROGRESS, StatusCategory.NEW)


def _organisation(count: int, seed: int) -> list[tuple[Issue, Decision]]:
    """*count* issues over two teams, every class, state and age, with their decisions."""
    chooser = random.Random(seed)
    found = []
    for number in range(1, count + 1):
        state = chooser.choice(_STATES)
        resolved = _NOW - timedelta(days=chooser.randint(0, 200)) if state.value == "done" else None
        project = chooser.choice(("SHOP", "PLAT"))
        issue = Issue(
            source="jira",
            issue_id=number,
            key=f"{project}-{number}",
            project=project,
            issue_type=chooser.choice(("Story", "Bug", "Task")),
            summary=f"issue {chooser.randint(0, 999)}",
            status=state.value,
            status_category=state,
            created=_NOW - timedelta(days=300),
            updated=_NOW,
            resolved=resolved,
            story_points=chooser.choice((None, 1.0, 3.0, 8.0)),
            time_spent_seconds=chooser.choice((None, 3600, 27000)),
        )
        work_class, category = chooser.choice(_CLASSES)
        decision = Decision(
            "jira", number, work_class, category, None, None, "v1", (issue.key,), "test"
        )
        found.append((issue, decision))
    return found


def test_every_figure_of_the_snapshot_is_the_sum_of_its_listed_weights() -> None:
    """For every share row of a snapshot computed from the same issues and decisions, the
    index lists issues whose weights add up to the row's completed amount."""
    issues = _organisation(600, seed=3)
    config = AnalyticsConfig(weightings=("issues", "story_points", "time_spent"))
    snapshot = compute_snapshot(
        (WorkItem.of(issue, decision, team_of(issue, None)) for issue, decision in issues),
        (),
        (),
        {},
        config,
        _NOW,
    )
    index = WorkIndex.build(issues, None, snapshot.windows)
    expected = {
        Figure(r.team, r.window, r.work_class, r.category, r.weighting): r.completed
        for r in snapshot.shares
    }
    assert len(expected) > 50
    assert {figure: index.total(figure) for figure in expected} == pytest.approx(expected)


def test_pages_are_sorted_slices_clamped_to_the_last_page() -> None:
    """Sorting by key orders keys numerically; page 0 is page 1; past the end is the last."""
    figure = Figure("all", "90d", "product", "", "issues")
    issues = _organisation(300, seed=5)
    config = AnalyticsConfig(weightings=("issues",))
    snapshot = compute_snapshot(
        (WorkItem.of(i, d, team_of(i, None)) for i, d in issues), (), (), {}, config, _NOW
    )
    index = WorkIndex.build(issues, None, snapshot.windows)
    first = index.page(figure, sort="key", descending=False, page=0, size=10)
    last = index.page(figure, sort="key", descending=False, page=10_000, size=10)
    everything = [
        row[0].key
        for page in range(1, first.pages + 1)
        for row in index.page(figure, sort="key", descending=False, page=page, size=10).rows
    ]
    numbers = [(key.split("-")[0], int(key.split("-")[1])) for key in everything]
    assert (first.page, last.page) == (1, first.pages)
    assert numbers == sorted(numbers)
    assert len(everything) == first.count == len(set(everything))


def test_an_unknown_sort_or_weighting_is_refused() -> None:
    """The index names the columns and weightings it knows."""
    index = WorkIndex.build([], None, ())
    with pytest.raises(ValueError, match="unknown sort 'colour'"):
        index.page(Figure("all", "90d", "product", "", "issues"), sort="colour")
    with pytest.raises(ValueError, match="unknown weighting 'lines'"):
        index.page(Figure("all", "90d", "product", "", "lines"))
