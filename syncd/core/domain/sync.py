"""The seam between connectors and the sync engine: a source yields pages after a cursor."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from syncd.core.domain.history import FieldChange
from syncd.core.domain.work import Issue

__all__ = ["Census", "Page", "RejectedRecord", "Source"]


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record a connector could not turn into a domain value.

    It is counted, quarantined in the store with ``reason`` and a bounded ``excerpt`` of the
    payload, and reported by ``syncd status``: never dropped silently.
    """

    source: str
    reference: str
    reason: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a source's answer, written to the store in one transaction.

    ``partition`` names the independent query the page belongs to (a project key, for
    Jira); ``number`` counts pages within it from 0. ``stable`` is false when the source saw
    its result set shift under it (a Data Center ``total`` that changed mid-query), so that
    the engine must not advance the watermark past this run. ``changes`` are the kept history
    of the page's issues; ``history_complete`` says they are each issue's whole history (the
    store then records the issue's history as complete up to its ``updated`` time), so a page
    without it leaves its issues to a later history fetch. An issue whose history could not
    be read has no changes here and a ``RejectedRecord`` in ``rejected`` instead (and its
    page is not ``history_complete``): a partial history is never handed on as a whole one.
    """

    partition: str
    number: int
    issues: tuple[Issue, ...]
    rejected: tuple[RejectedRecord, ...] = ()
    stable: bool = True
    changes: tuple[FieldChange, ...] = ()
    history_complete: bool = False


@dataclass(frozen=True, slots=True)
class Census:
    """Every issue id a source can see, by partition, from one ids-only sweep.

    ``complete`` is true only when every visible partition was swept to its end; a store
    soft-deletes nothing from an incomplete census. ``lost`` lists partitions that are
    configured but no longer visible (lost access, not mass deletion).
    """

    ids: dict[str, frozenset[int]]
    lost: frozenset[str]
    complete: bool


class Source(Protocol):
    """A system of record that syncd polls incrementally."""

    @property
    def name(self) -> str:
        """The source's configured name; part of every stored issue's identity."""
        ...

    def pages(self, since: datetime | None) -> Iterator[Page]:
        """Yield every issue updated at or after *since* (all issues when ``None``).

        The source applies its own safety overlap and time-zone rules; re-delivering an issue
        is always allowed (the store upserts by id), missing one never is.
        """
        ...

    def census(self) -> Census:
        """Sweep the ids of every visible issue, for deletion and lost-access detection."""
        ...

    def histories(self, issue_ids: Iterable[int]) -> Iterator[tuple[int, tuple[FieldChange, ...]]]:
        """The kept fields' changes of each issue in *issue_ids*, without refetching issues.

        For issues stored before histories were kept. Yields ``(issue_id, changes)`` once per
        id whose history was read whole, oldest change first (an issue without changes, or
        one the source no longer shows, yields an empty tuple); an id whose history could not
        be read whole is not yielded, so that it is asked again next time. Yields nothing when
        the source keeps no history.
        """
        ...
