"""Paging metadata that lies: each class of contradiction a broken or hostile Jira can serve.

The pages themselves stay true (the issues the query matches, in order); only what the
answer says about paging is false, from page ``from_page`` of each query on:

``last_with_token``     Cloud: ``isLast: true`` on a page that still hands out a ``nextPageToken``
``more_without_token``  Cloud: ``isLast: false`` on a page without a ``nextPageToken``
``fresh_tokens``        Cloud: every page hands out a new token that resumes where it began
                        (the same page again, for ever)
``total_short``         Data Center: ``total`` leaves out the last ``amount`` issues
``total_growing``       Data Center: ``total`` always reaches two pages past the page served
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["CLOUD_LIES", "DATACENTER_LIES", "LIE_KINDS", "PagingLie", "lie_cloud", "lie_total"]

CLOUD_LIES = ("last_with_token", "more_without_token", "fresh_tokens")
DATACENTER_LIES = ("total_short", "total_growing")
LIE_KINDS = CLOUD_LIES + DATACENTER_LIES


@dataclass(frozen=True, slots=True)
class PagingLie:
    """One lie (a ``LIE_KINDS`` kind), told from page *from_page* of each query on;
    *amount* is how many issues ``total_short`` leaves out."""

    kind: str
    from_page: int = 0
    amount: int = 1

    def __post_init__(self) -> None:
        if self.kind not in LIE_KINDS:
            raise ValueError(f"unknown paging lie {self.kind!r}; one of {', '.join(LIE_KINDS)}")


def lie_cloud(lie: PagingLie, page: int, body: dict[str, Any], resume: Callable[[], str]) -> None:
    """Rewrite a ``/search/jql`` *body* (page number *page*) as *lie* says; *resume* issues
    a token that serves this same page again."""
    if lie.kind not in CLOUD_LIES or page < lie.from_page:
        return
    if lie.kind == "last_with_token" and "nextPageToken" in body:
        body["isLast"] = True
    elif lie.kind == "more_without_token":
        body.pop("nextPageToken", None)
        body["isLast"] = False
    elif lie.kind == "fresh_tokens":
        body["nextPageToken"] = resume()
        body["isLast"] = False


def lie_total(lie: PagingLie, total: int, start: int, size: int) -> int:
    """The ``total`` a Data Center ``/search`` page at *start* of *size* claims under *lie*."""
    if lie.kind not in DATACENTER_LIES or start // max(1, size) < lie.from_page:
        return total
    if lie.kind == "total_short":
        return max(0, total - lie.amount)
    return max(total, start + 2 * max(1, size))
