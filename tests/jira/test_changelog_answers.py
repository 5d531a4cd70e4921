"""One-off Jira answers about histories: short histories, broken bulk answers, one bad
history among good ones."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from jira_support import API, BASE, bootstrap, build_source, issue, make_config, query

from syncd.core.domain import HistoryField
from syncd.core.errors import TransientSourceError

BULK = f"{BASE}/rest/api/3/changelog/bulkfetch"
STARTED = {
    "id": "20001",
    "created": "2025-02-01T09:00:00.000+0000",
    "items": [
        {"field": "status", "fieldId": "status", "from": "10000", "fromString": "To Do"}
        | {"to": "3", "toString": "In Progress"}
    ],
}


def _dc_search(mock: responses.RequestsMock, changelog: dict[str, Any]) -> None:
    found = issue(1) | {"changelog": changelog}

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        start = int(query(request)["startAt"][0])
        issues = [found] if start == 0 else []
        body = {"startAt": start, "maxResults": 50, "total": 1, "issues": issues}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    mock.add_callback(responses.GET, f"{API}/search", callback=answer)


def test_a_history_still_short_on_the_issue_is_rejected_never_kept_in_part(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    short = {"startAt": 0, "maxResults": 1, "total": 5, "histories": [STARTED]}
    mocked.get(f"{API}/issue/10001", json={"id": "10001", "changelog": short})  # wins: first
    bootstrap(mocked, deployment="Server")
    _dc_search(mocked, short)

    (page,) = build_source(make_config(), sleeps).pages(None)

    assert [i.key for i in page.issues] == ["SHOP-1"]
    assert page.changes == ()
    assert not page.history_complete, "the store must ask for this history again"
    assert [(r.reference, r.reason) for r in page.rejected] == [
        ("SHOP-1", "changelog: Jira served part of the issue's history and no way to the rest")
    ]


def test_a_whole_inline_history_costs_no_request_of_its_own(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked, deployment="Server")
    _dc_search(mocked, {"startAt": 0, "maxResults": 1, "total": 1, "histories": [STARTED]})

    (page,) = build_source(make_config(), sleeps).pages(None)

    assert [c.field for c in page.changes] == [HistoryField.STATUS, HistoryField.STATUS_CATEGORY]
    assert not [c for c in mocked.calls if "/issue/" in c.request.url]
    assert "expand=changelog" in _search_url(mocked)


def _search_url(mock: responses.RequestsMock) -> str:
    return next(c.request.url for c in mock.calls if "/search" in c.request.url)


def test_a_broken_bulk_answer_is_retried_then_fails_the_run(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked)
    mocked.replace(responses.POST, BULK, json={"issueChangeLogs": {"10001": []}})
    mocked.get(f"{API}/search/jql", json={"issues": [issue(1)], "isLast": True})

    with pytest.raises(TransientSourceError, match="issueChangeLogs"):
        list(build_source(make_config(max_attempts=3), sleeps).pages(None))
    assert len(sleeps) == 2


def test_one_unreadable_history_is_rejected_and_the_others_kept(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    broken = STARTED | {"id": "twenty"}
    logs = [
        {"issueId": "10001", "changeHistories": [STARTED]},
        {"issueId": "10002", "changeHistories": [STARTED, broken]},
    ]
    bootstrap(mocked)
    mocked.replace(responses.POST, BULK, json={"issueChangeLogs": logs})
    mocked.get(f"{API}/search/jql", json={"issues": [issue(1), issue(2)], "isLast": True})

    (page,) = build_source(make_config(), sleeps).pages(None)

    assert {i.key for i in page.issues} == {"SHOP-1", "SHOP-2"}
    assert {c.issue_id for c in page.changes} == {10001}
    assert not page.history_complete
    (rejected,) = page.rejected
    assert (rejected.reference, rejected.reason) == (
        "SHOP-2",
        "changelog: changelog[1].id: expected a numeric id, got str",
    )
    assert '"twenty"' in rejected.excerpt
