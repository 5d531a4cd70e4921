"""Reading every stored issue, with or without the raw payloads."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from store_builders import T0, make_issue, page_of

from syncd.core.domain import Census, StatusCategory
from syncd.store import Store

SOURCE = "jira"


def test_reading_without_raw_payloads_gives_the_same_issues_minus_their_payloads(
    store: Store,
) -> None:
    """``with_raw=False`` returns every normalised field as stored and leaves ``raw`` empty,
    so that a pass over all issues (deciding, analytics) does not hold every payload."""
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(*(make_issue(n, minutes=n) for n in range(1, 6))))
    varied = [
        make_issue(
            6,
            status_category=StatusCategory.DONE,
            resolved=T0 + timedelta(hours=1, microseconds=7),
            priority=None,
            labels=(),
            components=("Cart", "Search"),
            parent_key="SHOP-1",
            epic_key="SHOP-2",
            story_points=None,
            time_spent_seconds=5400,
            sprints=(),
            team=None,
            custom={"customfield_1": {"value": "Ü", "id": 3}, "customfield_2": [1, 2.5]},
        ),
        make_issue(7, status_category=StatusCategory.NEW, labels=("kr:A", "b"), summary="ø"),
    ]
    store.write_page(SOURCE, run, page_of(*varied))

    full = list(store.iter_issues())
    light = list(store.iter_issues(with_raw=False))

    assert light == full
    assert [issue.custom for issue in light] == [issue.custom for issue in full]
    assert all(issue.raw for issue in full)
    assert not any(issue.raw for issue in light)
    assert len(light) == 7


def test_every_reader_filter_gives_what_the_generic_reader_gives(store: Store) -> None:
    """Live or all issues, one source or every source: the same issues either way."""
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(*(make_issue(n, minutes=n) for n in range(1, 4))))
    other = store.begin_run("other", "full")
    store.write_page("other", other, page_of(replace(make_issue(9), source="other")))
    store.apply_census(SOURCE, run, Census({"SHOP": frozenset({1, 3})}, frozenset(), True))

    for source in (None, SOURCE, "other"):
        for include_deleted in (False, True):
            full = [replace(issue, raw={}) for issue in store.iter_issues(source, include_deleted)]
            light = list(store.iter_issues(source, include_deleted, with_raw=False))
            assert light == full, (source, include_deleted)
    assert [i.issue_id for i in store.iter_issues(SOURCE, with_raw=False)] == [1, 3]
    assert [i.issue_id for i in store.iter_issues(SOURCE, True, with_raw=False)] == [1, 2, 3]
