"""Walking one query to its end: Cloud by ``nextPageToken``, Data Center by ``startAt``.

Both loops refuse to spin: a repeated token or an offset that does not advance is a
``PermanentSourceError``. Data Center steps by the ``maxResults`` the server echoes (it clamps
silently); after a short page before ``total`` it goes on from the first position the page
did not return, since stepping over it would skip issues no later page lists (re-read issues
are deduplicated by id downstream); it marks pages unstable when ``total`` changes mid-query
or a page before ``total`` comes back empty. A 2xx body without the promised keys is a
``MalformedResponseError`` (transient: truncated bodies happen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.http import MalformedResponseError
from syncd.errors import PermanentSourceError

__all__ = [
    "RawPage",
    "check_cloud_body",
    "check_datacenter_body",
    "cloud_pages",
    "datacenter_pages",
]

CloudFetch = Callable[[str | None], Mapping[str, Any]]
"""Fetch one Cloud page given the previous page's token (``None`` for the first)."""
DataCenterFetch = Callable[[int], Mapping[str, Any]]
"""Fetch one Data Center page starting at the given offset."""


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


def datacenter_pages(fetch: DataCenterFetch, *, source: str, partition: str) -> Iterator[RawPage]:
    """Step ``startAt`` by the echoed ``maxResults`` until it reaches ``total``."""
    start = 0
    first_total: int | None = None
    stable = True
    number = 0
    while True:
        body = fetch(start)
        total = _count(body, "total")
        step = _count(body, "maxResults")
        if first_total is None:
            first_total = total
        issues = _issues(body)
        # An empty page before the end hides issues no later page will list.
        stable = stable and total == first_total and (bool(issues) or start >= total)
        yield RawPage(number, issues, stable)
        following = start + _advance(step, len(issues), total - start)
        if following >= total:
            return
        if following <= start:
            raise PermanentSourceError(
                source,
                f"{partition}: Jira's startAt does not advance (maxResults={step} at "
                f"startAt={start} of {total})",
            )
        start = following
        number += 1


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
