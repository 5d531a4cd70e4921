"""The shared HTTP retry policy: which outcomes are retried, how long it waits, when it stops."""

from __future__ import annotations

import base64
import random
import threading
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses
from jira_support import API, BASE, NOW, TOKEN, bootstrap, build_source, issue, make_config

from connectors.http import (
    HttpStatusError,
    RetryPolicy,
    StopRequestedError,
    describe_failure,
    parse_retry_after,
)
from syncd.core.errors import PermanentSourceError, TransientSourceError

URL = f"{BASE}/export.json"


class Recorder:
    """An observer that keeps what it was told."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.retries: list[tuple[str, str]] = []

    def request(self, source: str, status_class: str) -> None:
        self.requests.append((source, status_class))

    def retry(self, source: str, reason: str) -> None:
        self.retries.append((source, reason))


def _fetch() -> Any:
    response = requests.get(URL, timeout=5)
    if not response.ok:
        raise HttpStatusError.from_response(response)
    return response.json()


def _policy(sleep: Any, **overrides: Any) -> RetryPolicy:
    settings: dict[str, Any] = {
        "max_attempts": 5,
        "max_retry_seconds": 300.0,
        "sleep": sleep,
        "clock": lambda: NOW,
        "rng": random.Random(3),
    }
    settings.update(overrides)
    return RetryPolicy("acme", **settings)


def test_retry_after_in_seconds_is_waited_exactly(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(URL, status=429, headers={"Retry-After": "7"})
    mocked.get(URL, json={"ok": 1})
    assert _policy(sleeps).call(_fetch, "fetching") == {"ok": 1}
    assert sleeps == [7.0]


def test_retry_after_as_http_date_is_waited_until_that_moment(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    later = format_datetime(NOW + timedelta(seconds=95), usegmt=True)
    mocked.get(URL, status=503, headers={"Retry-After": later})
    mocked.get(URL, json={"ok": 1})
    assert _policy(sleeps).call(_fetch, "fetching") == {"ok": 1}
    assert sleeps == [95.0]


def test_503_without_retry_after_backs_off_exponentially_with_jitter(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    for _ in range(3):
        mocked.get(URL, status=503)
    mocked.get(URL, json=[])
    _policy(sleeps, base_backoff_seconds=2.0).call(_fetch, "fetching")
    assert len(sleeps) == 3
    for attempt, waited in enumerate(sleeps):
        ceiling = 2.0 * 2**attempt
        assert ceiling / 2 <= waited <= ceiling


def test_attempts_are_bounded_and_end_in_a_transient_error(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(URL, status=502)
    with pytest.raises(TransientSourceError, match=r"HTTP 502") as caught:
        _policy(sleeps, max_attempts=3).call(_fetch, "fetching")
    assert len(mocked.calls) == 3
    assert len(sleeps) == 2
    assert not isinstance(caught.value, PermanentSourceError)


def test_a_retry_after_longer_than_the_budget_is_capped(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(URL, status=429, headers={"Retry-After": "3600"})
    mocked.get(URL, json={})
    _policy(sleeps, max_retry_seconds=30.0).call(_fetch, "fetching")
    assert sleeps == [30.0]


def test_total_waiting_is_bounded_by_the_budget(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(URL, status=429, headers={"Retry-After": "6"})
    with pytest.raises(TransientSourceError) as caught:
        _policy(sleeps, max_retry_seconds=10.0, max_attempts=50).call(_fetch, "fetching")
    assert sleeps == [6.0]
    assert caught.value.retry_after == 6.0


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("Connection reset by peer"),
        requests.ReadTimeout("read timed out"),
        requests.exceptions.ChunkedEncodingError("IncompleteRead"),
    ],
    ids=["reset", "read-timeout", "truncated"],
)
def test_network_failures_are_transient(
    mocked: responses.RequestsMock, sleeps: list[float], failure: Exception
) -> None:
    mocked.get(URL, body=failure)
    mocked.get(URL, json={"ok": 2})
    assert _policy(sleeps).call(_fetch, "fetching") == {"ok": 2}
    assert len(sleeps) == 1


def test_an_invalid_json_body_is_transient(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(URL, body='{"issues": [{"id": "1"', content_type="application/json")
    mocked.get(URL, json={"ok": 3})
    assert _policy(sleeps).call(_fetch, "fetching") == {"ok": 3}


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_client_errors_are_permanent_and_not_retried(
    mocked: responses.RequestsMock, sleeps: list[float], status: int
) -> None:
    mocked.get(URL, status=status, json={"errorMessages": ["The value 'X' does not exist."]})
    with pytest.raises(PermanentSourceError, match=rf"HTTP {status}.*does not exist") as caught:
        _policy(sleeps).call(_fetch, "fetching")
    assert len(mocked.calls) == 1
    assert sleeps == []
    assert caught.value.__cause__ is None


def test_the_stop_event_ends_retrying_at_once(mocked: responses.RequestsMock) -> None:
    stop = threading.Event()
    mocked.get(URL, status=503, headers={"Retry-After": "120"})

    def sleep_until_sigterm(seconds: float) -> None:
        stop.set()

    with pytest.raises(StopRequestedError):
        _policy(sleep_until_sigterm, stop_event=stop).call(_fetch, "fetching")
    assert len(mocked.calls) == 1


def test_without_an_injected_sleep_the_stop_event_interrupts_the_wait(
    mocked: responses.RequestsMock,
) -> None:
    stop = threading.Event()
    stop_timer = threading.Timer(0.05, stop.set)
    mocked.get(URL, status=429, headers={"Retry-After": "600"})
    stop_timer.start()
    try:
        with pytest.raises(StopRequestedError):
            RetryPolicy("acme", max_attempts=3, max_retry_seconds=900, stop_event=stop).call(
                _fetch, "fetching"
            )
    finally:
        stop_timer.cancel()
    assert len(mocked.calls) == 1


def test_the_observer_counts_requests_by_status_class_and_retries_by_reason(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    recorder = Recorder()
    mocked.get(URL, status=429, headers={"Retry-After": "1"})
    mocked.get(URL, body=requests.ConnectionError("reset"))
    mocked.get(URL, json={})
    mocked.get(URL, status=404)
    _policy(sleeps, observer=recorder).call(_fetch, "fetching")
    with pytest.raises(PermanentSourceError):
        _policy(sleeps, observer=recorder).call(_fetch, "fetching")
    assert recorder.requests == [
        ("acme", "429"),
        ("acme", "error"),
        ("acme", "2xx"),
        ("acme", "4xx"),
    ]
    assert recorder.retries == [("acme", "rate_limited"), ("acme", "connection")]


def test_secrets_are_redacted_from_messages(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(URL, status=400, json={"errorMessages": [f"bad token {TOKEN}"]})
    with pytest.raises(PermanentSourceError) as caught:
        _policy(sleeps, secrets=[TOKEN]).call(_fetch, "fetching")
    assert TOKEN not in str(caught.value)
    assert "***" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("2, 0", 2.0),
        ("Sat, 01 Mar 2025 12:00:40 GMT", 40.0),
        ("Sat, 01 Mar 2025 12:00:40 GMT, 0", 40.0),
        ("Saturday, 01-Mar-25 12:01:00 GMT", 60.0),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_an_unknown_5xx_is_transient_and_501_is_not() -> None:
    failures = [describe_failure(HttpStatusError(status)) for status in (520, 501)]
    assert [failure.action if failure else None for failure in failures] == ["retry", "fail"]
    assert describe_failure(KeyError("programming error")) is None


# Through the Jira client: the package's own retries are off, ours apply.


def test_jira_401_is_permanent_and_never_shows_the_token(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(
        f"{API}/serverInfo",
        status=401,
        json={"errorMessages": ["You are not authenticated. Authentication required."]},
    )
    source = build_source(make_config(), sleeps)
    with pytest.raises(PermanentSourceError) as caught:
        list(source.pages(None))
    message = str(caught.value)
    assert "HTTP 401" in message
    assert "not authenticated" in message
    basic = base64.b64encode(f"bot@acme.test:{TOKEN}".encode()).decode()
    for leaked in (TOKEN, basic, "Authorization", "headers"):
        assert leaked not in message
        assert leaked not in repr(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert len(mocked.calls) == 1
    assert mocked.calls[0].request.headers["Authorization"] == f"Basic {basic}"


def test_jira_410_on_the_removed_search_is_a_clear_permanent_error(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    removed = (
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."
        " A full migration guideline is available at"
        " https://developer.atlassian.com/changelog/#CHANGE-2046"
    )
    bootstrap(mocked, deployment="Cloud")
    mocked.get(f"{API}/search", status=410, json={"errorMessages": [removed], "errors": {}})
    source = build_source(make_config(deployment="datacenter"), sleeps)
    with pytest.raises(PermanentSourceError, match=r"HTTP 410 \(gone\).*search/jql"):
        list(source.pages(None))
    assert sleeps == []
    assert sum(1 for call in mocked.calls if "/search" in call.request.url) == 1


def test_jira_429_with_retry_after_is_retried_by_us_not_by_the_package(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked)
    search = f"{API}/search/jql"
    mocked.get(search, status=429, headers={"Retry-After": "5"}, json={"errorMessages": []})
    mocked.get(search, json={"issues": [issue(1)], "isLast": True})
    pages = list(build_source(make_config(), sleeps).pages(None))
    assert sleeps == [5.0]
    assert [page.issues[0].key for page in pages] == ["SHOP-1"]


def test_jira_data_center_pat_is_sent_as_a_bearer_token(
    mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    bootstrap(mocked, deployment="Server")
    mocked.get(f"{API}/search", json={"startAt": 0, "maxResults": 50, "total": 0, "issues": []})
    config = make_config(auth={"method": "pat"})
    pages = list(build_source(config, sleeps).pages(None))
    assert [page.issues for page in pages] == [()]
    assert all(call.request.headers["Authorization"] == f"Bearer {TOKEN}" for call in mocked.calls)
