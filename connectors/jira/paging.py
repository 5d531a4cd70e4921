"""Walking one query to its end: Cloud by ``nextPageToken``, Data Center by ``startAt``.

Both loops refuse to spin: a repeated token or an offset that does not advance is a
``PermanentSourceError``. Data Center steps by the ``maxResults`` the server echoes (it clamps
silently); after a short page before ``total`` it goes on from the first position the page
did not return, since stepping over it would skip issues no later page lists (re-read issues
are deduplicated by id downstream); it marks pages unstable when ``total`` changes mid-query
or a page before ``total`` comes back empty. Results past a Data Center query's result window
(10,000 on OpenSearch) are read by narrowed queries that go on from the last issue read. A
2xx body without the promised keys is a ``MalformedResponseError`` (transient: truncated
bodies happen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.http import MalformedResponseError
from syncd.core.errors import PermanentSourceError

__all__ = [
    "RESULT_WINDOW",
    "NextWindow",
    "RawPage",
    "check_cloud_body",
    "check_datacenter_body",
    "cloud_pages",
    "datacenter_pages",
]

CloudFetch = Callable[[str | None], Mapping[str, Any]]
"""Fetch one Cloud page given the previous page's token (``None`` for the first)."""
DataCenterFetch = Callable[[str | None, int], Mapping[str, Any]]
"""Fetch one Data Center page: the query narrowed by a JQL clause (or not), from an offset."""
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


def cloud_pages(fetch: CloudFetch, *, source: str, partition: str) -> Iterator[RawPage]:
    """Follow ``nextPageToken`` until it is absent or ``isLast`` is true."""
    token: str | None = None
    seen: set[str] = set()
    number = 0
    while True:
        body = fetch(token)
        yield RawPage(number, _issues(body))
        following = body.get("nextPageToken")
        if following is None or following == "" or body.get("isLast") is True:
            return
        if not isinstance(following, str):
            raise MalformedResponseError(f"nextPageToken is {type(following).__name__}")
        if following in seen or following == token:
            raise PermanentSourceError(
                source,
                f"{partition}: Jira repeated the page token of page {number} "
                "(paging would never end)",
            )
        seen.add(following)
        token = following
        number += 1


def datacenter_pages(
    fetch: DataCenterFetch,
    *,
    source: str,
    partition: str,
    next_window: NextWindow | None = None,
    result_window: int = RESULT_WINDOW,
) -> Iterator[RawPage]:
    """Step ``startAt`` by the echoed ``maxResults`` until it reaches ``total``.

    With *next_window*, no page reaches past *result_window* results of one query (Data
    Center on OpenSearch answers 500 beyond it): the walk goes on with a new query narrowed
    by ``next_window(last issue read)``, which must start at or before that issue (issues
    read twice are deduplicated downstream). A window that cannot move on (more issues in
    one narrowing step than the window holds) is a ``PermanentSourceError``.
    """
    narrowing: str | None = None
    stable = True
    number = 0
    while True:
        start = 0
        first_total: int | None = None
        last: Any = None
        while True:
            body = fetch(narrowing, start)
            total = _count(body, "total")
            step = _count(body, "maxResults")
            if first_total is None:
                first_total = total
            issues = _issues(body)
            # An empty page before the end hides issues no later page will list.
            stable = stable and total == first_total and (bool(issues) or start >= total)
            yield RawPage(number, issues, stable)
            number += 1
            last = issues[-1] if issues else last
            following = start + _advance(step, len(issues), total - start)
            if following >= total:
                return
            if following <= start:
                raise PermanentSourceError(
                    source,
                    f"{partition}: Jira's startAt does not advance (maxResults={step} at "
                    f"startAt={start} of {total})",
                )
            if next_window is not None and following + step > result_window:
                break
            start = following
        moved = next_window(last) if next_window is not None and last is not None else None
        if moved is None or moved == narrowing:
            raise PermanentSourceError(
                source,
                f"{partition}: more than {result_window} results share one window "
                f"({narrowing or 'the whole query'}); Jira cannot page past them (raise the "
                "source's result_window if Jira allows more)",
            )
        narrowing = moved


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
