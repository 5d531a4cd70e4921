"""``JiraSource`` paging (Cloud tokens, Data Center offsets), partitions on threads, census."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from jira_support import API, bootstrap, build_source, issue, make_config, query

from connectors.http import StopRequestedError
from connectors.jira.histories import GROUP_PAGES
from connectors.jira.paging import datacenter_pages
from syncd.core.domain import Census, RejectedRecord
from syncd.core.errors import PermanentSourceError, TransientSourceError

Handler = Callable[[Any], tuple[int, dict[str, str], str]]


def _json(data: Any) -> tuple[int, dict[str, str], str]:
    import json

    return 200, {"Content-Type": "application/json"}, json.dumps(data)


def _cloud_search(mock: responses.RequestsMock, pages: dict[str | None, dict[str, Any]]) -> None:
    """Answer /search/jql by the request's nextPageToken."""

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        token = query(request).get("nextPageToken", [None])[0]
        return _json(pages[token])

    mock.add_callback(responses.GET, f"{API}/search/jql", callback=answer)


def _searches(mock: responses.RequestsMock, path: str = "/search") -> list[dict[str, list[str]]]:
    return [
        query(call.request) for call in mock.calls if call.request.url.split("?")[0].endswith(path)
    ]


def test_cloud_pages_follow_the_token_until_it_is_absent(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked, time_zone="America/Los_Angeles")
    bad = issue(3, updated="not a date")
    _cloud_search(
        mocked,
        {
            None: {"issues": [issue(1), issue(2)], "nextPageToken": "t1", "isLast": False},
            "t1": {"issues": [bad], "nextPageToken": "t2", "isLast": False},
            "t2": {"issues": [issue(4)], "isLast": True},
        },
    )
    since = datetime(2025, 3, 1, 20, 0, 30, tzinfo=UTC)
    pages = list(build_source(make_config(page_size=2), sleeps).pages(since))

    assert [(p.partition, p.number) for p in pages] == [("SHOP", 0), ("SHOP", 1), ("SHOP", 2)]
    assert [[i.key for i in p.issues] for p in pages] == [["SHOP-1", "SHOP-2"], [], ["SHOP-4"]]
    assert [r.reference for r in pages[1].rejected] == ["SHOP-3"]
    assert isinstance(pages[1].rejected[0], RejectedRecord)
    searches = _searches(mocked, "/search/jql")
    assert [s.get("nextPageToken") for s in searches] == [None, ["t1"], ["t2"]]
    first = searches[0]
    assert first["jql"] == [
        'project = "SHOP" AND updated >= "2025/03/01 11:50" ORDER BY created ASC, key ASC'
    ]
    assert first["maxResults"] == ["2"]
    assert "*all" not in first["fields"]
    assert {"summary", "status", "updated", "customfield_10016", "customfield_10020"} <= set(
        first["fields"]
    )
    assert "startAt" not in first


def test_cloud_is_last_with_a_token_is_contradictory_and_fails_after_the_page(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    """isLast true yet a nextPageToken: the page served is passed on, then the run fails
    loudly instead of believing either claim (ending early would lose the rest)."""
    bootstrap(mocked)
    _cloud_search(mocked, {None: {"issues": [issue(1)], "nextPageToken": "t1", "isLast": True}})
    pages = []
    with pytest.raises(PermanentSourceError, match=r"isLast\) yet hands out a nextPageToken"):
        pages.extend(build_source(make_config(), sleeps).pages(None))
    assert len(pages) == 1
    assert len(_searches(mocked, "/search/jql")) == 1


def test_a_repeated_cloud_token_stops_with_a_permanent_error(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked)
    _cloud_search(
        mocked,
        {
            None: {"issues": [issue(1)], "nextPageToken": "t1"},
            "t1": {"issues": [issue(2)], "nextPageToken": "t2"},
            "t2": {"issues": [issue(3)], "nextPageToken": "t1"},
        },
    )
    with pytest.raises(PermanentSourceError, match="repeated the page token"):
        list(build_source(make_config(), sleeps).pages(None))
    assert len(_searches(mocked, "/search/jql")) == 3


def _dc_search(mock: responses.RequestsMock, answer: Callable[[int], dict[str, Any]]) -> None:
    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        return _json(answer(int(query(request)["startAt"][0])))

    mock.add_callback(responses.GET, f"{API}/search", callback=callback)


def test_data_center_steps_by_the_echoed_max_results_and_reads_past_a_short_page(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    """The server clamps 100 to 3; the page at 3 is short but not the end: paging goes on
    from the first position it did not return (5), so nothing it skipped is lost. One
    result is asked past the total (7) to make sure it is the end."""
    bootstrap(mocked, deployment="Server")
    keys = {0: [1, 2, 3], 3: [4, 5], 5: [6, 7], 7: []}
    _dc_search(
        mocked,
        lambda start: {
            "startAt": start,
            "maxResults": 3,
            "total": 7,
            "issues": [issue(n) for n in keys[start]],
        },
    )
    pages = list(build_source(make_config(page_size=100), sleeps).pages(None))
    assert [s["startAt"] for s in _searches(mocked)] == [["0"], ["3"], ["5"], ["7"]]
    assert [s["maxResults"] for s in _searches(mocked)] == [["100"]] * 3 + [["1"]]
    assert [i.key for p in pages for i in p.issues] == [f"SHOP-{n}" for n in range(1, 8)]
    assert all(page.stable for page in pages)


def test_a_data_center_total_that_changes_mid_query_marks_pages_unstable(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked, deployment="Server")
    totals = {0: 4, 2: 5, 4: 5, 5: 5}
    _dc_search(
        mocked,
        lambda start: {
            "startAt": start,
            "maxResults": 2,
            "total": totals[start],
            "issues": [issue(n) for n in range(start + 1, min(start + 2, totals[start]) + 1)],
        },
    )
    pages = list(build_source(make_config(), sleeps).pages(None))
    assert [page.stable for page in pages] == [True, False, False]


def test_a_data_center_offset_that_does_not_advance_stops_with_a_permanent_error(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked, deployment="Server")
    _dc_search(mocked, lambda start: {"startAt": start, "maxResults": 0, "total": 9, "issues": []})
    with pytest.raises(PermanentSourceError, match="startAt does not advance"):
        list(build_source(make_config(), sleeps).pages(None))
    assert len(_searches(mocked)) == 1


def test_a_search_answer_without_issues_is_retried_then_fails_transiently(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked, deployment="Server")
    mocked.get(f"{API}/search", body="")
    with pytest.raises(TransientSourceError, match="invalid response body"):
        list(build_source(make_config(max_attempts=3), sleeps).pages(None))
    assert len(_searches(mocked)) == 3


def _per_project(mock: responses.RequestsMock, counts: dict[str, int], fail: str = "") -> None:
    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        jql = query(request)["jql"][0]
        project = jql.split('"')[1]
        if project == fail:
            return 400, {"Content-Type": "application/json"}, '{"errorMessages":["bad"]}'
        token = query(request).get("nextPageToken", ["0"])[0]
        number = int(token)
        page: dict[str, Any] = {"issues": [issue(number * 10 + 1, project)]}
        if number + 1 < counts[project]:
            page["nextPageToken"] = str(number + 1)
        return _json(page)

    mock.add_callback(responses.GET, f"{API}/search/jql", callback=callback)


def test_partitions_are_fetched_on_workers_each_with_its_own_client(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked)
    counts = {"SHOP": 3, "GROW": 2, "MOB": 4}
    _per_project(mocked, counts)
    config = make_config(projects=list(counts), concurrency=2)
    pages = list(build_source(config, sleeps).pages(None))
    by_partition: dict[str, list[int]] = {}
    for page in pages:
        by_partition.setdefault(page.partition, []).append(page.number)
    assert by_partition == {name: list(range(count)) for name, count in counts.items()}
    server_infos = [c for c in mocked.calls if c.request.url.endswith("/serverInfo")]
    assert len(server_infos) == 3  # the bootstrap client and one per worker
    assert len([c for c in mocked.calls if c.request.url.endswith("/field")]) == 1


def test_an_error_in_one_partition_stops_the_run_and_reaches_the_caller(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked)
    _per_project(mocked, {"SHOP": 50, "GROW": 50}, fail="GROW")
    config = make_config(projects=["SHOP", "GROW"], concurrency=2)
    with pytest.raises(PermanentSourceError, match="HTTP 400"):
        list(build_source(config, sleeps).pages(None))


def test_the_stop_event_ends_paging_promptly(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked)
    _per_project(mocked, {"SHOP": 10_000})
    stop = threading.Event()
    source = build_source(make_config(), sleeps, stop_event=stop)

    def consume_until_sigterm() -> None:
        for number, _ in enumerate(source.pages(None)):
            if number == 2:
                stop.set()

    with pytest.raises(StopRequestedError):
        consume_until_sigterm()
    assert len(_searches(mocked, "/search/jql")) < 100


def test_the_page_queue_is_bounded_when_the_consumer_is_slow(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    """A worker runs at most a queue's worth of pages ahead of the consumer, and the two
    groups of pages whose histories it reads together (one being fetched, one handed on)."""
    bootstrap(mocked)
    _per_project(mocked, {"SHOP": 1000})
    pages = build_source(make_config(concurrency=1), sleeps).pages(None)
    next(pages)
    fetched = -1
    for _ in range(40):  # let the worker run until it blocks on the full queue
        current = len(_searches(mocked, "/search/jql"))
        if current == fetched:
            break
        fetched = current
        time.sleep(0.05)
    pages.close()
    assert fetched <= 1 + 1 + 2 * GROUP_PAGES  # taken, queued (one a worker), two groups


def test_census_sweeps_ids_of_visible_projects_and_reports_lost_ones(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked)
    mocked.get(f"{API}/project", json=[{"key": "SHOP"}, {"key": "GROW"}, {"key": "OTHER"}])

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        params = query(request)
        project = params["jql"][0].split('"')[1]
        ids = {"SHOP": ["10001", "10002"], "GROW": []}[project]
        return _json({"issues": [{"id": one} for one in ids], "isLast": True})

    mocked.add_callback(responses.GET, f"{API}/search/jql", callback=answer)
    config = make_config(projects=["SHOP", "GROW", "GONE"])
    census = build_source(config, sleeps).census()
    assert census == Census(
        ids={"SHOP": frozenset({10001, 10002}), "GROW": frozenset()},
        lost=frozenset({"GONE"}),
        complete=True,
    )
    assert not [c for c in mocked.calls if c.request.url.endswith("/field")]
    for search in _searches(mocked, "/search/jql"):
        assert search["fields"] == ["id"]
        assert search["maxResults"] == ["5000"]
        assert search["jql"][0].endswith("ORDER BY key ASC")


def test_a_data_center_census_steps_by_the_clamp_and_an_unreadable_id_makes_it_incomplete(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked, deployment="Server")
    mocked.get(f"{API}/project", json=[{"key": "SHOP"}])
    ids: dict[int, list[Any]] = {0: ["1", "2"], 2: [None], 3: []}
    _dc_search(
        mocked,
        lambda start: {
            "startAt": start,
            "maxResults": 2,
            "total": 3,
            "issues": [{"id": one} for one in ids[start]],
        },
    )
    census = build_source(make_config(), sleeps).census()
    assert census.ids == {"SHOP": frozenset({1, 2})}
    assert census.complete is False
    assert [s["startAt"] for s in _searches(mocked)] == [["0"], ["2"], ["3"]]
    for search in _searches(mocked):  # read in creation order, so that windows can go on
        assert search["fields"] == ["id", "created"]
        assert search["jql"][0].endswith("ORDER BY created ASC, key ASC")


def test_an_unknown_user_time_zone_widens_the_bound_by_a_day_in_utc(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked, time_zone="Mars/Olympus_Mons")
    _cloud_search(mocked, {None: {"issues": [], "isLast": True}})
    since = datetime(2025, 3, 2, 0, 30, tzinfo=UTC)
    list(build_source(make_config(overlap_minutes=15), sleeps).pages(since))
    (search,) = _searches(mocked, "/search/jql")
    assert 'updated >= "2025/03/01 00:15"' in search["jql"][0]


def _windowed_server(
    created: list[int], window: int, size: int
) -> tuple[Callable[[str | None, int, int | None], dict[str, Any]], list[tuple[str | None, int]]]:
    """A Data Center search over issues created at the given minutes (ordered by creation)
    that, like OpenSearch, refuses to page past *window* results of one query."""
    asked: list[tuple[str | None, int]] = []

    def fetch(narrowing: str | None, start: int, wanted: int | None) -> dict[str, Any]:
        asked.append((narrowing, start))
        step = wanted or size
        if start + step > window:
            raise AssertionError(f"paged past the window: {start}+{step}")
        since = int(narrowing.split(">=")[1]) if narrowing else 0
        matching = [n for n, minute in enumerate(created) if minute >= since]
        page = matching[start : start + step]
        return {
            "startAt": start,
            "maxResults": step,
            "total": len(matching),
            "issues": [{"id": str(n), "minute": created[n]} for n in page],
        }

    return fetch, asked


def _from_minute(issue: Any) -> str:
    return f"created >={issue['minute']}"


def test_data_center_pages_past_the_result_window_go_on_from_the_last_issue_read() -> None:
    """23 issues, a window of 6 in pages of 3: every issue is read, no query pages past the
    window, and issues of the minute a window starts at are read again (deduplicated later)."""
    created = [0, 0, 1, 2, 2, 3, 4, 5, 5, 5, 6, 7, 8, 9, 9, 10, 11, 12, 13, 14, 15, 15, 16]
    fetch, asked = _windowed_server(created, window=6, size=3)

    pages = list(
        datacenter_pages(
            fetch, source="acme", partition="SHOP", next_window=_from_minute, result_window=6
        )
    )

    read = [int(issue["id"]) for page in pages for issue in page.issues]
    assert set(read) == set(range(len(created)))
    assert [page.number for page in pages] == list(range(len(pages)))
    assert all(page.stable for page in pages)
    assert {narrowing for narrowing, _ in asked} > {None, "created >=3"}


def test_more_issues_in_one_window_step_than_the_window_holds_stop_with_a_permanent_error() -> None:
    """Seven issues created in one minute with a window of 6: no narrowing can move on."""
    fetch, _ = _windowed_server([0] * 7 + [1], window=6, size=3)
    with pytest.raises(PermanentSourceError, match="more than 6 results share one window"):
        list(
            datacenter_pages(
                fetch, source="acme", partition="SHOP", next_window=_from_minute, result_window=6
            )
        )
