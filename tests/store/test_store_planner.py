"""A PostgreSQL store keeps the planner's statistics of ``issues`` current while it loads.

Without statistics, PostgreSQL's planner takes ``source = …`` to match a handful of rows and
answers each page's id look-up by reading every stored issue of the source.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from store_builders import SOURCE, make_issue, page_of

from syncd.store import Store, create_store_engine, upgrade
from syncd.store.planner import FLOOR, AnalyseSchedule

_PAGE = 100


def _load(store: Store, count: int, *, source: str = SOURCE, first: int = 0) -> None:
    run = store.begin_run(source, "full")
    for start in range(first, first + count, _PAGE):
        page = page_of(*(make_issue(i, source=source) for i in range(start, start + _PAGE)))
        store.write_page(source, run, page)


def _estimated_rows(engine: Engine, source: str) -> int:
    """The planner's estimate of how many stored issues *source* has."""
    with engine.connect() as connection:
        plan = connection.execute(
            text("EXPLAIN (FORMAT JSON) SELECT issue_id FROM issues WHERE source = :source"),
            {"source": source},
        ).scalar_one()
    return int(plan[0]["Plan"]["Plan Rows"])


def test_analyses_fall_due_as_each_source_doubles() -> None:
    schedule = AnalyseSchedule()
    due_at = []
    for total in range(_PAGE, 10 * FLOOR, _PAGE):
        if schedule.due("jira", _PAGE):
            due_at.append(total)
            schedule.analysed()
    assert due_at == [FLOOR, 2 * FLOOR, 4 * FLOOR, 8 * FLOOR]
    # A new source is counted on its own: its first thousand issues call for an analyse.
    assert not schedule.due("jira-dc", FLOOR - 1)
    assert schedule.due("jira-dc", 1)


@pytest.mark.postgres
def test_a_load_leaves_the_planner_knowing_each_source_s_size(postgres_url: str) -> None:
    """The page look-up is planned on the primary key only when ``source = …`` is known to
    match many rows; an estimate of a handful sends it through every issue of the source."""
    engine = create_store_engine(postgres_url)
    try:
        upgrade(engine)
        store = Store(engine)
        _load(store, 3 * FLOOR)
        assert _estimated_rows(engine, SOURCE) >= 2 * FLOOR

        _load(store, FLOOR + _PAGE, source="jira-dc", first=10_000)
        assert _estimated_rows(engine, "jira-dc") >= FLOOR // 2
        assert _estimated_rows(engine, SOURCE) >= 2 * FLOOR
    finally:
        engine.dispose()
