"""Census: soft-delete only after a complete sweep, never in lost partitions; restore on return."""

from __future__ import annotations

from sqlalchemy import Engine, select
from store_builders import SOURCE, T0, FixedClock, make_issue, page_of

from syncd.core.domain import Census, Page
from syncd.store import CensusResult, PageCounts, Store
from syncd.store.schema import issue_history


def _seed(store: Store) -> None:
    run = store.begin_run(SOURCE, "full")
    shop = [make_issue(i) for i in (1, 2, 3)]
    plat = [make_issue(i, project="PLAT") for i in (10, 11)]
    store.write_page(SOURCE, run, page_of(*shop))
    store.write_page(SOURCE, run, Page("PLAT", 0, tuple(plat)))
    store.finish_run(run, "success", watermark=T0)


def _live_ids(store: Store) -> list[int]:
    return [issue.issue_id for issue in store.iter_issues()]


def _changes(engine: Engine, change: str) -> list[int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(issue_history.c.issue_id).where(issue_history.c.change == change)
        )
        return sorted(rows.scalars())


def test_a_complete_census_soft_deletes_absent_issues(store: Store, engine: Engine) -> None:
    _seed(store)
    run = store.begin_run(SOURCE, "census")
    census = Census({"SHOP": frozenset({1, 3}), "PLAT": frozenset({10, 11})}, frozenset(), True)
    assert store.apply_census(SOURCE, run, census) == CensusResult(1, 0, (), True)
    assert _live_ids(store) == [1, 3, 10, 11]
    assert [i.issue_id for i in store.iter_issues(include_deleted=True)] == [1, 2, 3, 10, 11]
    assert _changes(engine, "deleted") == [2]
    assert (store.count_issues(), store.count_issues(include_deleted=True)) == (4, 5)
    (summary,) = store.recent_runs(SOURCE, limit=1)
    assert summary.deleted == 1
    progress = store.sync_progress(SOURCE)
    assert progress is not None
    assert progress.last_census_at == T0


def test_an_incomplete_census_deletes_nothing(store: Store, engine: Engine) -> None:
    _seed(store)
    run = store.begin_run(SOURCE, "census")
    census = Census({"SHOP": frozenset({1})}, frozenset(), complete=False)
    assert store.apply_census(SOURCE, run, census) == CensusResult(0, 0, (), False)
    assert _live_ids(store) == [1, 2, 3, 10, 11]
    assert _changes(engine, "deleted") == []
    progress = store.sync_progress(SOURCE)
    assert progress is not None
    assert progress.last_census_at is None


def test_issues_of_a_lost_partition_are_not_deleted(store: Store) -> None:
    """Losing access to a project is not the mass deletion of its issues."""
    _seed(store)
    run = store.begin_run(SOURCE, "census")
    census = Census({"SHOP": frozenset({1, 2, 3}), "PLAT": frozenset()}, frozenset({"PLAT"}), True)
    assert store.apply_census(SOURCE, run, census) == CensusResult(0, 0, ("PLAT",), True)
    assert _live_ids(store) == [1, 2, 3, 10, 11]
    (summary,) = store.recent_runs(SOURCE, limit=1)
    assert summary.lost_partitions == ("PLAT",)


def test_partitions_the_census_did_not_sweep_are_left_alone(store: Store) -> None:
    _seed(store)
    run = store.begin_run(SOURCE, "census")
    store.apply_census(SOURCE, run, Census({"SHOP": frozenset({1, 2, 3})}, frozenset(), True))
    assert _live_ids(store) == [1, 2, 3, 10, 11]


def test_a_reappearing_issue_is_restored_by_the_next_page(
    store: Store, engine: Engine, clock: FixedClock
) -> None:
    _seed(store)
    run = store.begin_run(SOURCE, "census")
    store.apply_census(SOURCE, run, Census({"SHOP": frozenset({1, 3})}, frozenset(), True))
    store.finish_run(run, "success")
    clock.advance(hours=1)
    run = store.begin_run(SOURCE, "incremental")
    assert store.write_page(SOURCE, run, page_of(make_issue(2))) == PageCounts(0, 1, 0, 0)
    assert _live_ids(store) == [1, 2, 3, 10, 11]
    assert _changes(engine, "restored") == [2]


def test_a_census_that_sees_a_deleted_issue_again_restores_it(store: Store, engine: Engine) -> None:
    _seed(store)
    run = store.begin_run(SOURCE, "census")
    store.apply_census(SOURCE, run, Census({"SHOP": frozenset({1, 3})}, frozenset(), True))
    # Issue 2 moved to PLAT, unchanged since: the next census sees it there.
    census = Census({"SHOP": frozenset({1, 3}), "PLAT": frozenset({2, 10, 11})}, frozenset(), True)
    assert store.apply_census(SOURCE, run, census) == CensusResult(0, 1, (), True)
    assert _live_ids(store) == [1, 2, 3, 10, 11]
    assert _changes(engine, "restored") == [2]
