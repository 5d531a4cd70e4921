"""The AIMD limit on one source's requests in flight: how it falls and grows, its bounds,
who waits, that a stop ends every wait, and which answers the retry policy lowers it for."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import get_args

import pytest
import requests
import responses
from hypothesis import given
from hypothesis import strategies as st

from connectors.http import (
    ConcurrencyLimit,
    HttpStatusError,
    ResponseLimits,
    RetryPolicy,
    StopRequestedError,
    limit_session,
)
from connectors.http.limiter import Outcome, Turn
from connectors.jira.emulator import JiraEmulator, generate_organisation

_NOW = datetime(2025, 3, 1, tzinfo=UTC)
_PROMPT = 2.0
"""Seconds a released or stopped wait may take to end (it ends within one poll, 50 ms)."""


def _finish(limit: ConcurrencyLimit, outcome: Outcome, retry_after: float | None = None) -> None:
    turn = limit.acquire(threading.Event())
    assert turn is not None
    limit.release(turn, outcome, retry_after)


def _in_thread(target: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    found: list[object] = []
    thread = threading.Thread(target=lambda: found.append(target()), daemon=True)
    thread.start()
    return thread, found


@given(
    maximum=st.integers(min_value=1, max_value=16),
    steps=st.lists(
        st.tuples(st.sampled_from(get_args(Outcome)), st.integers(min_value=0, max_value=15)),
        max_size=200,
    ),
)
def test_each_outcome_moves_the_limit_by_its_rule_within_one_and_the_maximum(
    maximum: int, steps: list[tuple[Outcome, int]]
) -> None:
    """With *others* requests in flight, a refusal halves the lesser of the limit and the
    requests in flight (never below 1); other failures leave it; successes never lower it and
    never lift it past the maximum."""
    limit = ConcurrencyLimit("acme", maximum)
    stop = threading.Event()
    for outcome, others in steps:
        before = limit.limit
        held = [limit.acquire(stop) for _ in range(min(others, before - 1))]
        _finish(limit, outcome)
        if outcome == "throttled":
            assert limit.limit == max(1, (len(held) + 1) // 2)
        elif outcome == "failed":
            assert limit.limit == before
        else:
            assert before <= limit.limit <= min(before + 1, maximum)
        for turn in held:
            assert turn is not None
            limit.release(turn, "failed")
        assert 1 <= limit.limit <= maximum
        assert limit.in_flight == 0


@given(maximum=st.integers(min_value=2, max_value=12), run=st.integers(min_value=1, max_value=5))
def test_the_limit_grows_one_slot_per_run_of_successes_back_to_the_maximum(
    maximum: int, run: int
) -> None:
    """From 1, the k-th slot comes after ``run * (k - 1)`` more successes in a row; a failure
    that is not a refusal does not break the run, a refusal starts it again."""
    limit = ConcurrencyLimit("acme", maximum, run_per_slot=run)
    while limit.limit > 1:
        _finish(limit, "throttled")
    for current in range(1, maximum):
        for _ in range(run * current - 1):
            _finish(limit, "success")
        _finish(limit, "failed")
        assert limit.limit == current
        _finish(limit, "success")
        assert limit.limit == current + 1
    for _ in range(run * maximum * 2):
        _finish(limit, "success")
    assert limit.limit == maximum
    _finish(limit, "throttled")
    for _ in range(run - 1):
        _finish(limit, "success")
    assert limit.limit == 1


def test_refusals_of_one_burst_decrease_the_limit_once() -> None:
    """Requests sent before a decrease and refused after it do not decrease it again; a
    request sent after it does."""
    limit = ConcurrencyLimit("acme", 8)
    stop = threading.Event()
    burst = [limit.acquire(stop) for _ in range(8)]
    for turn in burst:
        assert turn is not None
        limit.release(turn, "throttled")
    assert limit.limit == 4
    later = [limit.acquire(stop) for _ in range(4)]
    assert later[0] is not None
    limit.release(later[0], "throttled")
    assert limit.limit == 2


def test_requests_beyond_the_limit_wait_until_a_slot_is_free() -> None:
    """With the limit held, a third request waits; it goes once a slot is given back, and
    after a decrease only once the requests in flight fall below the new limit."""
    limit = ConcurrencyLimit("acme", 4)
    stop = threading.Event()
    held = [limit.acquire(stop) for _ in range(4)]
    first = held.pop()
    assert first is not None
    limit.release(first, "throttled")  # limit 2, three still in flight
    waiter, got = _in_thread(lambda: limit.acquire(stop))
    waiter.join(0.2)
    assert waiter.is_alive()
    for turn in held[:2]:
        assert turn is not None
        limit.release(turn, "success")
    waiter.join(_PROMPT)
    assert not waiter.is_alive()
    assert isinstance(got[0], Turn)
    assert limit.in_flight == 2


def test_a_stop_ends_the_wait_for_a_slot_and_for_the_gate() -> None:
    """A set stop event ends a wait for a slot and a wait for the gate at once, without a
    slot."""
    now = [0.0]
    limit = ConcurrencyLimit("acme", 2, clock=lambda: now[0])
    stop = threading.Event()
    refused, held = limit.acquire(stop), limit.acquire(stop)
    assert refused is not None
    assert held is not None
    limit.release(refused, "throttled", retry_after=60.0)  # limit 1, one still in flight
    slot_waiter, slot = _in_thread(lambda: limit.acquire(stop))
    slot_waiter.join(0.2)
    assert slot_waiter.is_alive()
    limit.release(held, "success")  # a free slot, but the gate is closed for a minute
    slot_waiter.join(0.2)
    assert slot_waiter.is_alive()
    stop.set()
    slot_waiter.join(_PROMPT)
    assert slot == [None]
    assert limit.in_flight == 0


def test_the_gate_holds_every_attempt_until_the_retry_after_has_passed() -> None:
    """A refusal with ``Retry-After`` holds every attempt, with slots free and a request
    accepted meanwhile, until it has passed; then one attempt goes."""
    now = [100.0]
    limit = ConcurrencyLimit("acme", 4, clock=lambda: now[0])
    stop = threading.Event()
    early = limit.acquire(stop)
    refused = limit.acquire(stop)
    assert early is not None
    assert refused is not None
    limit.release(refused, "throttled", retry_after=5.0)
    limit.release(early, "success")
    waiter, got = _in_thread(lambda: limit.acquire(stop))
    waiter.join(0.2)
    assert waiter.is_alive()
    now[0] += 4.9
    waiter.join(0.2)
    assert waiter.is_alive()
    now[0] += 0.1
    waiter.join(_PROMPT)
    assert not waiter.is_alive()
    assert isinstance(got[0], Turn)
    assert limit.in_flight == 1


_URL = "https://jira.example.test/rest/api/2/myself"


def _fetch() -> object:
    response = requests.get(_URL, timeout=5)
    if not response.ok:
        raise HttpStatusError.from_response(response)
    return response.json()


@pytest.mark.parametrize(
    ("status", "headers", "lowered"),
    [
        (429, {"Retry-After": "1"}, True),
        (429, {}, True),
        (503, {"Retry-After": "1"}, True),
        (503, {}, False),
        (500, {}, False),
        (502, {"Retry-After": "1"}, False),
    ],
)
def test_the_policy_lowers_the_limit_on_rate_limited_answers_only(
    mocked: responses.RequestsMock,
    sleeps: list[float],
    status: int,
    headers: dict[str, str],
    lowered: bool,
) -> None:
    """429, and 503 with ``Retry-After``, lower the source's limit; other transient failures
    are retried without touching it. The request is retried either way, its slot given back."""
    limit = ConcurrencyLimit("acme", 4)
    policy = RetryPolicy(
        "acme", max_attempts=3, max_retry_seconds=60, sleep=sleeps.append, limit=limit
    )
    mocked.get(_URL, status=status, headers=headers)
    mocked.get(_URL, json={"ok": 1})
    assert policy.call(_fetch, "reading") == {"ok": 1}
    assert (limit.limit, limit.in_flight) == (1 if lowered else 4, 0)
    assert len(sleeps) == 1


def test_a_stop_ends_a_call_waiting_for_a_slot() -> None:
    """A call that waits for a slot held elsewhere ends with ``StopRequestedError`` on stop,
    without sending anything."""
    limit = ConcurrencyLimit("acme", 1)
    stop = threading.Event()
    assert limit.acquire(stop) is not None
    policy = RetryPolicy("acme", max_attempts=3, max_retry_seconds=60, stop_event=stop, limit=limit)
    sent: list[int] = []

    def call() -> object:
        try:
            return policy.call(lambda: sent.append(1), "reading")
        except StopRequestedError as error:
            return error

    waiter, ended = _in_thread(call)
    waiter.join(0.2)
    assert waiter.is_alive()
    stop.set()
    waiter.join(_PROMPT)
    assert isinstance(ended[0], StopRequestedError)
    assert sent == []


@given(
    maximum=st.integers(min_value=1, max_value=16),
    value=st.sampled_from(["true", "TRUE", " true ", "false", "", "yes", "1"]),
)
def test_an_answer_near_the_budget_takes_one_slot_away_and_no_other_header_does(
    maximum: int, value: str
) -> None:
    """``X-RateLimit-NearLimit: true`` (any case) lowers the limit by one, never below 1, and
    starts the run of successes again; any other value, or its absence, changes nothing."""
    limit = ConcurrencyLimit("acme", maximum, run_per_slot=1)
    near = value.strip().lower() == "true"
    limit.hear(requests.structures.CaseInsensitiveDict({"x-ratelimit-nearlimit": value}))
    limit.hear({"X-RateLimit-Remaining": "0"})
    assert limit.limit == (max(1, maximum - 1) if near else maximum)
    if near and maximum > 1:
        # The run starts again: as many successes as the lowered limit earn one slot back.
        for _ in range(limit.limit - 1):
            _finish(limit, "success")
        assert limit.limit == maximum - 1
        _finish(limit, "success")
        assert limit.limit == maximum


def test_the_headers_of_every_answer_read_whole_reach_the_limit() -> None:
    """Through ``limit_session``, the emulator's Cloud answers count a budget of five down;
    the answer that leaves none says ``X-RateLimit-NearLimit`` and lowers the limit."""
    emulator = JiraEmulator(generate_organisation(5, seed=3, now=_NOW), "cloud")
    emulator.faults.rate_limit(capacity=5, per_second=0.001)
    limit = ConcurrencyLimit("acme", 4)
    session = limit_session(requests.Session(), ResponseLimits(10.0, 1 << 20), limit.hear)
    seen: list[int] = []
    with emulator.serve():
        for _ in range(5):
            answer = session.get(f"{emulator.url}/rest/api/3/serverInfo", timeout=5)
            assert answer.status_code == 200
            seen.append(limit.limit)
    assert seen == [4, 4, 4, 4, 3]
