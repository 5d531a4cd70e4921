"""``/metrics``, ``/healthz`` and ``/readyz`` over real loopback HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
from prometheus_client import CollectorRegistry

from syncd.metrics import SnapshotCollector
from syncd.web.endpoints import Endpoints, Heartbeat

from .snapshots import row, snapshot


class _Probes:
    """Switchable liveness and readiness answers."""

    def __init__(self) -> None:
        self.alive = True
        self.reason: str | None = "first cycle not done"
        self.broken = False

    def is_alive(self) -> bool:
        return self.alive

    def ready(self) -> str | None:
        if self.broken:
            raise ConnectionError("postgresql://user:secret@db/syncd refused")
        return self.reason


@pytest.fixture
def probes() -> _Probes:
    return _Probes()


@pytest.fixture
def base_url(probes: _Probes) -> Iterator[str]:
    registry = CollectorRegistry()
    current = snapshot(row())
    registry.register(SnapshotCollector(lambda: current))
    with Endpoints(registry, probes.is_alive, probes.ready, host="127.0.0.1", port=0) as server:
        yield f"http://127.0.0.1:{server.port}"


def test_metrics_serves_the_registry_in_text_format(base_url: str) -> None:
    """A scrape gets the drift series with the Prometheus text content type."""
    response = requests.get(f"{base_url}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'syncd_work_share_ratio{category="",team="platform"' in response.text


def test_healthz_follows_the_liveness_callable(base_url: str, probes: _Probes) -> None:
    """200 while the main loop is alive, 503 once it stalls."""
    assert requests.get(f"{base_url}/healthz", timeout=5).status_code == 200
    probes.alive = False
    response = requests.get(f"{base_url}/healthz", timeout=5)
    assert (response.status_code, response.json()["alive"]) == (503, False)


def test_readyz_is_503_with_a_reason_until_ready(base_url: str, probes: _Probes) -> None:
    """Not ready: 503 and the callable's reason as JSON; ready: 200."""
    response = requests.get(f"{base_url}/readyz", timeout=5)
    assert (response.status_code, response.json()) == (
        503,
        {"ready": False, "reason": "first cycle not done"},
    )
    probes.reason = None
    response = requests.get(f"{base_url}/readyz", timeout=5)
    assert (response.status_code, response.json()) == (200, {"ready": True, "reason": None})


def test_a_failing_readiness_check_is_503_without_echoing_its_message(
    base_url: str, probes: _Probes
) -> None:
    """The exception's type is reported, never its text (it may hold a connection string)."""
    probes.broken = True
    response = requests.get(f"{base_url}/readyz", timeout=5)
    assert response.status_code == 503
    assert response.json()["reason"] == "check failed: ConnectionError"
    assert "secret" not in response.text


def test_unknown_paths_are_404(base_url: str) -> None:
    """Only the three endpoints exist (no web view was given), and the answer names them."""
    response = requests.get(f"{base_url}/admin", timeout=5)
    assert response.status_code == 404
    assert response.json()["paths"] == ["/metrics", "/healthz", "/readyz"]
    assert requests.get(f"{base_url}/api/v1/overview", timeout=5).status_code == 404


def test_stop_releases_the_port(probes: _Probes) -> None:
    """After ``stop()`` nothing listens on the bound port any more, and stop is idempotent."""
    server = Endpoints(CollectorRegistry(), probes.is_alive, probes.ready, port=0)
    server.start()
    port = server.port
    assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    server.stop()
    server.stop()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass


def test_heartbeat_is_recent_until_max_age_passes() -> None:
    """A beat keeps the heartbeat alive for max_age seconds of its clock."""
    now = [100.0]
    heartbeat = Heartbeat(30.0, clock=lambda: now[0])
    now[0] = 130.0
    assert heartbeat()
    now[0] = 130.5
    assert not heartbeat()
    heartbeat.beat()
    assert heartbeat()
