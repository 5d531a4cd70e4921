"""The page budget and the paging contradictions, as properties: an honest query of any
size, page clamp and count lag is never cut short; an endless one always ends, soon; paging
metadata that contradicts itself always fails the walk."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.jira.budget import FREE_PAGES, HEADROOM, SLACK_RESULTS
from connectors.jira.paging import RawPage, cloud_pages, datacenter_pages
from syncd.core.errors import PermanentSourceError


def _cloud(results: int, page: int, endless: bool = False) -> Callable[[str | None], Any]:
    """A Cloud search over *results* issues in pages of *page*; *endless* hands out a
    fresh token that serves the same page again, for ever."""
    fresh = iter(range(1, 10**9))

    def fetch(token: str | None) -> Mapping[str, Any]:
        start = int(token.split(":")[0]) if token else 0
        end = min(results, start + page)
        body: dict[str, Any] = {"issues": list(range(start, end)), "isLast": end >= results}
        if endless:
            body |= {"nextPageToken": f"{start}:{next(fresh)}", "isLast": False}
        elif end < results:
            body["nextPageToken"] = f"{end}:0"
        return body

    return fetch


def _lagging(results: int, lag: float) -> Callable[[], int | None]:
    """A count that is *lag* short the first time it is asked, right afterwards."""
    asked = iter([int(results * (1 - lag))])
    return lambda: next(asked, results)


@settings(max_examples=60, deadline=None)
@given(
    results=st.integers(0, 3000),
    page=st.integers(1, 200),
    lag=st.floats(0, 1),
    known=st.booleans(),
)
def test_an_honest_cloud_query_is_never_cut_short(
    results: int, page: int, lag: float, known: bool
) -> None:
    """Whatever its size, however the server clamps pages, and with a count that lags (or
    none at all), an honest walk reads every issue."""
    count = _lagging(results, lag) if known else (lambda: None)
    pages = list(cloud_pages(_cloud(results, page), source="acme", partition="P", count=count))
    assert [i for p in pages for i in p.issues] == list(range(results))


@settings(max_examples=30, deadline=None)
@given(results=st.integers(0, 400), page=st.integers(1, 100))
def test_an_endless_cloud_query_always_ends_with_a_clear_failure(results: int, page: int) -> None:
    """A fresh token for ever: the walk fails 'would never end' within the budget its
    (first, stale-corrected) count allows, never later."""
    walked: list[RawPage] = []
    count = _lagging(results, 0.0)
    with pytest.raises(PermanentSourceError, match="would never end"):
        walked.extend(
            cloud_pages(_cloud(results, page, endless=True), source="a", partition="P", count=count)
        )
    largest = max(1, min(results, page))
    served = (FREE_PAGES + 1) * min(results, page)
    bound = FREE_PAGES + math.ceil((HEADROOM * max(results, served) + SLACK_RESULTS) / largest)
    assert len(walked) <= bound


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"issues": [1], "isLast": True, "nextPageToken": "t"}, r"isLast\) yet hands out"),
        ({"issues": [1], "isLast": False}, r"isLast false\) yet hands out no"),
        ({"issues": [1], "isLast": False, "nextPageToken": ""}, r"isLast false\) yet hands out no"),
    ],
    ids=["last-with-token", "more-without-token", "more-with-empty-token"],
)
def test_contradictory_cloud_paging_fails_after_the_page(body: dict[str, Any], said: str) -> None:
    """Cloud metadata that contradicts itself: the page is passed on, then the walk fails."""
    walked: list[RawPage] = []
    with pytest.raises(PermanentSourceError, match=said):
        walked.extend(cloud_pages(lambda _: body, source="acme", partition="P"))
    assert [page.issues for page in walked] == [(1,)]


def _datacenter(results: int, told: Callable[[int, int], int], clamp: int = 1000) -> Any:
    """A Data Center search over *results* issues whose ``total`` is ``told(results, start)``."""
    asked: list[tuple[int, int]] = []

    def fetch(narrowing: str | None, start: int, size: int | None) -> Mapping[str, Any]:
        step = min(size or 50, clamp)
        asked.append((start, step))
        issues = list(range(start, min(results, start + step)))
        return {
            "startAt": start,
            "maxResults": step,
            "total": told(results, start),
            "issues": issues,
        }

    fetch.asked = asked  # type: ignore[attr-defined]
    return fetch


@settings(max_examples=60, deadline=None)
@given(results=st.integers(1, 2000), short=st.integers(1, 2000), clamp=st.integers(1, 300))
def test_a_data_center_total_below_the_real_count_always_fails(
    results: int, short: int, clamp: int
) -> None:
    """``total`` short by any amount, pages of any clamp: the walk never ends as if done;
    it fails saying the total is below the real count."""
    fetch = _datacenter(results, lambda real, _: max(0, real - short), clamp)
    with pytest.raises(PermanentSourceError, match="total is below the real count"):
        list(datacenter_pages(fetch, source="acme", partition="P"))


@settings(max_examples=40, deadline=None)
@given(results=st.integers(0, 2000), clamp=st.integers(1, 300))
def test_an_honest_data_center_walk_asks_once_past_its_total(results: int, clamp: int) -> None:
    """An honest total: every issue is read, and the end is checked by one request of one
    result at ``total``, unless the last page already asked there (an empty query)."""
    fetch = _datacenter(results, lambda real, _: real, clamp)
    pages = list(datacenter_pages(fetch, source="acme", partition="P"))
    assert [i for p in pages for i in p.issues] == list(range(results))
    assert fetch.asked[-1] == ((results, 1) if results else (0, min(50, clamp)))


def test_a_data_center_total_that_grows_for_ever_ends_within_the_budget() -> None:
    """A total always two pages ahead: the walk fails 'would never end', bounded by the
    first total it was told."""
    fetch = _datacenter(30, lambda _, start: start + 100, clamp=10)
    pages: Iterator[RawPage] = datacenter_pages(fetch, source="acme", partition="P")
    with pytest.raises(PermanentSourceError, match="would never end"):
        list(pages)
    assert len(fetch.asked) <= FREE_PAGES + math.ceil((HEADROOM * 100 + SLACK_RESULTS) / 10) + 1
