"""Runs and the watermark: it moves only on request and only by compare-and-set."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_builders import SOURCE, T0, FixedClock, make_issue, page_of

from syncd.core.domain import RunCounts
from syncd.core.errors import StoreError
from syncd.store import Store


def test_the_watermark_moves_only_when_given(store: Store) -> None:
    assert store.watermark(SOURCE) is None
    first = store.begin_run(SOURCE, "incremental")
    assert store.finish_run(first, "success", watermark=T0) is True
    second = store.begin_run(SOURCE, "incremental")
    assert store.finish_run(second, "partial", error="page 3 was unstable") is False
    assert store.watermark(SOURCE) == T0
    progress = store.sync_progress(SOURCE)
    assert progress is not None
    assert progress.run_id is None


def test_an_overtaken_run_cannot_move_the_watermark(store: Store) -> None:
    """Compare-and-set on epoch: the older of two concurrent runs loses."""
    stale = store.begin_run(SOURCE, "incremental")
    current = store.begin_run(SOURCE, "incremental")
    assert store.finish_run(stale, "success", watermark=T0 + timedelta(hours=1)) is False
    assert store.watermark(SOURCE) is None
    assert store.finish_run(current, "success", watermark=T0) is True
    assert store.watermark(SOURCE) == T0


def test_a_run_finishes_once_and_records_outcome_error_and_counts(
    store: Store, clock: FixedClock
) -> None:
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(make_issue(1)))
    clock.advance(minutes=3)
    store.finish_run(run, "failure", error="HTTP 500 from /search/jql")
    (summary,) = store.recent_runs(SOURCE)
    assert (summary.kind, summary.outcome, summary.error) == (
        "full",
        "failure",
        "HTTP 500 from /search/jql",
    )
    assert (summary.started_at, summary.finished_at) == (T0, T0 + timedelta(minutes=3))
    assert (summary.pages, summary.issues_inserted) == (1, 1)
    with pytest.raises(StoreError, match="already finished"):
        store.finish_run(run, "success")


def test_counts_given_at_finish_replace_the_accumulated_ones(store: Store) -> None:
    run = store.begin_run(SOURCE, "incremental")
    store.write_page(SOURCE, run, page_of(make_issue(1)))
    store.finish_run(run, "success", counts=RunCounts(pages=4, issues_fetched=9, issues_inserted=2))
    (summary,) = store.recent_runs(SOURCE)
    assert (summary.pages, summary.issues_fetched, summary.issues_inserted) == (4, 9, 2)


def test_unknown_kinds_and_outcomes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="'sometimes'"):
        store.begin_run(SOURCE, "sometimes")
    run = store.begin_run(SOURCE, "incremental")
    with pytest.raises(ValueError, match="final outcome"):
        store.finish_run(run, "running")
    with pytest.raises(StoreError, match="does not exist"):
        store.finish_run(run + 100, "success")
