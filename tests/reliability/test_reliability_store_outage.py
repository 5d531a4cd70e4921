"""Store outage: PostgreSQL disappears in the middle of a running service, then comes back.

The real server is never stopped (other tests use it): a TCP proxy between the service and
PostgreSQL is cut, which refuses new connections and resets open ones, then restored.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from reliability_support import TcpProxy, jira_source, proxied, tally, wait_until, write_config
from sqlalchemy.engine import make_url

from connectors.jira.emulator import JiraEmulator
from syncd.service.config import load_config
from syncd.service.run import Service, build_service

_LAST_SUCCESS = re.compile(r'^syncd_last_success_timestamp_seconds\{source="acme"\} (\S+)$', re.M)


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    url = make_url(postgres_url)
    with proxied((url.host or "127.0.0.1", url.port or 5432)) as running:
        yield running


@pytest.fixture
def service(
    postgres_url: str, proxy: TcpProxy, emulator: JiraEmulator, tmp_path: Path
) -> Iterator[Service]:
    """``syncd run`` in this process, syncing every second through the proxy."""
    store_url = make_url(postgres_url).set(port=proxy.port).render_as_string(hide_password=False)
    path = write_config(
        tmp_path / "syncd.yaml", store_url=store_url, jira=[jira_source(emulator.url)]
    )
    built = build_service(load_config(path))
    built.endpoints.start()
    worker = threading.Thread(target=built.daemon.run, daemon=True)
    worker.start()
    try:
        yield built
    finally:
        built.stop.set()
        worker.join(timeout=30)
        built.endpoints.stop()
        built.store.engine.dispose()


def _get(service: Service, path: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{service.endpoints.port}{path}", timeout=10)


def _last_success(service: Service) -> float:
    found = _LAST_SUCCESS.search(_get(service, "/metrics").text)
    return float(found.group(1)) if found else 0.0


def _work_series(service: Service) -> list[str]:
    lines = _get(service, "/metrics").text.splitlines()
    return [line for line in lines if line.startswith("syncd_work_")]


def test_the_service_serves_stale_metrics_while_the_store_is_away_and_recovers(
    service: Service, proxy: TcpProxy
) -> None:
    """While PostgreSQL is unreachable: /metrics keeps the last snapshot, the last-success time
    stops (staleness visible), /readyz is 503. When it returns: ready again and syncing,
    with no restart."""
    assert wait_until(lambda: _get(service, "/readyz").status_code == 200, timeout=60)
    assert wait_until(lambda: _last_success(service) > 0, timeout=60)
    before = _work_series(service)
    assert before

    proxy.cut()
    assert wait_until(lambda: _get(service, "/readyz").status_code == 503, timeout=30, step=0.2)
    stalled = _last_success(service)
    # Several sync intervals pass with the store away.
    assert not wait_until(lambda: _last_success(service) > stalled, timeout=4, step=0.2)
    assert _get(service, "/metrics").status_code == 200
    assert _work_series(service) == before
    assert _get(service, "/healthz").status_code == 200  # alive: no restart wanted
    assert "store" in _get(service, "/readyz").json()["reason"]

    proxy.restore()
    assert wait_until(lambda: _get(service, "/readyz").status_code == 200, timeout=60, step=0.2)
    assert wait_until(lambda: _last_success(service) > stalled, timeout=60, step=0.2)
    tally("store outage: outages survived without restart")
