"""Idle, half-open and slow clients of the endpoints hold sockets, never threads.

The endpoints used to start one thread per connection, with no bound and no timeout: 200
idle connections to ``/metrics`` made 203 threads, each waiting forever. Here hundreds of
connections are opened and left idle, or sent every proper prefix of a request (a slow-loris
client that stopped mid-request line, mid-header, mid-body or mid-chunk). The process keeps
its thread count, ``/healthz`` and ``/metrics`` still answer, and a connection that stays
silent past the idle timeout is closed by the server.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

import requests
from prometheus_client import CollectorRegistry, Counter
from reliability_support import tally

from syncd.web.endpoints import Endpoints, ServerLimits

IDLE = 200
REQUESTS = (
    b"GET /metrics HTTP/1.1\r\nHost: syncd\r\nAccept: text/plain\r\n\r\n",
    b"POST /metrics HTTP/1.1\r\nHost: syncd\r\nContent-Length: 512\r\n\r\n" + b"x" * 16,
    b"GET /healthz HTTP/1.1\r\nHost: syncd\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
)
PARTIAL = tuple(request[:cut] for request in REQUESTS for cut in range(1, len(request)))
"""Every proper, non-empty prefix of each request: none of them is a complete request."""


def _endpoints(limits: ServerLimits) -> Endpoints:
    registry = CollectorRegistry()
    Counter("syncd_test_scrapes", "A series to scrape.", registry=registry).inc()
    return Endpoints(registry, lambda: True, lambda: None, port=0, limits=limits)


@contextmanager
def _clients(port: int, sent: Sequence[bytes]) -> Iterator[list[socket.socket]]:
    """One open connection per item of *sent*, each having sent that item and nothing more."""
    with ExitStack() as stack:
        clients = []
        for data in sent:
            client = stack.enter_context(socket.create_connection(("127.0.0.1", port), 5))
            client.sendall(data)
            clients.append(client)
        yield clients


def test_idle_and_partial_connections_hold_no_thread_and_probes_still_answer() -> None:
    """200 idle connections and every prefix of three requests, all open at once: no thread
    is added, and a probe and a scrape are answered."""
    limits = ServerLimits()
    # Threads are compared by identity, not counted: a thread an earlier test left behind may
    # end meanwhile, and must not pass for (or hide) one this server added.
    before = set(threading.enumerate())
    with _endpoints(limits) as server:
        serving = set(threading.enumerate())
        base = f"http://127.0.0.1:{server.port}"
        with _clients(server.port, [b""] * IDLE + list(PARTIAL)):
            health = requests.get(f"{base}/healthz", timeout=5)
            scrape = requests.get(f"{base}/metrics", timeout=5)
            during = set(threading.enumerate())

    assert len(serving - before) <= limits.workers + 1
    assert during - serving == set()
    assert (health.status_code, health.json()) == (200, {"alive": True, "reason": None})
    assert scrape.status_code == 200
    assert "syncd_test_scrapes_total 1.0" in scrape.text
    tally("http clients: idle or partial connections held open", IDLE + len(PARTIAL))


def test_a_connection_silent_past_the_idle_timeout_is_closed() -> None:
    """An idle connection and a request stopped mid-header are closed by the server once
    silent for the idle timeout, without an answer."""
    limits = ServerLimits(idle_timeout_seconds=1, cleanup_seconds=1)
    with _endpoints(limits) as server, _clients(server.port, [b"", PARTIAL[30]]) as clients:
        for client in clients:
            client.settimeout(15)
            assert client.recv(1024) == b""
