"""Answers a hostile server cannot stretch: a deadline for the whole answer, a size cap.

``requests`` bounds each read from the socket, not the answer: a server that trickles one
byte a second never trips a 30 s read timeout. ``limit_session`` mounts a transport adapter
under which every answer (connection, headers and body) must arrive within
``deadline_seconds``: a watchdog shuts the socket down when the deadline passes, which ends a
blocked read at once, and the request fails with ``ResponseDeadlineExceeded`` (transient).
The adapter reads every body itself, streamed, and stops at ``max_bytes`` (decompressed)
with ``ResponseTooLarge`` (permanent), refusing at once an answer that announces more.

A caller that streams a large body itself (``stream=True``: a roadmap export spooled to
disk) enforces its own size cap and holds the deadline open with ``deadline()`` around the
request and the reading of its body.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from connectors.http.outcomes import ResponseDeadlineExceeded, ResponseTooLarge

__all__ = ["Deadline", "ResponseLimits", "deadline", "limit_session"]

_CHUNK_BYTES: Final = 64 * 1024
_local = threading.local()


@dataclass(frozen=True, slots=True)
class ResponseLimits:
    """The most one answer may take: *deadline_seconds* in all, *max_bytes* of body."""

    deadline_seconds: float
    max_bytes: int


def limit_session(
    session: requests.Session,
    limits: ResponseLimits,
    heard: Callable[[Mapping[str, str]], None] | None = None,
) -> requests.Session:
    """Mount the limiting adapter on *session* for ``http://`` and ``https://``; *session*.
    *heard* receives the headers of every answer read whole (a rate limit's budget)."""
    adapter = _LimitedAdapter(limits, heard)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Deadline:
    """A deadline for the requests this thread sends within it (see ``deadline()``): when it
    passes, every connection they use is shut down (a blocked read returns at once) and
    ``fired`` is set."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._outer: Deadline | None = getattr(_local, "watch", None)
        _local.watch = self
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()
        _local.watch = self._outer

    def cause(self, error: BaseException) -> BaseException:
        """What *error*, raised while the deadline was held, stands for: the passed deadline
        when it fired (the shut socket only made the read fail), else *error* itself."""
        return ResponseDeadlineExceeded(self.seconds) if self.fired else error

    def check(self) -> None:
        """Raise ``ResponseDeadlineExceeded`` once the deadline has passed: a socket shut
        mid-answer can also read as an answer that merely ended early."""
        if self.fired:
            raise ResponseDeadlineExceeded(self.seconds)

    def attach(self, connection: HTTPConnection) -> None:
        """Shut *connection* down when the deadline passes (at once if it has)."""
        with self._lock:
            self._connections.append(connection)
            fired = self.fired
        if fired:
            _shut(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        # socket.socket's own shutdown, also for TLS: the SSL wrapper's would tear its state
        # down under the thread that is reading.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def deadline(seconds: float) -> Deadline:
    """A deadline of *seconds* for what this thread sends and reads through a limited session
    until the ``with`` block ends: ``with deadline(60) as held: ...``, then
    ``held.cause(error)`` for an error raised inside."""
    return Deadline(seconds)


def _watching(connection: HTTPConnection) -> None:
    """Put *connection* under the current request's deadline; refuse once it has passed."""
    watch: Deadline | None = getattr(_local, "watch", None)
    if watch is not None:
        watch.attach(connection)
        if watch.fired:
            raise ResponseDeadlineExceeded(watch.seconds)


# Watched from the moment the answer is awaited: sending is bounded by the socket timeout.
class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watching(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watching(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS: Final[Mapping[str, type[HTTPConnectionPool]]] = {
    "http": _WatchedHTTPPool,
    "https": _WatchedHTTPSPool,
}


class _LimitedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose answers are read whole, within the limits, before returning."""

    def __init__(
        self, limits: ResponseLimits, heard: Callable[[Mapping[str, str]], None] | None
    ) -> None:
        self._limits = limits
        self._heard = heard
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        """Send *request* and read its answer whole, within the deadline and the size cap;
        with *stream*, only send it (the caller holds a ``deadline()`` and caps the body)."""
        if stream:
            return super().send(request, stream=True, **kwargs)
        with deadline(self._limits.deadline_seconds) as watch:
            try:
                response = super().send(request, stream=True, **kwargs)
                _read_whole(response, self._limits.max_bytes, watch)
            except (requests.RequestException, OSError) as error:
                cause = watch.cause(error)
                if cause is not error:
                    raise cause from None
                raise
        if self._heard is not None:
            self._heard(response.headers)
        return response


def _read_whole(response: requests.Response, limit: int, watch: Deadline) -> None:
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        response.close()
        raise ResponseTooLarge(limit, int(announced))
    body = bytearray()
    for chunk in response.iter_content(_CHUNK_BYTES):
        watch.check()
        body += chunk
        if len(body) > limit:
            response.close()
            raise ResponseTooLarge(limit)
    watch.check()
    response._content = bytes(body)
