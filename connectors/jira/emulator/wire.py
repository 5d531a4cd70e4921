"""Writing one emulated answer to the socket: whole, trickled, or padded past any sane size.

An answer is written in one piece (a single segment per answer on keep-alive connections)
unless a fault says otherwise: ``trickle`` sends it a byte at a time, ``oversized`` streams
the JSON with a huge ``padding`` member first, never holding it whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Final, Protocol

from connectors.jira.emulator.faults import Fault

__all__ = ["Head", "head", "write_answer"]

Head = Callable[[int | None], bytes]
"""The answer's head for a body of the given length (``None``: ends when the connection
closes)."""


class _Stream(Protocol):
    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> None: ...


_CHUNK: Final = 1024 * 1024
_OPENING: Final = b'{"padding":"'


def head(status_line: str, date: str, headers: Mapping[str, str], length: int | None) -> bytes:
    """The status line and headers of a JSON answer; without *length*, the body ends when
    the connection closes."""
    lines = [
        status_line,
        f"Date: {date}",
        "Content-Type: application/json;charset=UTF-8",
        f"Content-Length: {length}" if length is not None else "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def write_answer(stream: _Stream, head_of: Head, payload: bytes, fault: Fault | None) -> bool:
    """Write the answer as *fault* shapes it; whether the connection must close after it."""
    kind = fault.kind if fault is not None else None
    if fault is not None and kind == "oversized" and payload.startswith(b"{"):
        stream.write(head_of(fault.size if fault.announce else None))
        _write_padded(stream, payload, fault.size)
        return not fault.announce
    whole = head_of(len(payload)) + payload
    if fault is not None and kind == "trickle":
        for index in range(len(whole)):
            stream.write(whole[index : index + 1])
            stream.flush()
            time.sleep(fault.seconds)
        return False
    stream.write(whole)
    return False


def _write_padded(stream: _Stream, payload: bytes, size: int) -> None:
    padding = max(0, size - len(_OPENING) - 2 - len(payload))
    stream.write(_OPENING)
    chunk = b"x" * _CHUNK
    for _ in range(padding // _CHUNK):
        stream.write(chunk)
    stream.write(b"x" * (padding % _CHUNK) + b'",' + payload[1:])
