"""The demo organisation generator: deterministic, and shaped as docs/demo-organisation.md."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from connectors.jira.emulator import Organisation, generate_organisation, key_result_of
from connectors.jira.emulator.catalog import STATUSES
from connectors.jira.emulator.records import to_ms
from tests.emulator.emulator_support import NOW


@pytest.fixture(scope="module")
def big() -> Organisation:
    """Large enough for proportions to settle."""
    return generate_organisation(20_000, seed=11, now=NOW)


def test_same_seed_gives_the_same_organisation() -> None:
    assert generate_organisation(800, 3, NOW) == generate_organisation(800, 3, NOW)


def test_different_seed_or_now_gives_a_different_organisation() -> None:
    base = generate_organisation(800, 3, NOW)
    assert generate_organisation(800, 4, NOW).issues != base.issues
    assert generate_organisation(800, 3, NOW + timedelta(days=1)).issues != base.issues


def test_requested_size_and_unique_ids_and_keys(big: Organisation) -> None:
    assert len(big.issues) == 20_000
    assert len({i.id for i in big.issues}) == 20_000
    assert len({i.key for i in big.issues}) == 20_000


def test_teams_projects_and_components_follow_the_document(big: Organisation) -> None:
    layout = {p.key: (p.team, tuple(c.name for c in p.components)) for p in big.projects}
    assert layout == {
        "SHOP": ("checkout", ("Cart", "Payments", "Promotions")),
        "GROW": ("growth", ("Onboarding", "Notifications", "Experiments")),
        "MOB": ("mobile", ("iOS", "Android", "Release")),
        "PLAT": ("platform", ("Build", "Kubernetes", "Observability", "Auth")),
        "DATA": ("data", ("Pipelines", "Warehouse", "ML")),
    }
    for issue in big.issues:
        assert set(issue.components) <= set(layout[issue.project][1])


def test_hierarchy_links_point_to_existing_earlier_issues(big: Organisation) -> None:
    by_id = {i.id: i for i in big.issues}
    for issue in big.issues:
        parent = by_id.get(issue.parent_id) if issue.parent_id is not None else None
        if issue.issue_type == "Sub-task":
            assert parent is not None
            assert parent.issue_type in ("Story", "Task", "Bug")
        elif issue.issue_type == "Epic":
            assert issue.parent_id is None
        elif issue.parent_id is not None:
            assert parent is not None
            assert parent.issue_type == "Epic"
        if parent is not None:
            assert parent.project == issue.project
            assert parent.created_ms <= issue.created_ms


def test_type_label_and_team_proportions_are_roughly_as_documented(big: Organisation) -> None:
    n = len(big.issues)
    types = Counter(i.issue_type for i in big.issues)
    assert 0.02 < types["Epic"] / n < 0.045
    assert 0.12 < types["Sub-task"] / n < 0.18
    standard = [i for i in big.issues if i.issue_type in ("Story", "Task", "Bug")]
    assert 0.75 < sum(i.parent_id is not None for i in standard) / len(standard) < 0.85
    non_epic = [i for i in big.issues if i.issue_type != "Epic"]
    assert 0.08 < sum(not i.labels for i in non_epic) / len(non_epic) < 0.12
    home = {p.key: p.team for p in big.projects}
    cross = sum(i.team is not None and i.team != home[i.project] for i in big.issues)
    assert 0.08 < cross / n < 0.12


def test_technology_labels_dominate_platform_and_product_labels_dominate_checkout(
    big: Organisation,
) -> None:
    tech = {"tech-debt", "refactor", "upgrade", "security", "ktlo", "incident", "performance"}
    share = {}
    for key in ("PLAT", "SHOP"):
        labels = [
            lab
            for i in big.issues
            if i.project == key
            for lab in i.labels
            if not lab.startswith("kr:")
            and lab not in ("needs-triage", "q-planning", "good-first-issue")
        ]
        share[key] = sum(lab in tech for lab in labels) / len(labels)
    assert share["PLAT"] > 0.7
    assert share["SHOP"] < 0.35


def test_dates_are_ordered_and_resolution_matches_the_status_category(
    big: Organisation,
) -> None:
    now = to_ms(NOW)
    start = to_ms(NOW.replace(month=4, day=1, hour=0, minute=0, second=0))
    for issue in big.issues:
        assert start <= issue.created_ms <= issue.updated_ms <= now
        done = STATUSES[issue.status].category == "done"
        assert (issue.resolved_ms is not None) == done == (issue.resolution is not None)
        if issue.resolved_ms is not None:
            assert issue.created_ms <= issue.resolved_ms <= issue.updated_ms
    categories = Counter(STATUSES[i.status].category for i in big.issues)
    assert set(categories) == {"new", "indeterminate", "done"}


def test_estimates_and_sprints_are_well_formed(big: Organisation) -> None:
    sprints = {s.id: s for s in big.sprints}
    points = {i.story_points for i in big.issues}
    assert all(i.time_spent is None or i.time_spent > 0 for i in big.issues)
    assert points == {None, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0}
    for issue in big.issues:
        assert issue.time_spent is None or issue.time_spent % 900 == 0
        assert all(sprints[s].project == issue.project for s in issue.sprint_ids)
    assert {s.state for s in big.sprints} == {"closed", "active", "future"}


def test_key_results_are_per_team_and_quarter_and_labels_name_real_ones(
    big: Organisation,
) -> None:
    assert len(big.quarters) == 2
    per_team_quarter = Counter((kr.team, kr.quarter) for kr in big.key_results)
    assert len(per_team_quarter) == 5 * 2
    assert set(per_team_quarter.values()) <= {2, 3}
    known = {kr.id: kr for kr in big.key_results}
    for kr in big.key_results:
        assert re.fullmatch(rf"{kr.project}-KR\d+", kr.id)
    linked = [i for i in big.issues if key_result_of(i)]
    assert any(i.issue_type == "Epic" for i in linked)
    for issue in linked:
        assert known[key_result_of(issue) or ""].project == issue.project
    assert sum(len(o.key_results) for o in big.objectives) == len(big.key_results)


def test_a_tiny_organisation_still_has_an_epic_per_project() -> None:
    small = generate_organisation(100, seed=1, now=NOW)
    assert {i.project for i in small.epics} == {p.key for p in small.projects}


@pytest.mark.parametrize("history", [1, 3])
def test_history_quarters_reach_back_before_the_okr_period(history: int) -> None:
    """The issues spread from the start of the quarters of history before the previous
    quarter; the OKRs stay on the previous and the current one."""
    org = generate_organisation(2_000, seed=5, now=NOW, history_quarters=history)
    first = org.quarters[0].start
    months = first.year * 12 + first.month - 3 * history
    reach = first.replace(year=(months - 1) // 12, month=(months - 1) % 12 + 1)

    created = sorted(issue.created_ms for issue in org.issues)
    assert to_ms(reach) <= created[0] < to_ms(reach + timedelta(days=20))
    assert [q.start for q in org.quarters] == [
        q.start for q in generate_organisation(50, seed=5, now=NOW).quarters
    ]


def test_an_organisation_needs_a_quarter_of_history() -> None:
    with pytest.raises(ValueError, match="quarter of history"):
        generate_organisation(50, seed=5, now=NOW, history_quarters=0)
