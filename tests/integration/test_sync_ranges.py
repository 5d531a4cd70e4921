"""One partition cut into ranges of creation time, over real HTTP against the emulator.

Each scope that is one partition (a ``jql`` alone, or one project) is probed and fetched as
ranges on several threads; every issue must come exactly once, whatever happens during the
sweep, and the watermark must move only when every range has been read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import pytest
from sync_support import Rig, emulator_issues, make_rig, source_config, stored_issues

from connectors.jira.emulator import Fault, JiraEmulator
from connectors.jira.source import JiraSource
from syncd.app.sync import SyncEngine
from syncd.core.domain import Census, FieldChange, Page

MODES = ["cloud", "datacenter"]
SCOPES = {
    "jql": {"projects": (), "jql": "project in (SHOP, GROW, MOB, PLAT, DATA)"},
    "one project": {"projects": ("SHOP",)},
}


class _Recording:
    """A source that counts every issue id its pages hand on and calls *after_page*."""

    def __init__(self, source: JiraSource, after_page: Callable[[int], None] | None = None):
        self._source = source
        self._after_page = after_page
        self.fetched: Counter[int] = Counter()
        self.partitions: set[str] = set()

    @property
    def name(self) -> str:
        return self._source.name

    def pages(self, since: datetime | None) -> Iterator[Page]:
        for number, page in enumerate(self._source.pages(since)):
            self.fetched.update(issue.issue_id for issue in page.issues)
            self.partitions.add(page.partition)
            yield page
            if self._after_page is not None:
                self._after_page(number)

    def histories(self, issue_ids: Iterable[int]) -> Iterator[tuple[int, tuple[FieldChange, ...]]]:
        return self._source.histories(issue_ids)

    def census(self) -> Census:
        return self._source.census()


@pytest.fixture(params=MODES)
def rig(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Rig]:
    """An emulator of 600 issues in each mode over SQLite, small Data Center pages."""
    rig = make_rig(sqlite_url, request.param, issues=600, dc_max_results=30)
    try:
        yield rig
    finally:
        rig.emulator.stop()


@pytest.fixture(params=MODES)
def stored_rig(request: pytest.FixtureRequest, database_url: str) -> Iterator[Rig]:
    """As ``rig``, over SQLite and PostgreSQL: for what the store's watermark does."""
    rig = make_rig(database_url, request.param, issues=600, dc_max_results=30)
    try:
        yield rig
    finally:
        rig.emulator.stop()


def _source(rig: Rig, **settings: Any) -> JiraSource:
    values: dict[str, Any] = {"page_size": 20, "concurrency": 4, **settings}
    config = source_config(rig.url, **values)
    return JiraSource(config, None, sleep=lambda _: None, clock=rig.emulator.clock.now)


def _in_scope(emulator: JiraEmulator, scope: str) -> set[int]:
    issues = emulator_issues(emulator)
    if scope == "jql":
        return set(issues)
    return {issue_id for issue_id, fields in issues.items() if fields[1] == "SHOP"}


def _ranges_sent(emulator: JiraEmulator) -> set[str]:
    """The distinct range conditions of the search requests the emulator answered."""
    sent = set()
    for request in emulator.requests:
        jql = (request.params.get("jql") or [""])[0]
        if "created <" in jql or "created >=" in jql:
            sent.add(jql.rpartition(" ORDER BY ")[0])
    return sent


@pytest.mark.parametrize("scope", SCOPES)
def test_a_one_partition_scope_is_fetched_in_ranges_each_issue_exactly_once(
    rig: Rig, scope: str
) -> None:
    """A jql-only scope and a one-project scope: several ranges, every issue once, and the
    set fetched is the emulator's own."""
    recording = _Recording(_source(rig, **SCOPES[scope]))

    report = SyncEngine(rig.store, clock=rig.emulator.clock.now).sync(recording)

    assert report.outcome == "success", report.error
    assert set(recording.fetched.values()) == {1}
    assert set(recording.fetched) == _in_scope(rig.emulator, scope)
    assert len(recording.partitions) > 4
    assert len(_ranges_sent(rig.emulator)) == len(recording.partitions)


@pytest.mark.parametrize("scope", SCOPES)
def test_edits_creations_and_lag_during_the_sweep_miss_nothing(rig: Rig, scope: str) -> None:
    """Issues edited and created while ranges are read, with Cloud's consistency lag:
    every issue that was there is fetched exactly once, new ones at most once, and the next
    incremental run brings the store to the emulator's state."""
    rig.emulator.faults.consistency_lag_seconds = 30
    before = _in_scope(rig.emulator, scope)
    ids = sorted(before)

    def meddle(page: int) -> None:
        if page == 2:
            rig.advance(minutes=1)
            for issue_id in ids[:: max(1, len(ids) // 10)]:
                rig.emulator.edit(issue_id, summary=f"Edited {issue_id} mid-sweep")
            for _ in range(5):
                rig.emulator.create("SHOP", "Task", labels=["mid-sweep"])

    recording = _Recording(_source(rig, **SCOPES[scope]), meddle)
    engine = SyncEngine(rig.store, clock=rig.emulator.clock.now)
    first = engine.sync(recording)
    rig.advance(minutes=30)
    second = engine.sync(_source(rig, **SCOPES[scope]))

    assert first.outcome in ("success", "partial"), first.error
    assert {recording.fetched[issue_id] for issue_id in before} == {1}
    assert set(recording.fetched.values()) == {1}
    assert second.outcome == "success", second.error
    wanted = {
        i: v
        for i, v in emulator_issues(rig.emulator).items()
        if i in _in_scope(rig.emulator, scope)
    }
    assert stored_issues(rig.store) == wanted


def test_a_failed_range_leaves_the_watermark_where_it_was(stored_rig: Rig) -> None:
    """A range that fails after others committed fails the run; the watermark stays at the
    last complete run, and the next run catches up."""
    rig = stored_rig
    engine = SyncEngine(rig.store, clock=rig.emulator.clock.now)
    scope = SCOPES["jql"]
    assert engine.sync(_source(rig, **scope)).outcome == "success"
    mark = rig.store.watermark("acme")
    rig.advance(hours=1)
    for issue_id in sorted(emulator_issues(rig.emulator))[::3]:
        rig.emulator.edit(issue_id, summary=f"Edited {issue_id}")

    def fail_from_now(page: int) -> None:
        if page == 0:
            rig.emulator.faults.script("/search", [Fault.status(500)] * 200)

    slow = _source(rig, max_attempts=2, page_size=3, **scope)
    failed = engine.sync(_Recording(slow, fail_from_now))
    assert failed.outcome == "failure"
    assert failed.counts.pages > 0  # ranges had committed pages before one failed
    assert rig.store.watermark("acme") == mark

    rig.emulator.faults.clear()
    assert engine.sync(_source(rig, **scope)).outcome == "success"
    assert stored_issues(rig.store) == emulator_issues(rig.emulator)
    assert rig.store.watermark("acme") == rig.emulator.clock.now()


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/Los_Angeles"])
@pytest.mark.parametrize("mode", MODES)
def test_issues_sharing_a_creation_instant_on_a_cut_are_fetched_once(
    sqlite_url: str, mode: str, zone: str
) -> None:
    """Bursts of issues created at the same instant, each on a minute the cuts fall on:
    each issue is in exactly one range, in any user time zone."""
    rig = make_rig(sqlite_url, mode, issues=50, dc_max_results=30, user_timezone=zone)
    try:
        burst: set[int] = set()
        for _ in range(5):
            rig.advance(minutes=1)  # the pinned clock stays on whole minutes
            burst |= {rig.emulator.create("SHOP", "Task", labels=["burst"]) for _ in range(12)}
        recording = _Recording(_source(rig, projects=(), jql="labels = burst", page_size=5))
        report = SyncEngine(rig.store, clock=rig.emulator.clock.now).sync(recording)
        ranges = _ranges_sent(rig.emulator)
    finally:
        rig.emulator.stop()

    assert report.outcome == "success", report.error
    assert set(recording.fetched) == burst
    assert set(recording.fetched.values()) == {1}
    assert len(ranges) >= 3


@pytest.mark.parametrize("labels", [(), ("small",) * 3])
def test_an_empty_or_sub_page_partition_is_read_whole(rig: Rig, labels: tuple[str, ...]) -> None:
    """Nothing to cut: one query, the run a success, every issue (if any) once."""
    rig.advance(minutes=5)
    created = {rig.emulator.create("SHOP", "Task", labels=[label]) for label in labels}
    recording = _Recording(_source(rig, projects=(), jql="labels = small"))

    report = SyncEngine(rig.store, clock=rig.emulator.clock.now).sync(recording)

    assert report.outcome == "success", report.error
    assert set(recording.fetched) == created
    assert set(recording.fetched.values()) <= {1}
    assert recording.partitions <= {"jql"}
    assert _ranges_sent(rig.emulator) == set()
