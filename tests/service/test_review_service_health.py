"""The health series a replica exports come from the store, not only from its own runs.

A follower never syncs, and a restarted process has not synced yet: both must still export
when the source last synced successfully, or the staleness alert (``time() -
syncd_last_success_timestamp_seconds > 1800``) fires on them and its ``max`` gate silences
every drift alert.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from service_support import Samples, http_get, write_config

from syncd.service.config import load_config
from syncd.service.run import Service, build_service
from syncd.service.wiring import open_store
from syncd.store import Store, WriterLock


def _record_success(store: Store, source: str) -> datetime:
    run_id = store.begin_run(source, "incremental")
    store.finish_run(run_id, "success", watermark=datetime.now(UTC) - timedelta(minutes=1))
    found = store.status()
    return next(s.last_success_at for s in found if s.source == source and s.last_success_at)


def _scraped_last_success(service: Service) -> float | None:
    status, body = http_get(f"http://127.0.0.1:{service.endpoints.port}/metrics")
    assert status == 200
    samples = Samples.parse(body.decode())
    return samples.get("syncd_last_success_timestamp_seconds", source="acme")


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    # No Jira answers at this address: nothing here syncs, every time comes from the store.
    return write_config(tmp_path, "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'syncd.db'}")


@pytest.fixture
def service(config_path: Path) -> Iterator[Service]:
    built = build_service(load_config(config_path))
    built.endpoints.start()
    try:
        yield built
    finally:
        built.endpoints.stop()
        built.store.engine.dispose()


def test_a_restarted_replica_exports_the_stored_last_success(config_path: Path) -> None:
    """The last success recorded before the restart is exported at once, not 0."""
    earlier = open_store(load_config(config_path))
    succeeded = _record_success(earlier, "acme")
    earlier.engine.dispose()
    built = build_service(load_config(config_path))
    built.endpoints.start()
    try:
        assert _scraped_last_success(built) == pytest.approx(succeeded.timestamp(), abs=0.01)
    finally:
        built.endpoints.stop()
        built.store.engine.dispose()


def test_a_follower_exports_the_writers_last_success_after_each_follow(service: Service) -> None:
    """While another replica holds the writer lock and syncs, the follower's series move with
    the writer's successful runs."""
    writer_lock = WriterLock(service.store.engine)
    assert writer_lock.acquire()
    try:
        assert not _scraped_last_success(service)
        succeeded = _record_success(service.store, "acme")
        service.daemon.run_once()
        assert service.daemon.state.leader is False
        assert _scraped_last_success(service) == pytest.approx(succeeded.timestamp(), abs=0.01)
    finally:
        writer_lock.release()
