"""The daemon's HTTP endpoints: ``/metrics``, ``/healthz`` and ``/readyz`` on one small server.

``/healthz`` answers 200 while *alive()* is true (the main loop's heartbeat is recent) and
never touches the store or a source. ``/readyz`` answers 200 when *ready()* returns ``None``
(store reachable, first cycle done) and 503 with ``{"ready": false, "reason": ...}`` otherwise.
``/metrics`` renders the given registry in the format the scraper asks for. The server runs on
its own threads; ``stop()`` returns within about a second.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

__all__ = ["Endpoints", "Heartbeat"]

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


class Endpoints:
    """A threaded HTTP server for the three endpoints, bound on ``start()``.

    Port 0 binds a free port; ``port`` tells which after ``start()``. A probe callable that
    raises counts as "not healthy" / "not ready"; its message is not echoed (it might hold a
    connection string), only the exception's type. *rendered*, when given, returns exposition
    bytes appended to the registry's on every scrape (``True`` asks for OpenMetrics): series
    that change only with the analytics snapshot are formatted once, not per scrape.
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
    ) -> None:
        self._registry = registry
        self._rendered = rendered
        self._alive = alive
        self._ready = ready
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port; only meaningful after ``start()``."""
        if self._server is None:
            raise RuntimeError("the endpoints are not started")
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Bind and serve in a background thread; raises ``OSError`` if the port is taken."""
        if self._server is not None:
            raise RuntimeError("the endpoints are already started")
        server = ThreadingHTTPServer(self._address, _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name="syncd-endpoints",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port; idempotent."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=1.0)

    def __enter__(self) -> Endpoints:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def answer(self, path: str, accept: str | None) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of *path*."""
        route = path.split("?", 1)[0]
        if route == "/metrics":
            encoder, content_type = choose_encoder(accept or "")
            return 200, content_type, self._metrics(encoder, content_type)
        if route == "/healthz":
            healthy, reason = _probe(lambda: None if self._alive() else "main loop stalled")
            return _json(200 if healthy else 503, {"alive": healthy, "reason": reason})
        if route == "/readyz":
            ready, reason = _probe(self._ready)
            return _json(200 if ready else 503, {"ready": ready, "reason": reason})
        return _json(404, {"error": "not found", "paths": ["/metrics", "/healthz", "/readyz"]})

    def _metrics(self, encoder: Callable[[CollectorRegistry], bytes], content_type: str) -> bytes:
        live = encoder(self._registry)
        if self._rendered is None:
            return live
        openmetrics = content_type.startswith("application/openmetrics-text")
        cached = self._rendered(openmetrics)
        if openmetrics:
            # OpenMetrics ends with one "# EOF" line: the pre-rendered series go before it.
            return live.removesuffix(_EOF) + cached + _EOF
        return live + cached


_EOF = b"# EOF\n"


def _probe(check: Callable[[], str | None]) -> tuple[bool, str | None]:
    try:
        reason = check()
    except Exception as error:  # a failing probe is an answer, not a crash
        return False, f"check failed: {type(error).__name__}"
    return reason is None, reason


def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body, sort_keys=True).encode()


def _handler_for(endpoints: Endpoints) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        server_version = "syncd"
        sys_version = ""

        def do_GET(self) -> None:
            status, content_type, body = endpoints.answer(self.path, self.headers.get("Accept"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            # Scrapes and probes arrive every few seconds; access logs would drown the events.
            del format, args

    return _Handler
