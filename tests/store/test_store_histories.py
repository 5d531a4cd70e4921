"""Issues' kept histories: written with their page, deduplicated, complete or lacking, streamed
beside the issues; assignees round-trip. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, timedelta, timezone, tzinfo

import pytest
from store_builders import SOURCE, T0, make_issue, page_of

from syncd.analytics.capacity import settled
from syncd.core.domain import Census, FieldChange, HistoryField, StatusCategory
from syncd.store import Store

STATUS = HistoryField.STATUS_CATEGORY
ASSIGNEE = HistoryField.ASSIGNEE


def _change(
    issue_id: int, history_id: int, minutes: int, field: HistoryField, after: str
) -> FieldChange:
    return FieldChange(
        SOURCE, issue_id, history_id, T0 + timedelta(minutes=minutes), field, None, after
    )


def test_a_page_writes_its_issues_histories_once_and_marks_them_complete(store: Store) -> None:
    """The page's changes are stored with it; a replay (or the same history entry read again
    in an overlap window) adds nothing; its issues' histories are complete, so none lacks."""
    changes = (
        _change(1, 101, 1, STATUS, "indeterminate"),
        _change(1, 101, 1, ASSIGNEE, "ann"),
        _change(2, 102, 2, STATUS, "indeterminate"),
    )
    page = page_of(
        make_issue(1, minutes=5), make_issue(2, minutes=5), changes=changes, history_complete=True
    )
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page)
    store.write_page(SOURCE, run, page_of(make_issue(1, minutes=5), changes=changes[:1]))

    histories = {issue.issue_id: found for issue, found in store.iter_issue_histories()}

    assert histories == {1: (changes[1], changes[0]), 2: changes[2:]}  # a history by field name
    assert store.issues_lacking_history(SOURCE) == []


def test_issues_synced_without_history_are_listed_and_completed_later(store: Store) -> None:
    """A page without histories leaves its issues lacking; complete_histories stores what a
    later fetch found and marks only the issues still at the listed version."""
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(make_issue(1, minutes=5), make_issue(2, minutes=5)))
    lacking = store.issues_lacking_history(SOURCE)
    assert [issue_id for issue_id, _ in lacking] == [1, 2]

    # Issue 2 changes after it was listed: its fetched history may miss the newest entry.
    store.write_page(SOURCE, run, page_of(make_issue(2, minutes=9)))
    found = [
        (issue_id, version, [_change(issue_id, 200 + issue_id, 3, STATUS, "indeterminate")])
        for issue_id, version in lacking
    ]
    assert store.complete_histories(SOURCE, found) == 1

    assert [issue_id for issue_id, _ in store.issues_lacking_history(SOURCE)] == [2]
    histories = {issue.issue_id: len(found) for issue, found in store.iter_issue_histories()}
    assert histories == {1: 1, 2: 1}


def test_an_issue_updated_by_a_page_without_history_lacks_it_again(store: Store) -> None:
    """A newer version written without its history is not complete any more."""
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(make_issue(1, minutes=5), history_complete=True))
    store.write_page(SOURCE, run, page_of(make_issue(1, minutes=8)))
    assert [issue_id for issue_id, _ in store.issues_lacking_history(SOURCE)] == [1]


def test_histories_stream_beside_their_issues_in_order_and_filtered(store: Store) -> None:
    """Each issue comes with its own changes, oldest first, only of the asked fields; issues
    with no change get an empty history; changes of an unknown issue are skipped."""
    changes = (
        _change(3, 303, 9, STATUS, "done"),
        _change(1, 301, 7, ASSIGNEE, "bob"),
        _change(1, 300, 1, STATUS, "indeterminate"),
        _change(4, 304, 1, STATUS, "done"),
    )
    issues = [make_issue(n, minutes=10) for n in (1, 2, 3)]
    store.write_page(SOURCE, store.begin_run(SOURCE, "full"), page_of(*issues, changes=changes))

    every = [
        (i.issue_id, [c.history_id for c in found])
        for i, found in store.iter_issue_histories(chunk=1)
    ]
    statuses = [
        (i.issue_id, [c.history_id for c in found])
        for i, found in store.iter_issue_histories(fields={STATUS})
    ]

    assert every == [(1, [300, 301]), (2, []), (3, [303])]
    assert statuses == [(1, [300]), (2, []), (3, [303])]


def test_an_assignee_round_trips_on_every_read_path(store: Store) -> None:
    """The assignee is stored and read back by the full and the payload-free readers."""
    written = [make_issue(1, assignee="5b10ac8d82e05b22cc7d4e01"), make_issue(2)]
    store.write_page(SOURCE, store.begin_run(SOURCE, "full"), page_of(*written))
    assert [i.assignee for i in store.iter_issues()] == ["5b10ac8d82e05b22cc7d4e01", None]
    assert [i.assignee for i in store.iter_issues(with_raw=False)] == [
        "5b10ac8d82e05b22cc7d4e01",
        None,
    ]
    assert store.get_issue_by_key("SHOP-1") == written[0]


def test_what_runs_changed_after_a_run_is_listed_with_its_histories(store: Store) -> None:
    """``changed_after`` lists the live issues later runs wrote, each with its changes, and
    the issues a later census deleted; a history repair stamps the issues it completed with
    its run, so they are listed too; issues no later run touched are not."""
    first = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, first, page_of(*(make_issue(n, minutes=5) for n in (1, 2, 3))))
    mark = store.last_run()
    assert mark == first

    second = store.begin_run(SOURCE, "incremental")
    written = (_change(2, 202, 6, STATUS, "indeterminate"),)
    store.write_page(
        SOURCE, second, page_of(make_issue(2, minutes=7), changes=written, history_complete=True)
    )
    repaired = [(3, T0 + timedelta(minutes=5), [_change(3, 303, 4, ASSIGNEE, "ann")])]
    store.complete_histories(SOURCE, repaired, run_id=second)
    census = store.begin_run(SOURCE, "census")
    store.apply_census(
        SOURCE, census, Census({"SHOP": frozenset({2, 3})}, frozenset(), complete=True)
    )

    live, gone = store.changed_after(mark)
    found = {issue.issue_id: changes for issue, changes in live}

    assert found == {2: written, 3: tuple(repaired[0][2])}
    assert gone == [(SOURCE, 1)]
    assert store.last_run() == census
    after_census, none_gone = store.changed_after(census)
    assert (list(after_census), none_gone) == ([], [])


@pytest.mark.parametrize("fields", [None, (STATUS,)], ids=["every-field", "status-only"])
@pytest.mark.parametrize("zone", [UTC, timezone(timedelta(hours=-5))], ids=["utc", "utc-5"])
def test_with_a_reach_only_issues_settled_at_it_come_without_their_changes(
    store: Store, fields: tuple[HistoryField, ...] | None, zone: tzinfo
) -> None:
    """Every combination of status, last update and history around the reach (equal to it
    included, a history changed after an update that claims to be older, and a late change of
    a field not read), the reach in any zone: an issue ``settled`` at the reach over the
    changes read comes without changes, any other with all of them."""
    reach = (T0 + timedelta(minutes=60)).astimezone(zone)
    histories = {
        "none": (),
        "before": ((30, STATUS),),
        "at": ((30, STATUS), (60, STATUS)),
        "after": ((90, STATUS),),
        "other field after": ((30, STATUS), (90, ASSIGNEE)),
    }
    issues, changes = [], []
    combinations = itertools.product(
        (StatusCategory.IN_PROGRESS, StatusCategory.DONE, StatusCategory.NEW),
        (30, 60, 90),
        histories.values(),
    )
    for issue_id, (category, updated, steps) in enumerate(combinations, start=1):
        issues.append(make_issue(issue_id, minutes=updated, status_category=category))
        changes += [
            _change(issue_id, issue_id * 10 + n, minutes, field, category.value)
            for n, (minutes, field) in enumerate(steps)
        ]
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(*issues, changes=tuple(changes)))

    whole = list(store.iter_issue_histories(fields))
    read = store.iter_issue_histories(fields, reach=reach)
    reached = {issue.issue_id: found for issue, found in read}

    assert sorted(reached) == [issue.issue_id for issue, _ in whole]
    kinds = [settled(issue, found, reach) for issue, found in whole]
    assert set(kinds) == {True, False}
    assert any(found for (_, found), kind in zip(whole, kinds, strict=True) if kind)
    for issue, found in whole:
        expected = () if settled(issue, found, reach) else found
        assert reached[issue.issue_id] == expected, issue.key
