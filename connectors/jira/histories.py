"""Reading the histories of the issues a sync brings in, for one worker's client.

Cloud: ``POST /rest/api/3/changelog/bulkfetch`` for a group of consecutive pages' issues
(``GROUP_PAGES``, as many as ``batch`` issues hold: five pages of 100 in one request), filtered
to the kept fields, following ``nextPageToken`` (a repeated token fails the run, like search
paging). It runs on a helper thread with a client of its own while the worker fetches the
next group's search pages, so that it adds few requests and little wall time; a worker never
runs more than two groups ahead of what it hands on (one being fetched, one being read), and
a page served before a failure is still handed on (with its histories) before the failure is
raised.
Data Center: the ``changelog`` each search result carries (``expand=changelog``); where it
holds fewer histories than its ``total`` says, or none, the issue's whole history is read
with ``GET /issue/{id}?expand=changelog``, and one that is still short is rejected: an
inline history is never trusted as complete. Every request goes through the source's retry
policy. A history that cannot be read whole becomes a ``RejectedRecord`` of its page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final

import structlog

from connectors.http import StopRequestedError
from connectors.jira.budget import PageBudget
from connectors.jira.changelog import (
    ChangelogContext,
    UnreadableHistory,
    bulk_logs,
    field_changes,
)
from connectors.jira.client import JiraClient
from connectors.jira.paging import token_walk
from connectors.jira.parse import excerpt
from syncd.core.domain import FieldChange, Page, RejectedRecord
from syncd.core.errors import SourceError

__all__ = ["BULK_MAX_RESULTS", "GROUP_PAGES", "HistoryReader"]

BULK_MAX_RESULTS: Final = 10_000
"""Histories per bulk-fetch page: the most Jira allows (it may serve fewer)."""
GROUP_PAGES: Final = 5
"""The most consecutive pages whose histories are read together, in one request where
``batch`` issues hold them. A worker holds up to two groups' pages (one being fetched, one
whose histories are being read) and hands on none of a group before its histories are read:
larger groups save requests, but cost memory (about 5 KB an issue) and run further ahead of
the writer and of a stop request."""
_TYPE_BATCH: Final = 100
_PARENT_NAMES: Final = frozenset({"issueparentassociation", "parent"})

_log = structlog.get_logger("connectors.jira")

Raw = tuple[Any, ...]
_Read = dict[int, tuple[FieldChange, ...] | RejectedRecord]
_Pending = tuple[list[Page], "Future[list[_Read]]"]


class HistoryReader:
    """The histories of one worker's issues, read with that worker's *client*."""

    def __init__(self, client: JiraClient, context: ChangelogContext, batch: int) -> None:
        self._client = client
        self._context = context
        self._batch = batch

    @property
    def expand(self) -> str | None:
        """What search pages must expand for this reader (``changelog`` on Data Center)."""
        return None if self._context.cloud else "changelog"

    def detach(self, raw: Raw) -> Raw:
        """Take the inline ``changelog`` out of each raw issue (changed in place, so that an
        issue's stored payload does not hold its history twice); what ``pages`` needs of
        each issue to read its history: id, issue type and that changelog."""
        carriers = []
        for payload in raw:
            if isinstance(payload, dict) and "changelog" in payload:
                fields = payload.get("fields")
                kind = fields.get("issuetype") if isinstance(fields, Mapping) else None
                changelog = payload.pop("changelog")
                carriers.append(
                    {"id": payload.get("id"), "changelog": changelog, "fields": {"issuetype": kind}}
                )
            else:
                carriers.append(payload)
        return tuple(carriers)

    def pages(self, pages: Iterable[tuple[Page, Raw]]) -> Iterator[Page]:
        """*pages* (each with its raw issues) with their issues' changes attached."""
        if not self._context.cloud:
            for page, raw in pages:
                yield _attached(page, self._inline(page, raw))
            return
        pool = ThreadPoolExecutor(1, thread_name_prefix=f"{self._context.source}-history")
        try:
            yield from self._overlapped(iter(pages), pool)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _overlapped(
        self, pages: Iterator[tuple[Page, Raw]], pool: ThreadPoolExecutor
    ) -> Iterator[Page]:
        helper: HistoryReader | None = None  # with a client of its own, for the pool's thread
        group: list[tuple[Page, Raw]] = []
        held = largest = 0
        pending: _Pending | None = None
        failure: SourceError | None = None
        ended = False
        while not ended:
            try:
                group.append(next(pages))
            except StopIteration:
                ended = True
            except StopRequestedError:
                raise
            except SourceError as error:  # pages served before it are still handed on
                failure, ended = error, True
            else:
                size = len(group[-1][0].issues)
                held, largest = held + size, max(largest, size)
                if pending is not None and pending[1].done():  # handed on as soon as read
                    yield from _each_attached(*pending)
                    pending = None
            # Closed when full, or when a next page as large as any would not fit in a request.
            if group and (ended or len(group) == GROUP_PAGES or held + largest > self._batch):
                helper = helper or HistoryReader(self._client.twin(), self._context, self._batch)
                # Read next (the pool's one thread reads in turn) while the previous group
                # waits for room in the queue.
                reading = _reading(pool, helper, group)
                if pending is not None:
                    yield from _each_attached(*pending, failure)
                pending, group, held = reading, [], 0
        if pending is not None:
            yield from _each_attached(*pending, failure)
        if failure is not None:
            raise failure

    def histories(self, ids: Iterable[int]) -> Iterator[tuple[int, tuple[FieldChange, ...]]]:
        """``(issue_id, changes)`` for every id whose history was read whole."""
        for batch in _chunks(list(dict.fromkeys(ids)), self._batch):
            read = self._bulk(batch) if self._context.cloud else self._one_by_one(batch)
            for issue_id in batch:
                found = read.get(issue_id, ())
                if isinstance(found, RejectedRecord):
                    _log.warning(
                        "history_unreadable", source=found.source, issue=found.reference,
                        reason=found.reason,
                    )  # fmt: skip
                else:
                    yield issue_id, found

    # -- Cloud ---------------------------------------------------------------------------
    def read_cloud_pages(self, group: Sequence[tuple[Page, Raw]]) -> list[_Read]:
        """The histories of each page's issues in *group* (an issue with none: ``()``), read
        together by bulk fetch, ``batch`` issues a request."""
        keys = {issue.issue_id: issue.key for page, _ in group for issue in page.issues}
        if not keys:
            return [{} for _ in group]
        subtasks = dict(_subtasks(payload for _, raw in group for payload in raw))
        read = self._bulk(list(keys), subtasks, keys)
        return [
            {issue.issue_id: read.get(issue.issue_id, ()) for issue in page.issues}
            for page, _ in group
        ]

    def _bulk(
        self,
        ids: Sequence[int],
        subtasks: Mapping[int, bool] | None = None,
        keys: Mapping[int, str] | None = None,
    ) -> _Read:
        raw: dict[int, list[Any]] = {}
        for batch in _chunks(list(ids), self._batch):
            for issue_id, histories in self._bulk_pages(batch):
                raw.setdefault(issue_id, []).extend(histories)
        if subtasks is None:
            with_parents = [i for i, found in raw.items() if _has_parent_item(found)]
            subtasks = self._subtasks(with_parents)
        return {
            issue_id: self._changes(
                issue_id,
                (keys or {}).get(issue_id, str(issue_id)),
                found,
                subtasks.get(issue_id, False),
            )
            for issue_id, found in raw.items()
        }

    def _bulk_pages(self, batch: Sequence[int]) -> Iterator[tuple[int, list[Any]]]:
        client, context = self._client, self._context
        where = f"changelog of {len(batch)} issues from {batch[0]}"
        budget = PageBudget(source=context.source, partition=where)
        walk = token_walk(
            lambda token: client.bulk_changelogs(
                batch, context.field_ids(), token, BULK_MAX_RESULTS
            ),
            source=context.source,
            partition=where,
            budget=budget,
            size=lambda body: sum(len(histories) for _, histories in bulk_logs(body)),
        )
        for body in walk:
            yield from bulk_logs(body)

    def _subtasks(self, ids: Sequence[int]) -> dict[int, bool]:
        """Which of *ids* are sub-tasks (a Cloud parent change is an epic change otherwise)."""
        found: dict[int, bool] = {}
        for batch in _chunks(list(ids), _TYPE_BATCH):
            answer = self._client.issues_by_id(batch, ("issuetype",))
            issues = answer.get("issues")
            found.update(_subtasks(tuple(issues) if isinstance(issues, list) else ()))
        return found

    # -- Data Center ---------------------------------------------------------------------
    def _inline(self, page: Page, raw: Raw) -> _Read:
        wanted = {issue.issue_id: issue.key for issue in page.issues}
        read: _Read = {}
        for payload in raw:
            issue_id = _numeric(payload.get("id")) if isinstance(payload, Mapping) else None
            if issue_id is None or issue_id not in wanted or issue_id in read:
                continue
            histories = _whole(payload.get("changelog"))
            if histories is None:  # truncated, or not given: never trusted
                read.update(self._one_by_one([issue_id], wanted[issue_id]))
            else:
                subtask = dict(_subtasks((payload,))).get(issue_id, False)
                read[issue_id] = self._changes(issue_id, wanted[issue_id], histories, subtask)
        return read

    def _one_by_one(self, ids: Sequence[int], reference: str | None = None) -> _Read:
        read: _Read = {}
        for issue_id in ids:
            payload = self._client.issue_with_changelog(issue_id)
            if payload is None:
                continue
            name = reference or str(payload.get("key") or issue_id)
            histories = _whole(payload.get("changelog"))
            if histories is None:
                read[issue_id] = RejectedRecord(
                    self._context.source,
                    name,
                    "changelog: Jira served part of the issue's history and no way to the rest",
                    excerpt(payload.get("changelog")),
                )
                continue
            subtask = dict(_subtasks((payload,))).get(issue_id, False)
            read[issue_id] = self._changes(issue_id, name, histories, subtask)
        return read

    def _changes(
        self, issue_id: int, reference: str, histories: Sequence[Any], subtask: bool
    ) -> tuple[FieldChange, ...] | RejectedRecord:
        try:
            return field_changes(issue_id, histories, self._context, subtask=subtask)
        except UnreadableHistory as problem:
            return RejectedRecord(
                self._context.source, reference, f"changelog: {problem.reason}", excerpt(histories)
            )


def _reading(
    pool: ThreadPoolExecutor, reader: HistoryReader, group: list[tuple[Page, Raw]]
) -> _Pending:
    """*group*'s pages, and their histories being read by *reader* on *pool*."""
    return [page for page, _ in group], pool.submit(reader.read_cloud_pages, tuple(group))


def _each_attached(
    pages: Sequence[Page], read: Future[list[_Read]], failure: SourceError | None = None
) -> Iterator[Page]:
    """*pages* in order, each with its changes from the group's *read*. A read that fails
    after the pages' own *failure* raises that failure, from the read's error."""
    try:
        found = read.result()
    except SourceError as error:
        if failure is None:
            raise
        raise failure from error
    for page, changes in zip(pages, found, strict=True):
        yield _attached(page, changes)


def _attached(page: Page, read: _Read) -> Page:
    """*page* with its issues' changes; its histories are complete unless one was refused
    (the store then leaves the page's issues to a later history fetch)."""
    changes = [c for found in read.values() if not isinstance(found, RejectedRecord) for c in found]
    rejected = [found for found in read.values() if isinstance(found, RejectedRecord)]
    return Page(
        page.partition,
        page.number,
        page.issues,
        page.rejected + tuple(rejected),
        page.stable,
        tuple(changes),
        history_complete=not rejected,
    )


def _whole(changelog: Any) -> list[Any] | None:
    """The histories of an inline changelog when it holds all of them, else ``None``."""
    if not isinstance(changelog, Mapping):
        return None
    histories, total, start = (changelog.get(k) for k in ("histories", "total", "startAt"))
    if not isinstance(histories, list) or not isinstance(total, int) or isinstance(total, bool):
        return None
    return histories if start in (0, None) and total <= len(histories) else None


def _subtasks(raw: Iterable[Any]) -> Iterator[tuple[int, bool]]:
    for payload in raw:
        if not isinstance(payload, Mapping):
            continue
        issue_id = _numeric(payload.get("id"))
        fields = payload.get("fields")
        kind = fields.get("issuetype") if isinstance(fields, Mapping) else None
        if issue_id is not None and isinstance(kind, Mapping):
            yield issue_id, kind.get("subtask") is True or kind.get("hierarchyLevel") == -1


def _has_parent_item(histories: Sequence[Any]) -> bool:
    for history in histories:
        items = history.get("items") if isinstance(history, Mapping) else None
        for item in items if isinstance(items, list) else ():
            name = item.get("field") if isinstance(item, Mapping) else None
            if isinstance(name, str) and name.casefold() in _PARENT_NAMES:
                return True
    return False


def _numeric(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
