"""write_page: idempotent, fresh-wins upserts, with the page and its cursor progress atomic."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, select
from store_builders import SOURCE, T0, make_issue, page_of

from syncd.core.domain import RejectedRecord
from syncd.core.errors import StoreError
from syncd.store import PageCounts, Store
from syncd.store import issues as issue_module
from syncd.store.schema import (
    issue_history,
    issue_payloads,
    issues,
    rejected_records,
    sync_runs,
)


def _table(engine: Engine, table: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(*table.primary_key.columns))
        return [dict(row._mapping) for row in rows]


def _history(engine: Engine) -> list[tuple[int, str, str]]:
    return [(row["issue_id"], row["change"], row["key"]) for row in _table(engine, issue_history)]


def test_replaying_a_page_changes_nothing(store: Store, engine: Engine) -> None:
    page = page_of(make_issue(1), make_issue(2, minutes=5))
    run = store.begin_run(SOURCE, "incremental")
    assert store.write_page(SOURCE, run, page) == PageCounts(2, 0, 0, 0)
    tables = (issues, issue_payloads, issue_history)
    before = [_table(engine, table) for table in tables]
    assert store.write_page(SOURCE, run, page) == PageCounts(0, 0, 2, 0)
    assert [_table(engine, table) for table in tables] == before


def test_stored_issues_read_back_equal_including_raw_and_custom(store: Store) -> None:
    written = [make_issue(1), make_issue(2, resolved=T0, epic_key="SHOP-9", priority="High")]
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(*written))
    read = list(store.iter_issues(chunk=1))
    assert read == written
    assert [issue.raw for issue in read] == [issue.raw for issue in written]
    assert [issue.custom for issue in read] == [issue.custom for issue in written]
    assert all(issue.updated.tzinfo is UTC and issue.created.tzinfo is UTC for issue in read)


def test_text_that_copy_and_json_escape_reads_back_unchanged(store: Store) -> None:
    """Tabs, newlines, backslashes, quotes, NUL-free control and non-ASCII characters survive
    both the page write (COPY text on PostgreSQL) and JSON."""
    awkward = 'tab\there, line\nbreak, back\\slash \\N, "quoted", é, 雪, \u2028, \x01'
    issue = make_issue(
        1,
        summary=awkward,
        labels=(awkward,),
        custom={"customfield_1": awkward, "nested": {"list": [awkward, 1.5, None]}},
        raw={"id": "1", "fields": {"summary": awkward, "description": None}},
    )
    store.write_page(SOURCE, store.begin_run(SOURCE, "full"), page_of(issue))
    (read,) = store.iter_issues()
    assert read == issue
    assert (read.summary, read.labels, read.custom, read.raw) == (
        issue.summary,
        issue.labels,
        issue.custom,
        issue.raw,
    )


def test_times_in_other_zones_are_stored_as_the_same_instant_in_utc(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    issue = make_issue(1, updated=(T0 + timedelta(hours=2)).astimezone(plus_two))
    store.write_page(SOURCE, store.begin_run(SOURCE, "full"), page_of(issue))
    (read,) = store.iter_issues()
    assert read.updated == T0 + timedelta(hours=2)
    assert read.updated.utcoffset() == timedelta(0)


def test_an_older_version_never_overwrites_a_newer_one(store: Store) -> None:
    run = store.begin_run(SOURCE, "incremental")
    store.write_page(SOURCE, run, page_of(make_issue(1, minutes=10, summary="newer")))
    counts = store.write_page(SOURCE, run, page_of(make_issue(1, minutes=0, summary="older")))
    assert counts == PageCounts(0, 0, 1, 0)
    assert [issue.summary for issue in store.iter_issues()] == ["newer"]


def test_the_upsert_guard_itself_refuses_an_older_row(store: Store, engine: Engine) -> None:
    """Even when a racing writer skips the read, the SQL guard keeps the newer row."""
    run = store.begin_run(SOURCE, "incremental")
    store.write_page(SOURCE, run, page_of(make_issue(1, minutes=10, summary="newer")))
    stale = issue_module._issue_columns([make_issue(1, minutes=0, summary="older")], run, T0)
    with engine.begin() as connection:
        issue_module._ISSUE_UPSERT.execute_columns(connection, stale)
    assert [issue.summary for issue in store.iter_issues()] == ["newer"]


def test_duplicate_ids_in_one_page_keep_the_newest_version(store: Store) -> None:
    """PostgreSQL would raise CardinalityViolation if the page were not deduplicated."""
    page = page_of(
        make_issue(1, minutes=5, summary="newest"),
        make_issue(2),
        make_issue(1, minutes=1, summary="stale copy"),
    )
    counts = store.write_page(SOURCE, store.begin_run(SOURCE, "incremental"), page)
    assert counts == PageCounts(2, 0, 0, 0)
    assert [(i.issue_id, i.summary) for i in store.iter_issues()] == [(1, "newest"), (2, "Issue 2")]


def test_a_failing_quarantine_insert_rolls_back_rows_and_progress(
    store: Store, engine: Engine
) -> None:
    run = store.begin_run(SOURCE, "incremental")
    broken = RejectedRecord(SOURCE, "SHOP-3", None, "excerpt-value-7f3a")  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="cannot write a page") as raised:
        store.write_page(SOURCE, run, page_of(make_issue(1), rejected=(broken,)))
    assert "excerpt-value-7f3a" not in str(raised.value)  # no bound values in the message
    _assert_nothing_written(store, engine)


def test_a_page_failing_midway_leaves_neither_rows_nor_progress(
    store: Store, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object) -> int:
        raise RuntimeError("injected failure after the upsert")

    monkeypatch.setattr(issue_module, "quarantine", explode)
    run = store.begin_run(SOURCE, "incremental")
    with pytest.raises(RuntimeError, match="injected"):
        store.write_page(SOURCE, run, page_of(make_issue(1), make_issue(2)))
    _assert_nothing_written(store, engine)


def _assert_nothing_written(store: Store, engine: Engine) -> None:
    assert store.count_issues(include_deleted=True) == 0
    assert _table(engine, issue_payloads) == []
    assert _table(engine, issue_history) == []
    assert _table(engine, rejected_records) == []
    progress = store.sync_progress(SOURCE)
    assert progress is not None
    assert (progress.pages_committed, progress.max_updated_seen) == (0, None)
    (run_row,) = _table(engine, sync_runs)
    assert (run_row["pages"], run_row["issues_inserted"]) == (0, 0)


def test_pages_advance_progress_and_run_counts_together(store: Store) -> None:
    run = store.begin_run(SOURCE, "incremental")
    rejected = RejectedRecord(SOURCE, "SHOP-9", "no issuetype", '{"id": "9"}')
    store.write_page(SOURCE, run, page_of(make_issue(1, minutes=30), rejected=(rejected,)))
    store.write_page(SOURCE, run, page_of(make_issue(2, minutes=10), make_issue(1, minutes=30)))
    progress = store.sync_progress(SOURCE)
    assert progress is not None
    assert (progress.run_id, progress.pages_committed) == (run, 2)
    assert progress.max_updated_seen == T0 + timedelta(minutes=30)
    (summary,) = store.recent_runs(SOURCE)
    assert (summary.pages, summary.issues_fetched, summary.issues_inserted) == (2, 3, 2)
    assert (summary.issues_unchanged, summary.rejected) == (1, 1)


def test_a_move_is_recorded_in_history_and_the_key_follows(store: Store, engine: Engine) -> None:
    run = store.begin_run(SOURCE, "incremental")
    store.write_page(SOURCE, run, page_of(make_issue(1)))
    moved = make_issue(1, minutes=5, project="PLAT", key="PLAT-7")
    assert store.write_page(SOURCE, run, page_of(moved)) == PageCounts(0, 1, 0, 0)
    store.write_page(SOURCE, run, page_of(make_issue(1, minutes=9, project="PLAT", key="PLAT-7")))
    assert _history(engine) == [
        (1, "created", "SHOP-1"),
        (1, "moved", "PLAT-7"),
        (1, "updated", "PLAT-7"),
    ]
    assert store.get_issue_by_key("PLAT-7") == make_issue(
        1, minutes=9, project="PLAT", key="PLAT-7"
    )
    found = store.get_issue_by_key("SHOP-1")
    assert found is not None
    assert found.key == "PLAT-7"
    assert store.get_issue_by_key("NOPE-1") is None


def test_a_superseded_run_may_not_write(store: Store) -> None:
    """A stale writer's page is refused: the source's current run is a newer one."""
    stale = store.begin_run(SOURCE, "incremental")
    store.begin_run(SOURCE, "incremental")
    with pytest.raises(StoreError, match=f"sync run {stale} is no longer the current run"):
        store.write_page(SOURCE, stale, page_of(make_issue(1)))
    assert store.count_issues() == 0


def test_an_issue_of_another_source_is_refused(store: Store) -> None:
    run = store.begin_run(SOURCE, "incremental")
    with pytest.raises(ValueError, match="belongs to 'other'"):
        store.write_page(SOURCE, run, page_of(make_issue(1, source="other")))
