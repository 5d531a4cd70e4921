"""A hostile HTTP server on loopback: it answers every request with scripted raw bytes, sent
at a chosen pace, so that transport tests meet what no well-behaved server sends (a trickle,
an endless or oversized body, a decompression bomb)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager, suppress

__all__ = ["answer", "hostile_server"]


def answer(
    status: str, body: bytes = b"", headers: Iterable[str] = (), length: bool = True
) -> bytes:
    """An HTTP/1.1 answer: *status* (``"200 OK"``), *headers*, and *body* (with its
    ``Content-Length`` unless *length* is false: then it ends when the connection closes)."""
    lines = [f"HTTP/1.1 {status}", *headers]
    lines.append(f"Content-Length: {len(body)}" if length else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@contextmanager
def hostile_server(
    raw: bytes, *, pause: float = 0.0, chunk: int = 1, prompt: int = 0, repeat: bytes = b""
) -> Iterator[str]:
    """Serve *raw* to every connection: its first *prompt* bytes at once, the rest *chunk*
    bytes every *pause* seconds, then *repeat* for ever (an endless body) until the client
    hangs up; yields the base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with closing(connection), suppress(OSError):
            connection.recv(65536)
            connection.sendall(raw[:prompt])
            for start in range(prompt, len(raw), chunk):
                connection.sendall(raw[start : start + chunk])
                if pause:
                    time.sleep(pause)
            while repeat and not stop.is_set():
                connection.sendall(repeat)

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
