"""Walking one query to its end: Cloud by ``nextPageToken`` (``token_walk``, which Cloud's
changelog bulk fetch pages by too), Data Center by ``startAt``.

Both loops refuse to spin: a repeated token or an offset that does not advance is a
``PermanentSourceError``, and so is a walk past its ``PageBudget`` (``connectors.jira.budget``).
Paging metadata that contradicts itself fails the run rather than be guessed at: Cloud's
``isLast: true`` with a ``nextPageToken``, or ``isLast: false`` without one; a Data Center
page holding issues past its own ``total``. A Data Center ``total`` below the real count is
found by asking one result past it (``maxResults=1``) before the walk ends, unless the last
page already asked there: an honest server answers nothing, more issues under a larger
``total`` are read on, more issues under the same ``total`` fail the run. Data Center steps
by the ``maxResults`` the server echoes (it clamps
silently); after a short page before ``total`` it goes on from the first position the page
did not return, since stepping over it would skip issues no later page lists (re-read issues
are deduplicated by id downstream); it marks pages unstable when ``total`` changes mid-query
or a page before ``total`` comes back empty. Results past a Data Center query's result window
(10,000 on OpenSearch) are read by narrowed queries that go on from the last issue read. A
2xx body without the promised keys is a ``MalformedResponseError`` (transient: truncated
bodies happen).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.http import MalformedResponseError
from connectors.jira.budget import Count, PageBudget
from syncd.core.errors import PermanentSourceError

__all__ = [
    "RESULT_WINDOW",
    "NextWindow",
    "RawPage",
    "check_cloud_body",
    "check_datacenter_body",
    "cloud_pages",
    "datacenter_pages",
    "token_walk",
]

CloudFetch = Callable[[str | None], Mapping[str, Any]]
"""Fetch one Cloud page given the previous page's token (``None`` for the first)."""
DataCenterFetch = Callable[[str | None, int, int | None], Mapping[str, Any]]
"""Fetch one Data Center page: the query narrowed by a JQL clause (or not), from an offset,
of the given size (``None``: the configured page size)."""
NextWindow = Callable[[Any], str | None]
"""The JQL clause of a query that goes on from the given raw issue (``None``: cannot)."""
RESULT_WINDOW = 10_000
"""Data Center's default ``jira.search.platform.max.result.window`` (OpenSearch)."""


@dataclass(frozen=True, slots=True)
class RawPage:
    """One page of raw issue payloads; ``stable`` is false once the result set shifted."""

    number: int
    issues: tuple[Any, ...]
    stable: bool = True


def cloud_pages(
    fetch: CloudFetch, *, source: str, partition: str, count: Count | None = None
) -> Iterator[RawPage]:
    """Follow ``nextPageToken`` until the last page, within a budget sized by *count*."""
    budget = PageBudget(source=source, partition=partition, count=count)
    walk = token_walk(fetch, source=source, partition=partition, budget=budget, size=_issue_count)
    for number, body in enumerate(walk):
        yield RawPage(number, _issues(body))


def token_walk(
    fetch: CloudFetch,
    *,
    source: str,
    partition: str,
    budget: PageBudget,
    size: Callable[[Mapping[str, Any]], int],
) -> Iterator[Mapping[str, Any]]:
    """Every answer of a ``nextPageToken`` walk, first to last; *size* counts an answer's
    results against *budget*. A repeated token is a ``PermanentSourceError``."""
    token: str | None = None
    seen: set[str] = set()
    number = 0
    while True:
        body = fetch(token)
        budget.spend(size(body))
        yield body
        following = _next_token(body, source, f"{partition}: page {number}")
        if following is None:
            return
        if following in seen or following == token:
            raise PermanentSourceError(
                source,
                f"{partition}: Jira repeated the page token of page {number} "
                "(paging would never end)",
            )
        seen.add(following)
        token = following
        number += 1


def _issue_count(body: Mapping[str, Any]) -> int:
    return len(_issues(body))


def _next_token(body: Mapping[str, Any], source: str, where: str) -> str | None:
    """The token of the next page, ``None`` after the last; contradictions fail the run."""
    following = body.get("nextPageToken")
    if following is not None and not isinstance(following, str):
        raise MalformedResponseError(f"nextPageToken is {type(following).__name__}")
    is_last = body.get("isLast")
    if is_last is True and following:
        raise PermanentSourceError(
            source,
            f"{where}: Jira says it is the last page (isLast) yet hands out a nextPageToken; "
            "the run stops rather than guess which is true",
        )
    if is_last is False and not following:
        raise PermanentSourceError(
            source,
            f"{where}: Jira says more pages follow (isLast false) yet hands out no "
            "nextPageToken; the run stops rather than guess which is true",
        )
    return following or None


def datacenter_pages(
    fetch: DataCenterFetch,
    *,
    source: str,
    partition: str,
    next_window: NextWindow | None = None,
    result_window: int = RESULT_WINDOW,
) -> Iterator[RawPage]:
    """Step ``startAt`` by the echoed ``maxResults`` until it reaches ``total``, then make
    sure nothing lies past it.

    With *next_window*, no page reaches past *result_window* results of one query (Data
    Center on OpenSearch answers 500 beyond it): the walk goes on with a new query narrowed
    by ``next_window(last issue read)``, which must start at or before that issue (issues
    read twice are deduplicated downstream). A window that cannot move on (more issues in
    one narrowing step than the window holds) is a ``PermanentSourceError``.
    """
    walk = _DataCenterWalk(fetch, source, partition)
    limit = result_window if next_window is not None else None
    narrowing: str | None = None
    while True:
        last = yield from walk.window(narrowing, limit)
        if walk.ended:
            return
        moved = next_window(last) if next_window is not None and last is not None else None
        if moved is None or moved == narrowing:
            raise PermanentSourceError(
                source,
                f"{partition}: more than {result_window} results share one window "
                f"({narrowing or 'the whole query'}); Jira cannot page past them (raise the "
                "source's result_window if Jira allows more)",
            )
        narrowing = moved


class _DataCenterWalk:
    """One Data Center query walk across its windows: page numbers, stability, budget."""

    def __init__(self, fetch: DataCenterFetch, source: str, partition: str) -> None:
        self._fetch = fetch
        self._source = source
        self._partition = partition
        self._budget = PageBudget(source=source, partition=partition)
        self.stable = True
        self.ended = False
        self._number = 0

    def window(self, narrowing: str | None, limit: int | None) -> Generator[RawPage, None, Any]:
        """The pages of one query until its end (``ended``) or until the next page would
        reach past *limit* results; returns the last issue read."""
        start, size = 0, None
        first_total: int | None = None
        last: Any = None
        while True:
            body = self._fetch(narrowing, start, size)
            total, step, issues = _count(body, "total"), _count(body, "maxResults"), _issues(body)
            self._check_within(total, start, len(issues))
            if size == 1 and not issues:  # nothing past the total: the true end
                self.ended = True
                return last
            if first_total is None:
                first_total = total
                self._budget.know(total)
            self._budget.spend(len(issues))
            # An empty page before the end hides issues no later page will list.
            self.stable = self.stable and total == first_total and (bool(issues) or start >= total)
            yield RawPage(self._number, issues, self.stable)
            self._number += 1
            last = issues[-1] if issues else last
            move = self._next(start, step, len(issues), total, limit)
            if move is None:
                return last
            start, size = move

    def _next(
        self, start: int, step: int, served: int, total: int, limit: int | None
    ) -> tuple[int, int | None] | None:
        """Where the next page starts and its size (1: the look past ``total``); ``None``
        when this window is done (``ended`` says whether the whole walk is)."""
        following = start + _advance(step, served, total - start)
        if following >= total:
            if start >= total:  # this page already asked at the end
                self.ended = True
                return None
            if limit is not None and total + 1 > limit:
                return None  # the next window asks past its own end
            return total, 1
        if following <= start:
            raise PermanentSourceError(
                self._source,
                f"{self._partition}: Jira's startAt does not advance (maxResults={step} at "
                f"startAt={start} of {total})",
            )
        if limit is not None and following + step > limit:
            return None
        return following, None

    def _check_within(self, total: int, start: int, served: int) -> None:
        if served > max(0, total - start):
            raise PermanentSourceError(
                self._source,
                f"{self._partition}: Jira served {served} issues at startAt={start} of a "
                f"query it says has {total}: its total is below the real count, and a run "
                "that believed it would miss issues",
            )


def _advance(step: int, returned: int, remaining: int) -> int:
    """How far the next offset moves: the echoed step, or what a short page returned."""
    expected = min(step, remaining)
    return returned if 0 < returned < expected else step


def check_cloud_body(body: Any) -> Mapping[str, Any]:
    """*body* if it is a usable ``/search/jql`` answer, else ``MalformedResponseError``."""
    _issues(body)
    return body  # type: ignore[no-any-return]


def check_datacenter_body(body: Any) -> Mapping[str, Any]:
    """*body* if it is a usable ``/search`` answer, else ``MalformedResponseError``."""
    _issues(body)
    _count(body, "total")
    _count(body, "maxResults")
    return body  # type: ignore[no-any-return]


def _issues(body: Any) -> tuple[Any, ...]:
    if not isinstance(body, Mapping):
        raise MalformedResponseError(f"search answer is {type(body).__name__}, not an object")
    issues = body.get("issues")
    if not isinstance(issues, list):
        raise MalformedResponseError("search answer has no 'issues' list")
    return tuple(issues)


def _count(body: Any, key: str) -> int:
    value = body.get(key) if isinstance(body, Mapping) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedResponseError(f"search answer has no usable {key!r}")
    return value
