"""Search execution: JQL to an ordered list of issue ids, cached per state version, plus
Cloud's opaque page tokens.

A query is evaluated once per state version and reused for every page, so paging 200,000
issues costs one filter pass, not one per page. Candidates come from the per-project indexes
when the query names its projects. With the clock before the state's last change (a pinned
past), every issue is read as it stood then, in whichever project it was in then.
"""

from __future__ import annotations

import itertools
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.jira.emulator.jql import JqlError, Query, parse
from connectors.jira.emulator.query import (
    QueryContext,
    compile_where,
    project_scope,
    sort_key,
    time_relative,
)
from connectors.jira.emulator.records import IssueRecord
from connectors.jira.emulator.state import JiraState

__all__ = ["UNBOUNDED_MESSAGE", "PageTokens", "SearchEngine", "Snapshot"]

UNBOUNDED_MESSAGE = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
_INDEX_ORDERS = {(("created", False),), (("created", False), ("key", False)), ()}
_DEFAULT_ORDER = (("created", False), ("key", False))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The ordered ids a query matched, the moment stale reads were judged against, and the
    past moment the query was answered at (``None``: the present)."""

    ids: tuple[int, ...]
    stale_before_ms: int | None
    reconcile: frozenset[int]
    past_ms: int | None = None


class SearchEngine:
    """Evaluates JQL against a :class:`JiraState` in the API user's time zone."""

    def __init__(self, state: JiraState, user_zone: ZoneInfo, cache_size: int = 32) -> None:
        self._state = state
        self._zone = user_zone
        self._parsed: OrderedDict[str, Query] = OrderedDict()
        self._results: OrderedDict[tuple[object, ...], tuple[int, ...]] = OrderedDict()
        self._cache_size = cache_size

    def parse(self, jql: str) -> Query:
        """Parse with a small cache; JqlError on bad syntax."""
        query = self._parsed.get(jql)
        if query is None:
            query = parse(jql)
            self._parsed[jql] = query
            if len(self._parsed) > 256:
                self._parsed.popitem(last=False)
        return query

    def run(
        self, jql: str, *, bounded: bool, lag_ms: int = 0, reconcile: frozenset[int] = frozenset()
    ) -> Snapshot:
        """Evaluate *jql*; ``bounded`` refuses a query with no restriction (Cloud).

        With ``lag_ms`` > 0, issues changed within the lag are seen as they were before
        (new ones missing) unless their id is in *reconcile*.
        """
        query = self.parse(jql.strip())
        if bounded and query.where is None:
            raise JqlError(UNBOUNDED_MESSAGE)
        state = self._state
        with state.locked():
            now = state.clock.now_ms()
            stale = now - lag_ms if lag_ms > 0 and state.changed_since(now - lag_ms) else None
            past = now if now < state.horizon_ms else None
            key: tuple[object, ...] = (
                jql,
                state.version,
                now // 60_000 if time_relative(query.where) else None,
                past,
            )
            cached = self._results.get(key) if stale is None else None
            if cached is not None:
                self._results.move_to_end(key)
                return Snapshot(cached, None, reconcile, past)
            ids = self._evaluate(query, now, stale, reconcile)
            if stale is None:
                self._results[key] = ids
                if len(self._results) > self._cache_size:
                    self._results.popitem(last=False)
            return Snapshot(ids, stale, reconcile, past)

    def view(self, issue_id: int, snapshot: Snapshot) -> IssueRecord | None:
        """The record a result page shows: current, or stale when the snapshot lags."""
        state = self._state
        if snapshot.stale_before_ms is not None and issue_id not in snapshot.reconcile:
            record = state.as_of(issue_id, snapshot.stale_before_ms)
            return record if record is not None and state.is_visible(record.project) else None
        if snapshot.past_ms is not None:
            return state.record_at(issue_id, snapshot.past_ms)
        return state.get(issue_id)

    def _context(self, now: int) -> QueryContext:
        state = self._state
        projects = {p.key: (str(p.id), p.name) for p in state.visible_projects()}
        return QueryContext(
            self._zone,
            now,
            projects,
            key_to_id=lambda key: r.id if (r := state.find(key)) else None,
            id_to_record=state.get,
        )

    def _evaluate(
        self, query: Query, now: int, stale: int | None, reconcile: frozenset[int]
    ) -> tuple[int, ...]:
        ctx = self._context(now)
        state = self._state
        predicate = None if query.where is None else compile_where(query.where, ctx)
        past = now < state.horizon_ms  # issues may have been in other projects then
        scope = None if past else project_scope(query.where, ctx)
        projects = sorted(scope if scope is not None else ctx.projects)
        candidates = itertools.chain.from_iterable(state.project_ids(p) for p in projects)
        records: list[IssueRecord] = []
        for issue_id in candidates:
            if stale is not None and issue_id not in reconcile:
                record = state.as_of(issue_id, stale)
            else:
                record = state.record_at(issue_id, now) if past else state.get(issue_id)
            if record is not None and (predicate is None or predicate(record)):
                records.append(record)
        order = query.order or _DEFAULT_ORDER
        if past or len(projects) > 1 or order not in _INDEX_ORDERS:
            for field, descending in reversed(order):
                records.sort(key=sort_key(field), reverse=descending)
        return tuple(record.id for record in records)


class PageTokens:
    """Cloud's ``nextPageToken``s: opaque, never repeated, each naming a snapshot offset."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._tokens: OrderedDict[str, tuple[Snapshot, int]] = OrderedDict()
        self._serial = itertools.count(1)
        self._capacity = capacity

    def issue(self, snapshot: Snapshot, offset: int) -> str:
        """A new token that resumes *snapshot* at *offset*."""
        token = f"{secrets.token_urlsafe(6)}{next(self._serial):x}"
        self._tokens[token] = (snapshot, offset)
        if len(self._tokens) > self._capacity:
            self._tokens.popitem(last=False)
        return token

    def resolve(self, token: str) -> tuple[Snapshot, int] | None:
        """The snapshot and offset of a token, or None when unknown or expired."""
        return self._tokens.get(token)
