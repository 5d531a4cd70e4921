"""Fetching the histories the store lacks: issues synced before histories were kept, or
written by a page whose histories could not all be read whole.

After each successful sync the engine walks the source's lacking issues once, in id order,
a batch at a time, and asks the source for their histories (``Source.histories``) without
refetching the issues. Each history is stored with a compare-and-set on the issue's version,
so an issue that changed meanwhile stays lacking and its next page brings its history. A
batch the source answers with nothing ends the walk: a source that keeps no history
(``changelog: false``) costs one look at the store per run, not a walk over every issue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from syncd.core.domain import FieldChange

__all__ = ["HistorySource", "HistoryStore", "repair_histories"]


class HistoryStore(Protocol):
    """What the repair needs from the store (``syncd.store.Store`` provides it)."""

    def issues_lacking_history(
        self, source: str, limit: int = ..., after: int = ...
    ) -> list[tuple[int, datetime]]: ...

    def complete_histories(
        self,
        source: str,
        found: Sequence[tuple[int, datetime, Sequence[FieldChange]]],
        run_id: int | None = ...,
    ) -> int: ...


class HistorySource(Protocol):
    """What the repair needs from a source: the part of ``Source`` that reads histories."""

    @property
    def name(self) -> str: ...

    def histories(
        self, issue_ids: Iterable[int]
    ) -> Iterator[tuple[int, tuple[FieldChange, ...]]]: ...


def repair_histories(
    store: HistoryStore,
    source: HistorySource,
    stop: threading.Event,
    batch: int = 1000,
    run_id: int | None = None,
) -> int:
    """Complete every history *store* lacks for *source*, once through in id order; return how
    many issues were completed. *run_id* (the run this repair follows) stamps the issues whose
    history it stored, so a refresh reading what runs changed sees them. ``SourceError``
    propagates (the next run tries again)."""
    completed, after = 0, -1
    while not stop.is_set():
        lacking = store.issues_lacking_history(source.name, limit=batch, after=after)
        if not lacking:
            break
        versions = dict(lacking)
        found = [
            (issue_id, versions[issue_id], changes)
            for issue_id, changes in source.histories(list(versions))
            if issue_id in versions
        ]
        if not found:
            break
        completed += store.complete_histories(source.name, found, run_id)
        after = lacking[-1][0]
    return completed
