"""A lying, endless, slow or bloated Jira is never believed: the run fails loudly, the
watermark stays where the last success put it, every committed page is true, and a run
against an honest Jira afterwards converges.

The lies are generated: each class of contradictory paging metadata (``PagingLie``: Cloud's
``isLast`` against its token, a fresh token for ever, a Data Center ``total`` short of the
real count or growing for ever), told from a random page with a random amount; answers
trickled a byte at a time; answers padded to 300 MB, announced or not.
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from reliability_support import scaled, tally
from sync_support import Rig, emulator_issues, make_rig, source_config, stored_issues

from connectors.jira.emulator import Fault
from connectors.jira.emulator.lies import CLOUD_LIES, LIE_KINDS, PagingLie
from connectors.jira.source import JiraSource
from syncd.app.sync import RunReport

PAGE_SIZE = 10
_MIB = 1024 * 1024


def _source(rig: Rig, **overrides: Any) -> JiraSource:
    settings = {"page_size": PAGE_SIZE, "max_attempts": 2, "max_retry_seconds": 5, **overrides}
    config = source_config(rig.url, **settings)
    return JiraSource(config, None, sleep=lambda _: None, clock=rig.emulator.clock.now)


def _rig(database_url: str, mode: str) -> Rig:
    return make_rig(database_url, mode, issues=150, dc_max_results=PAGE_SIZE)


@pytest.fixture(params=["cloud", "datacenter"])
def synced(request: pytest.FixtureRequest, database_url: str) -> Iterator[Rig]:
    """A rig in each mode whose first sync succeeded: the watermark is set."""
    rig = _rig(database_url, request.param)
    try:
        assert rig.engine.sync(_source(rig)).outcome == "success"
        yield rig
    finally:
        rig.emulator.stop()


def _failed_and_kept(rig: Rig, report: RunReport, watermark: Any) -> None:
    """A failed run: the watermark is unchanged, every stored issue is whole and true."""
    assert report.outcome == "failure", report
    assert rig.store.watermark("acme") == watermark
    truth = emulator_issues(rig.emulator)
    stored = stored_issues(rig.store)
    assert {issue_id: truth.get(issue_id) for issue_id in stored} == stored


def _converges(rig: Rig) -> None:
    rig.emulator.faults.clear()
    again = rig.engine.sync(_source(rig), full=True)
    assert again.outcome == "success", again.error
    assert stored_issues(rig.store) == emulator_issues(rig.emulator)


def _lies() -> list[PagingLie]:
    rng = random.Random(2026)
    return [
        PagingLie(rng.choice(LIE_KINDS), from_page=rng.randrange(3), amount=rng.randrange(1, 60))
        for _ in range(scaled(12, 80))
    ]


@pytest.mark.parametrize("lie", _lies(), ids=repr)
def test_a_paging_lie_is_never_believed(sqlite_url: str, lie: PagingLie) -> None:
    """Generated lies of every class: the run either fails loudly with the watermark where
    the last success left it, or (the lie never came into play) stores exactly the truth;
    a run against an honest Jira then converges. A lie is never a short success."""
    rig = _rig(sqlite_url, "cloud" if lie.kind in CLOUD_LIES else "datacenter")
    try:
        rig.engine.sync(_source(rig))
        watermark = rig.store.watermark("acme")
        rig.emulator.faults.lie(lie)
        report = rig.engine.sync(_source(rig), full=True)
        if report.outcome == "success":
            assert stored_issues(rig.store) == emulator_issues(rig.emulator)
            tally("lies: lies that never came into play")
        else:
            _failed_and_kept(rig, report, watermark)
            assert any(
                said in (report.error or "")
                for said in ("isLast", "total", "would never end", "repeated the page token")
            ), report.error
            tally(f"lies: {lie.kind} runs failed loudly")
        _converges(rig)
        tally("lies: generated lies told")
    finally:
        rig.emulator.stop()


@pytest.mark.parametrize("kind", ["fresh_tokens", "total_growing"])
def test_an_endless_source_ends_within_its_page_budget(sqlite_url: str, kind: str) -> None:
    """A token that never ends, or a total that always reaches further: the run fails with
    'would never end' after a bounded number of pages, not after 14,000 of them."""
    rig = _rig(sqlite_url, "cloud" if kind == "fresh_tokens" else "datacenter")
    try:
        rig.emulator.faults.lie(PagingLie(kind))
        report = rig.engine.sync(_source(rig, concurrency=1, projects=["SHOP"]))
        _failed_and_kept(rig, report, None)
        assert "would never end" in (report.error or "")
        searches = [r for r in rig.emulator.requests if r.path.endswith(("/search", "/jql"))]
        assert len(searches) < 250  # the budget for ~30 issues in pages of 10
        tally("lies: endless sources ended", 1)
    finally:
        rig.emulator.stop()


def test_a_trickled_answer_fails_at_its_deadline(synced: Rig) -> None:
    """Search answers sent a byte at a time (each read far within the read timeout): every
    attempt ends at ``response_deadline_seconds``, the run fails saying so."""
    rig = synced
    watermark = rig.store.watermark("acme")
    search = "/search/jql" if rig.emulator.mode == "cloud" else "/search"
    rig.emulator.faults.script(search, [Fault.trickle(0.05)] * 100)
    source = _source(rig, request_timeout_seconds=5, response_deadline_seconds=0.5)
    report = rig.engine.sync(source, full=True)
    _failed_and_kept(rig, report, watermark)
    assert "no complete answer within 0.5 s; gave up after retrying" in (report.error or "")
    _converges(rig)
    tally("lies: trickled answers cut at their deadline", 2)


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "unannounced"])
def test_a_300_mb_answer_fails_at_once_without_being_held(synced: Rig, announce: bool) -> None:
    """A 300 MB search answer, with or without its size in the headers: refused at the
    cap, as a permanent failure (no retry), while the process holds a few MB of it."""
    rig = synced
    watermark = rig.store.watermark("acme")
    search = "/search/jql" if rig.emulator.mode == "cloud" else "/search"
    rig.emulator.faults.script(search, [Fault.oversized(300 * _MIB, announce=announce)])
    source = _source(rig, concurrency=1, max_response_bytes=2 * _MIB)
    tracemalloc.start()
    try:
        report = rig.engine.sync(source, full=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    _failed_and_kept(rig, report, watermark)
    assert "answer over the limit of 2097152 bytes" in (report.error or "")
    assert peak < 20 * _MIB
    _converges(rig)
    tally("lies: 300 MB answers refused at the cap")
