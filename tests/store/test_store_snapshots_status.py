"""Snapshots with retention; per-source status; health ping."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from store_builders import SOURCE, T0, FixedClock, make_issue, page_of

from syncd.core.domain import Census, RejectedRecord
from syncd.store import Store, create_store_engine


def test_the_latest_snapshot_is_served_and_old_ones_are_pruned_by_count(store: Store) -> None:
    assert store.latest_snapshot() is None
    for hour in range(5):
        store.save_snapshot(T0 + timedelta(hours=hour), {"hour": hour}, keep=3)
    assert store.latest_snapshot() == (T0 + timedelta(hours=4), {"hour": 4})
    removed = store.save_snapshot(T0 + timedelta(hours=5), {"hour": 5}, keep=1)
    assert removed == 3
    assert store.latest_snapshot() == (T0 + timedelta(hours=5), {"hour": 5})


def test_snapshots_older_than_max_age_are_pruned(store: Store) -> None:
    store.save_snapshot(T0, {"n": 0}, keep=10)
    store.save_snapshot(T0 + timedelta(hours=1), {"n": 1}, keep=10)
    removed = store.save_snapshot(
        T0 + timedelta(hours=3), {"n": 3}, keep=10, max_age=timedelta(hours=2, minutes=30)
    )
    assert removed == 1
    with pytest.raises(ValueError, match="keep must be at least 1"):
        store.save_snapshot(T0, {}, keep=0)


def test_status_reports_each_source(store: Store, clock: FixedClock) -> None:
    run = store.begin_run(SOURCE, "full")
    bad = RejectedRecord(SOURCE, "SHOP-9", "no issuetype", "{}")
    store.write_page(SOURCE, run, page_of(make_issue(1), make_issue(2), rejected=(bad,)))
    store.apply_census(SOURCE, run, Census({"SHOP": frozenset({1})}, frozenset(), True))
    clock.advance(minutes=2)
    store.finish_run(run, "success", watermark=T0)
    store.begin_run("jira-dc", "incremental")
    (dc, cloud) = sorted(store.status(), key=lambda s: s.source != "jira-dc")
    assert (cloud.source, cloud.issues_stored, cloud.issues_deleted) == (SOURCE, 1, 1)
    assert (cloud.watermark, cloud.last_census_at, cloud.quarantined) == (T0, T0, 1)
    assert cloud.last_success_at == T0 + timedelta(minutes=2)
    assert cloud.last_run is not None
    assert (cloud.last_run.outcome, cloud.last_run.deleted) == ("success", 1)
    assert (dc.issues_stored, dc.watermark, dc.last_success_at) == (0, None, None)
    assert dc.last_run is not None
    assert dc.last_run.outcome == "running"
    as_json = json.loads(json.dumps(cloud.to_dict()))
    assert as_json["watermark"] == T0.isoformat()
    assert as_json["last_run"]["issues_inserted"] == 2


def test_ping_tells_a_reachable_store_from_an_unreachable_one(store: Store) -> None:
    assert store.ping() is True
    unreachable = create_store_engine("postgresql+psycopg://syncd:pw@127.0.0.1:1/none")
    assert Store(unreachable).ping() is False
