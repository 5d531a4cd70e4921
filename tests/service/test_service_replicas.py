"""Two ``syncd run`` replicas on one PostgreSQL store: one writer, one follower, failover.

The replicas start together on an empty database (as a Deployment's pods do), elect one
writer through the advisory lock, serve the same snapshot, and when the writer is killed
outright the follower takes the lock over and goes on syncing.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import (
    SHARE_SERIES,
    TARGET_SERIES,
    Samples,
    SyncdProcess,
    emulator_issue_count,
    wait_until,
    write_config,
)

from connectors.jira.emulator import JiraEmulator
from syncd.store import RunSummary, Store, create_store_engine

pytestmark = pytest.mark.postgres

FAILOVER_BOUND_SECONDS = 30.0


@pytest.fixture
def replicas(
    tmp_path: Path, postgres_url: str, emulator: JiraEmulator
) -> Iterator[tuple[SyncdProcess, SyncdProcess]]:
    """Two replicas started at the same moment on a fresh PostgreSQL database, both ready."""
    # 10 s: the writer's snapshot outlives the follower's 5 s re-read, so both serve it.
    config = write_config(tmp_path, emulator.url, postgres_url, interval_seconds=10)
    args = ["run", "--config", str(config)]
    with (
        SyncdProcess(args, tmp_path, tag="-a") as first,
        SyncdProcess(args, tmp_path, tag="-b") as second,
    ):
        first.wait_ready(timeout=60)
        second.wait_ready(timeout=60)
        yield first, second


def _leader(samples: Samples) -> float | None:
    return samples.get("syncd_leader")


def _roles(pair: tuple[SyncdProcess, SyncdProcess]) -> tuple[SyncdProcess, SyncdProcess] | None:
    """(writer, follower) once exactly one replica reports leadership."""
    first, second = pair
    flags = (_leader(first.scrape()), _leader(second.scrape()))
    if flags == (1.0, 0.0):
        return first, second
    if flags == (0.0, 1.0):
        return second, first
    return None


def _drift_series(samples: Samples) -> dict[object, float]:
    return dict(samples.series(*SHARE_SERIES, TARGET_SERIES))


def _same_snapshot(writer: SyncdProcess, follower: SyncdProcess) -> tuple[Samples, Samples] | None:
    served = (writer.scrape(), follower.scrape())
    times = {s.snapshot_time for s in served}
    return served if len(times) == 1 and None not in times else None


def _logged_runs(replica: SyncdProcess) -> set[int]:
    return {int(event["run_id"]) for event in replica.events("sync_run")}


def _one_at_a_time(runs: list[RunSummary]) -> bool:
    ordered = sorted(runs, key=lambda run: run.started_at)
    return all(
        earlier.finished_at is not None and earlier.finished_at <= later.started_at
        for earlier, later in itertools.pairwise(ordered)
    )


def test_exactly_one_replica_writes_and_both_serve_the_writers_snapshot(
    replicas: tuple[SyncdProcess, SyncdProcess], postgres_url: str, emulator: JiraEmulator
) -> None:
    """One leader; the follower serves the snapshot the writer saved (same values); the store
    holds each emulator issue once; every run was made by the writer, never two at once."""
    writer, follower = wait_until(lambda: _roles(replicas), 30, "exactly one leader")
    served = wait_until(lambda: _same_snapshot(writer, follower), 30, "one snapshot on both")

    assert _drift_series(served[0])
    assert _drift_series(served[1]) == _drift_series(served[0])
    store = Store(create_store_engine(postgres_url))
    (status,) = store.status()
    assert status.issues_stored == emulator_issue_count(emulator)
    runs = [run for run in store.recent_runs(limit=1000) if run.outcome != "running"]
    assert {run.run_id for run in runs} <= _logged_runs(writer)
    assert _logged_runs(follower) == set()
    assert _one_at_a_time(runs)


def test_killing_the_writer_hands_the_lock_to_the_follower_which_keeps_syncing(
    replicas: tuple[SyncdProcess, SyncdProcess], postgres_url: str, emulator: JiraEmulator
) -> None:
    """SIGKILL the writer: the follower reports leadership within the bound (the session's
    advisory lock dies with the process), syncs a new issue into the store, and the runs of
    the two replicas never overlap."""
    writer, follower = wait_until(lambda: _roles(replicas), 30, "exactly one leader")
    wait_until(lambda: _logged_runs(writer), 30, "a first run by the writer")
    store = Store(create_store_engine(postgres_url))

    writer.kill()
    killed_at = time.monotonic()
    # Created while nobody writes: the new writer's first sync must bring it in.
    emulator.create("DATA", "Task", summary="Backfill the events table", status="Done")
    wait_until(
        lambda: _leader(follower.scrape()) == 1.0,
        FAILOVER_BOUND_SECONDS,
        "the follower to take the writer lock over",
    )
    failover = time.monotonic() - killed_at
    print(f"failover after SIGKILL of the writer: {failover:.2f} s")

    wait_until(
        lambda: store.status()[0].issues_stored == emulator_issue_count(emulator),
        20,
        "the new issue synced by the new writer",
    )
    # The issue is stored when its page commits; the run's log line comes when the run ends.
    wait_until(lambda: _logged_runs(follower), 20, "a run logged by the new writer")
    runs = [run for run in store.recent_runs(limit=1000) if run.outcome != "running"]
    before, after = _logged_runs(writer), _logged_runs(follower)
    assert max(before) < min(after)
    assert {run.run_id for run in runs} <= before | after
    assert _one_at_a_time(runs)
