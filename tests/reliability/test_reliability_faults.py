"""Faults from the emulator: every transient kind is retried within bounds and the result is
identical to a clean sync; a fault that cannot be retried away fails loudly, with every
committed page whole and the watermark where it was.

``SYNCD_FAULT_RATE`` (default 0.15) sets the rate of the random-fault runs; the long
variant (``SYNCD_LONG_TESTS=1``) runs more seeds and rates in both deployments.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from reliability_support import scaled, tally
from sync_support import Rig, emulator_issues, make_rig, source_config, stored_issues

from connectors.jira.emulator import Fault, FaultPlan
from connectors.jira.emulator.faults import RANDOM_KINDS
from connectors.jira.source import JiraSource
from syncd.app.sync import RunReport

RATE = float(os.environ.get("SYNCD_FAULT_RATE", "0.15"))
MAX_ATTEMPTS = 6


class _Counted:
    """Counts the faults a plan actually injects (scripted and random)."""

    def __init__(self, plan: FaultPlan) -> None:
        self.kinds: list[str] = []
        self._next = plan.next_fault
        plan.next_fault = self._count  # type: ignore[method-assign]

    def _count(self, path: str) -> Fault | None:
        fault = self._next(path)
        if fault is not None:
            self.kinds.append(fault.kind if fault.kind != "status" else str(fault.code))
        return fault


@pytest.fixture
def sqlite_rig(sqlite_url: str) -> Iterator[Rig]:
    rig = make_rig(sqlite_url, "cloud", issues=150)
    try:
        yield rig
    finally:
        rig.emulator.stop()


def _source(rig: Rig, sleeps: list[float] | None = None, **overrides: Any) -> JiraSource:
    settings = {"max_attempts": MAX_ATTEMPTS, "max_retry_seconds": 120, **overrides}
    config = source_config(rig.url, **settings)
    sleep: Callable[[float], None] = sleeps.append if sleeps is not None else lambda _: None
    return JiraSource(config, None, sleep=sleep, clock=rig.emulator.clock.now)


def _search_path(rig: Rig) -> str:
    return "/search/jql" if rig.emulator.mode == "cloud" else "/search"


def _searches(rig: Rig) -> int:
    return sum(1 for request in rig.emulator.requests if "/search" in request.path)


def _assert_nothing_half_written(rig: Rig, report: RunReport) -> None:
    """A failed run: the watermark has not moved; every stored issue is whole and true."""
    assert report.outcome == "failure"
    assert report.error
    assert rig.store.watermark("acme") is None
    truth = emulator_issues(rig.emulator)
    stored = stored_issues(rig.store)
    assert {issue_id: truth.get(issue_id) for issue_id in stored} == stored
    assert len(stored) == report.counts.issues_inserted  # exactly the committed pages, nothing else


SCRIPTED = {
    "429 Retry-After seconds": (Fault.status(429, retry_after="7"), 7.0),
    "429 Retry-After HTTP date": (None, 30.0),
    "503 Retry-After seconds": (Fault.status(503, retry_after="4"), 4.0),
    "503 Retry-After HTTP date": (None, 30.0),
    "503 without Retry-After": (Fault.status(503), None),
    "500": (Fault.status(500), None),
    "502": (Fault.status(502), None),
    "timeout": (Fault.timeout(1.0), None),
    "truncated JSON": (Fault.truncated_json(), None),
    "connection reset": (Fault.reset(), None),
}


@pytest.mark.parametrize("name", sorted(SCRIPTED))
def test_each_transient_fault_is_retried_once_and_the_result_is_identical(
    sqlite_rig: Rig, name: str
) -> None:
    """Two faults of one kind on the search path: two extra requests, the wait the server
    asked for (seconds or HTTP date, read against the source's clock), an identical store."""
    rig = sqlite_rig
    fault, wait = SCRIPTED[name]
    if fault is None:  # an HTTP date thirty seconds after the emulator's pinned now
        status = 429 if name.startswith("429") else 503
        fault = Fault.retry_after_date(status, rig.emulator.clock.now() + timedelta(seconds=30))
    rig.emulator.faults.script(_search_path(rig), [fault, fault])
    counted = _Counted(rig.emulator.faults)
    sleeps: list[float] = []
    source = _source(rig, sleeps, request_timeout_seconds=0.5)

    report = rig.engine.sync(source)

    assert report.outcome == "success", report.error
    assert stored_issues(rig.store) == emulator_issues(rig.emulator)
    assert len(counted.kinds) == 2
    assert len(sleeps) == 2  # one retry per fault, no more
    if wait is not None:
        assert sleeps == [wait, wait]
    else:
        assert all(0 < seconds <= 60 for seconds in sleeps)
    tally("faults: scripted faults survived", len(counted.kinds))


@pytest.mark.parametrize(
    ("mode", "fault"),
    [("cloud", Fault.status(503)), ("datacenter", Fault.status(500)), ("cloud", Fault.reset())],
)
def test_a_fault_that_persists_fails_loudly_after_bounded_attempts(
    database_url: str, mode: str, fault: Fault
) -> None:
    """Every search fails: the run fails with a message saying it gave up, each request is
    tried at most ``max_attempts`` times, and nothing is half-written."""
    rig = make_rig(database_url, mode, issues=150)
    try:
        rig.emulator.faults.script(_search_path(rig), [fault] * 1000)
        report = rig.engine.sync(_source(rig, concurrency=2))

        _assert_nothing_half_written(rig, report)
        assert "gave up after retrying" in (report.error or "")
        assert _searches(rig) <= 2 * MAX_ATTEMPTS  # two workers, each bounded
        tally("faults: persistent-fault runs failed loudly")
    finally:
        rig.emulator.stop()


def test_a_repeated_page_token_fails_loudly_and_a_rerun_converges(database_url: str) -> None:
    """Cloud repeats a page token: the run fails at once (no retry loop), the watermark does
    not move, committed pages are whole; the next run resumes and equals a clean sync."""
    rig = make_rig(database_url, "cloud", issues=600)
    try:
        rig.emulator.faults.repeat_page_token(times=1)
        report = rig.engine.sync(_source(rig))
        _assert_nothing_half_written(rig, report)
        assert "repeated the page token" in (report.error or "")

        rig.emulator.faults.clear()
        again = rig.engine.sync(_source(rig))

        assert again.outcome == "success", again.error
        assert stored_issues(rig.store) == emulator_issues(rig.emulator)
        tally("faults: repeated-token runs failed loudly")
    finally:
        rig.emulator.stop()


@pytest.mark.parametrize("drop", [1, 10])
def test_a_short_data_center_page_loses_no_issue(database_url: str, drop: int) -> None:
    """Data Center answers pages that lack their last issues: paging goes on from the first
    position not returned. A page left empty before the end makes the run partial (the
    watermark stays) and the census incomplete (nothing deleted). Nothing is ever lost."""
    rig = make_rig(database_url, "datacenter", issues=300, dc_max_results=25)
    try:
        rig.emulator.faults.short_page(times=6, drop=drop)
        report = rig.engine.sync(_source(rig))
        if report.outcome == "partial":
            assert rig.store.watermark("acme") is None
            tally("faults: short-page runs left partial")
            report = rig.engine.sync(_source(rig))

        assert report.outcome == "success", report.error
        assert stored_issues(rig.store) == emulator_issues(rig.emulator)

        rig.emulator.faults.short_page(times=6, drop=drop)
        census = rig.engine.census(_source(rig))

        assert census.outcome in ("success", "partial"), census.error
        assert census.counts.deleted == 0
        assert stored_issues(rig.store) == emulator_issues(rig.emulator)
        tally("faults: short pages survived", 12)
    finally:
        rig.emulator.stop()


def _random_cases() -> list[tuple[str, float, int]]:
    seeds = range(scaled(2, 12))
    rates = [RATE] if not scaled(0, 1) else sorted({RATE, 0.05, 0.3, 0.5})
    modes = ["cloud", "datacenter"]
    return [(mode, rate, seed) for seed in seeds for rate in rates for mode in modes]


@pytest.mark.parametrize(("mode", "rate", "seed"), _random_cases())
def test_random_faults_end_identical_or_fail_loudly_and_resume(
    sqlite_url: str, mode: str, rate: float, seed: int
) -> None:
    """Every transient kind at a seeded random *rate*: the run either equals a clean sync or
    fails loudly with nothing half-written; the next run resumes and converges."""
    rig = make_rig(sqlite_url, mode, issues=200, dc_max_results=30)
    try:
        counted = _Counted(rig.emulator.faults)
        rig.emulator.faults.random(
            rate=rate, seed=seed, kinds=tuple(RANDOM_KINDS), path=_search_path(rig)
        )
        report = rig.engine.sync(_source(rig, request_timeout_seconds=0.5, page_size=10))
        if report.outcome != "success":
            _assert_nothing_half_written(rig, report)
            tally("faults: random runs failed loudly")
            rig.emulator.faults.clear()
            report = rig.engine.sync(_source(rig))
        assert report.outcome == "success", report.error
        assert stored_issues(rig.store) == emulator_issues(rig.emulator)
        tally("faults: random faults injected", len(counted.kinds))
        tally("faults: random-fault runs")
    finally:
        rig.emulator.stop()
