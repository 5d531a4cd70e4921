"""The daemon's HTTP server: ``/metrics``, ``/healthz``, ``/readyz`` and the web view.

``/healthz`` answers 200 while *alive()* is true (the main loop's heartbeat is recent) and
never touches the store or a source. ``/readyz`` answers 200 when *ready()* returns ``None``
(store reachable, first cycle done) and 503 with ``{"ready": false, "reason": ...}`` otherwise.
``/metrics`` renders the given registry in the format the scraper asks for. With a *view*,
the read-only pages and JSON API (``syncd.web.pages``) are served too, behind *access*. The
application is Flask (``syncd.web.application``). ``stop()`` returns within about a second.

The server is waitress: one thread reads every connection without blocking and hands only
complete requests to a fixed pool of workers. An idle, half-open or slow client (a request
trickled byte by byte) therefore holds a socket, never a thread, and cannot keep a scrape or a
probe waiting for a worker; a connection silent for ``idle_timeout_seconds`` is closed, and
past ``connections`` open ones new connections wait in the listen backlog until one closes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry
from waitress import wasyncore
from waitress.server import create_server

from syncd.web.access import Access
from syncd.web.application import create_app
from syncd.web.pages import WebView

if TYPE_CHECKING:
    from waitress.task import ThreadedTaskDispatcher

__all__ = ["Endpoints", "Heartbeat", "ServerLimits"]

_POLL_SECONDS = 0.1


class Heartbeat:
    """The main loop's sign of life: ``beat()`` each turn; calling the heartbeat says whether
    the last beat is younger than *max_age_seconds* (measured on *clock*, monotonic seconds)."""

    def __init__(self, max_age_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age_seconds
        self._clock = clock
        self._last = clock()

    def beat(self) -> None:
        """Record that the main loop is alive now."""
        self._last = self._clock()

    def __call__(self) -> bool:
        """True while the last beat is recent enough."""
        return self._clock() - self._last <= self._max_age


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What the endpoints' server holds at most, whatever its clients do.

    ``workers`` threads answer requests (the server adds one thread that reads sockets);
    ``connections`` sockets are open at once; a connection with no traffic for
    ``idle_timeout_seconds`` is closed (checked every ``cleanup_seconds``); a request head
    over ``header_bytes`` or a body over ``body_bytes`` is refused (the endpoints read none).
    """

    workers: int = 4
    connections: int = 500
    idle_timeout_seconds: int = 30
    cleanup_seconds: int = 5
    header_bytes: int = 8192
    body_bytes: int = 1024


class Endpoints:
    """A bounded HTTP server for the endpoints and the web view, bound on ``start()``.

    Port 0 binds a free port; ``port`` tells which after ``start()``. A probe callable that
    raises counts as "not healthy" / "not ready"; its message is not echoed (it might hold a
    connection string), only the exception's type. *rendered*, when given, returns exposition
    bytes appended to the registry's on every scrape (``True`` asks for OpenMetrics): series
    that change only with the analytics snapshot are formatted once, not per scrape. *limits*
    bound the threads and connections the server uses (see ``ServerLimits``). *view* and
    *access* add the web view (``syncd.web.application.create_app``).
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        alive: Callable[[], bool],
        ready: Callable[[], str | None],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rendered: Callable[[bool], bytes] | None = None,
        limits: ServerLimits = ServerLimits(),
        view: WebView | None = None,
        access: Access | None = None,
    ) -> None:
        self.app = create_app(registry, alive, ready, rendered=rendered, view=view, access=access)
        self._address = (host, port)
        self._limits = limits
        self._listener: socket.socket | None = None
        self._workers: ThreadedTaskDispatcher | None = None
        self._sockets: dict[int, Any] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port; only meaningful after ``start()``."""
        if self._listener is None:
            raise RuntimeError("the endpoints are not started")
        return int(self._listener.getsockname()[1])

    def start(self) -> None:
        """Bind and serve in a background thread; raises ``OSError`` if the port is taken."""
        if self._listener is not None:
            raise RuntimeError("the endpoints are already started")
        listener = socket.create_server(self._address, family=socket.AF_INET)
        limits = self._limits
        server = create_server(
            self.app.wsgi_app,
            map=self._sockets,
            sockets=[listener],
            threads=limits.workers,
            connection_limit=limits.connections,
            channel_timeout=limits.idle_timeout_seconds,
            cleanup_interval=limits.cleanup_seconds,
            max_request_header_size=limits.header_bytes,
            max_request_body_size=limits.body_bytes,
            asyncore_use_poll=True,  # select() fails past 1,024 open sockets
            ident="syncd",
        )
        self._listener, self._workers = listener, server.task_dispatcher
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="syncd-endpoints", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # One poll at a time, so that stop() is seen within _POLL_SECONDS and the sockets are
        # closed only once this loop no longer watches them.
        while not self._stopping.is_set():
            wasyncore.loop(timeout=_POLL_SECONDS, map=self._sockets, use_poll=True, count=1)

    def stop(self) -> None:
        """Stop serving and release the port; idempotent."""
        workers, thread = self._workers, self._thread
        self._listener = self._workers = self._thread = None
        if workers is None:
            return
        self._stopping.set()
        if thread is not None:
            thread.join(timeout=1.0)
        workers.shutdown(timeout=1)
        wasyncore.close_all(self._sockets)

    def __enter__(self) -> Endpoints:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
