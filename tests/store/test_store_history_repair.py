"""Completing lacking histories (``syncd.app.history_repair``) over a real store: every batch
is asked for once, and a source that answers nothing ends the walk at its first batch."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from store_builders import SOURCE, make_issue, page_of

from syncd.app.history_repair import repair_histories
from syncd.core.domain import FieldChange
from syncd.store import Store

ISSUES = 25


class _Histories:
    """A source's ``histories``: an empty history for each issue asked for, or nothing."""

    name = SOURCE

    def __init__(self, *, keeps: bool) -> None:
        self.keeps = keeps
        self.asked: list[list[int]] = []

    def histories(self, issue_ids: Iterable[int]) -> Iterator[tuple[int, tuple[FieldChange, ...]]]:
        ids = list(issue_ids)
        self.asked.append(ids)
        return iter([(issue_id, ()) for issue_id in ids] if self.keeps else [])


def _lacking_store(store: Store) -> Store:
    run = store.begin_run(SOURCE, "full")
    store.write_page(SOURCE, run, page_of(*(make_issue(i) for i in range(1, ISSUES + 1))))
    assert len(store.issues_lacking_history(SOURCE)) == ISSUES
    return store


def test_every_lacking_history_is_asked_for_once_a_batch_at_a_time(store: Store) -> None:
    source = _Histories(keeps=True)

    completed = repair_histories(_lacking_store(store), source, threading.Event(), batch=10)

    assert completed == ISSUES
    assert [len(ids) for ids in source.asked] == [10, 10, 5]
    assert store.issues_lacking_history(SOURCE) == []


def test_a_source_that_keeps_no_history_ends_the_walk_at_its_first_batch(store: Store) -> None:
    source = _Histories(keeps=False)

    completed = repair_histories(_lacking_store(store), source, threading.Event(), batch=10)

    assert completed == 0
    assert len(source.asked) == 1
    assert len(store.issues_lacking_history(SOURCE)) == ISSUES
