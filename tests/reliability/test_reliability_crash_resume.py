"""Crash and resume: ``syncd sync --once`` killed with SIGKILL at random points, then restarted.

Each trial kills one or two runs at a seeded, random point of the sync (start-up, bootstrap
requests, between pages, after the last page while classifying) and then lets a run finish.
After every kill the watermark has not moved unless a run had committed success, every
issue older than the watermark is stored, and every issue stored as Jira holds it now is
stored with its whole history (a page's issues and their histories commit together); after
the final run the store equals the emulator, histories included.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from reliability_support import (
    PROJECTS,
    RunRow,
    jira_source,
    open_store,
    run_syncd,
    runs_of,
    scaled,
    start_syncd,
    tally,
    wait_until,
    write_config,
)
from sync_support import comparable_issue, emulator_issues, visible_records

from connectors.jira.emulator import JiraEmulator, generate_organisation
from syncd.store import Store
from tests.jira.changelog_support import comparable, expected_changes

ISSUES = 200
_MOMENT = timedelta(seconds=1)


@dataclass
class _Crash:
    """A shared emulator and store; each trial syncs its own source into the store."""

    emulator: JiraEmulator
    store_url: str
    folder: Path
    full_requests: int = 0

    @property
    def store(self) -> Store:
        return open_store(self.store_url)

    def config(self, source: str) -> Path:
        return write_config(
            self.folder / f"{source}.yaml",
            store_url=self.store_url,
            jira=[jira_source(self.emulator.url, source)],
        )


@contextmanager
def _crash_rig(store_url: str, folder: Path) -> Iterator[_Crash]:
    """An emulator (in this process: it outlives every killed sync) with page latency."""
    org = generate_organisation(issues=ISSUES, seed=5, now=datetime.now(UTC) - timedelta(hours=1))
    with JiraEmulator(org, "cloud", latency_seconds=0.02) as emulator:
        yield _Crash(emulator, store_url, folder)


@pytest.fixture
def crash(database_url: str, tmp_path: Path) -> Iterator[_Crash]:
    """The crash rig on SQLite and on PostgreSQL."""
    with _crash_rig(database_url, tmp_path) as rig:
        yield rig


def _stored(store: Store, source: str) -> dict[int, tuple[object, ...]]:
    return {issue.issue_id: comparable_issue(issue) for issue in store.iter_issues(source)}


def _sync(crash: _Crash, source: str) -> None:
    done = run_syncd("sync", "--once", "--config", str(crash.config(source)))
    assert done.returncode == 0, done.stderr[-2000:]


def _mutate(emulator: JiraEmulator, rng: random.Random) -> None:
    """Edit, create and move a few issues, so the next run has something to fetch."""
    ids = sorted(emulator_issues(emulator))
    for issue_id in rng.sample(ids, 5):
        emulator.edit(issue_id, summary=f"Edited {issue_id} {rng.random():.6f}")
    emulator.create(rng.choice(PROJECTS), "Task", labels=["ktlo"])
    emulator.move(rng.choice(ids), rng.choice(PROJECTS))


def _kill_once(crash: _Crash, source: str, rng: random.Random) -> str:
    """Start a sync, SIGKILL it at a random point; return the phase the kill landed in."""
    store = crash.store
    before = store.watermark(source)
    runs_before = len(runs_of(store, source))
    served = len(crash.emulator.requests)
    target = rng.randint(0, crash.full_requests + 4)
    process = start_syncd("sync", "--once", "--config", str(crash.config(source)))
    try:
        if target <= crash.full_requests:
            wait_until(
                lambda: (
                    len(crash.emulator.requests) - served >= target or process.poll() is not None
                ),
                timeout=30,
            )
            time.sleep(rng.uniform(0, 0.03))
        else:  # past the last page: the run is committing or classifying
            time.sleep(rng.uniform(0.3, 2.5))
    finally:
        process.kill()
        process.wait(timeout=10)
    if process.returncode == 0:
        return "completed"
    return _check_after_kill(crash, source, before, runs_before)


def _check_after_kill(crash: _Crash, source: str, before: datetime | None, runs_before: int) -> str:
    """The invariants that hold after any kill; return the phase the kill landed in."""
    store = crash.store
    runs = runs_of(store, source)
    watermark = store.watermark(source)
    # A killed run never moves the cursor: it stays, or is the start of a committed success.
    assert watermark == before or _set_by_success(watermark, runs)
    if watermark is not None:
        # Never ahead of the data: everything Jira held before the watermark is stored.
        stored = _stored(store, source)
        limit = round(watermark.timestamp() * 1000)
        older = {
            issue_id: truth
            for issue_id, truth in emulator_issues(crash.emulator).items()
            if visible_records(crash.emulator)[issue_id].updated_ms < limit
        }
        assert {issue_id: stored.get(issue_id) for issue_id in older} == older
    _check_histories(crash, source)
    if len(runs) == runs_before:
        return "before_run"
    killed = runs[-1]
    if killed.outcome == "success":
        return "after_commit"
    assert killed.outcome == "running"  # its process died; the next run supersedes it
    progress = store.sync_progress(source)
    assert progress is not None
    return "mid_pages" if progress.pages_committed > 0 else "bootstrap"


def _histories(store: Store, source: str) -> dict[int, list[tuple[object, ...]]]:
    return {
        issue.issue_id: comparable(changes)
        for issue, changes in store.iter_issue_histories()
        if issue.source == source
    }


def _check_histories(crash: _Crash, source: str) -> None:
    """Every issue stored in its current version is complete and holds the emulator's whole
    history: a kill never leaves an issue whose stored state and history disagree."""
    store = crash.store
    truth = emulator_issues(crash.emulator)
    current = {i for i, stored in _stored(store, source).items() if truth.get(i) == stored}
    lacking = {issue_id for issue_id, _ in store.issues_lacking_history(source, limit=100_000)}
    assert current.isdisjoint(lacking)
    expected = expected_changes(crash.emulator)
    stored = _histories(store, source)
    assert {i: stored.get(i, []) for i in current} == {i: expected[i] for i in current}


def _set_by_success(watermark: datetime | None, runs: list[RunRow]) -> bool:
    """Whether *watermark* is the start of one of the successful *runs*.

    The engine reads its clock just before the store records the run's start, so the
    watermark is at most a moment earlier than the recorded start, never later.
    """
    return watermark is not None and any(
        run.outcome == "success" and timedelta(0) <= run.started_at - watermark < _MOMENT
        for run in runs
    )


def _final_checks(crash: _Crash, source: str) -> None:
    """The store equals the emulator; the watermark is the last success's start."""
    store = crash.store
    truth = emulator_issues(crash.emulator)
    stored = _stored(store, source)
    lost = set(truth) - set(stored)
    tally("crash: issues lost", len(lost))
    assert stored == truth
    assert store.count_issues(source) == len(truth)  # nothing duplicated, nothing extra
    assert _histories(store, source) == expected_changes(crash.emulator)
    assert store.issues_lacking_history(source) == []
    runs = runs_of(store, source)
    last_success = max(run.started_at for run in runs if run.outcome == "success")
    watermark = store.watermark(source)
    assert watermark is not None
    assert watermark <= last_success
    assert _set_by_success(watermark, runs[-1:])
    progress = store.sync_progress(source)
    assert progress is not None
    assert progress.run_id is None  # no run left in progress to block or confuse the next


def _trial(crash: _Crash, number: int, rng: random.Random) -> None:
    source = f"trial{number}"
    if rng.random() < 0.5:  # kill an incremental run after a clean first sync
        _sync(crash, source)
        _mutate(crash.emulator, rng)
        tally("crash: incremental runs killed")
    for _ in range(1 if rng.random() < 0.7 else 2):
        phase = _kill_once(crash, source, rng)
        tally(f"crash: kills landing {phase}")
        tally("crash: kills")
    _sync(crash, source)
    _final_checks(crash, source)
    tally("crash: trials")


def _calibrate(crash: _Crash) -> None:
    served = len(crash.emulator.requests)
    _sync(crash, "calibration")
    crash.full_requests = len(crash.emulator.requests) - served


@pytest.mark.parametrize("seed", [20260501])
def test_sync_killed_at_random_points_converges_to_a_clean_sync(
    crash: _Crash, database_url: str, seed: int
) -> None:
    """SIGKILL at seeded random points, restart until success: no issue lost or duplicated,
    the cursor never ahead of the data nor moved by a killed run."""
    trials = scaled(5, 25) if database_url.startswith("sqlite") else scaled(3, 20)
    rng = random.Random(seed)
    _calibrate(crash)
    for number in range(trials):
        _trial(crash, number, rng)
    tally(f"crash: trials on {crash.store.engine.dialect.name}", trials)


def test_a_kill_between_pages_leaves_committed_pages_and_no_cursor(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A kill while pages are being committed leaves whole pages of an unfinished run and no
    watermark; the next run supersedes the dead one and converges."""
    with _crash_rig(sqlite_url, tmp_path) as crash:
        _calibrate(crash)
        _kill_between_pages(crash)


def _kill_between_pages(crash: _Crash) -> None:
    source = "phases"
    served = len(crash.emulator.requests)
    process = start_syncd("sync", "--once", "--config", str(crash.config(source)))
    try:
        assert wait_until(
            lambda: len(crash.emulator.requests) - served >= crash.full_requests // 2, timeout=30
        )
        assert wait_until(lambda: _pages(crash, source) > 0, timeout=30)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert _check_after_kill(crash, source, None, 0) == "mid_pages"
    assert crash.store.watermark(source) is None
    _sync(crash, source)
    _final_checks(crash, source)


def _pages(crash: _Crash, source: str) -> int:
    progress = crash.store.sync_progress(source)
    return 0 if progress is None or progress.run_id is None else progress.pages_committed
