"""How an export's bytes become text: BOM first, then strict UTF-8, then Windows-1252.

Exports come from spreadsheets as often as from tools. The rules, in order:

1. a byte-order mark decides: UTF-8 (``utf-8-sig``), UTF-16 LE or BE;
2. no mark but NUL bytes in every other position of the first bytes: UTF-16 without a mark;
3. otherwise the whole payload must be strict UTF-8;
4. if it is not, it is read as Windows-1252 (what Excel writes as "CSV" on Western Windows; a
   superset of Latin-1's printable characters) and a warning says so. The five bytes
   Windows-1252 leaves undefined are read as their Latin-1 code points, so decoding never fails.

``EncodingProbe`` is fed the payload chunk by chunk (while it is hashed) so that the decision
costs no extra pass and no extra memory.
"""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO

__all__ = ["FALLBACK_ENCODING", "EncodingProbe", "open_text"]

FALLBACK_ENCODING = "cp1252"
_ERRORS = "syncd-latin1"


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    undefined = error.object[error.start : error.end]
    return bytes(undefined).decode("latin-1"), error.end


codecs.register_error(_ERRORS, _latin1_for_undefined)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class EncodingProbe:
    """Decides an export's encoding from its bytes, fed in order with ``feed``."""

    def __init__(self) -> None:
        self._head = b""
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._valid_utf8 = True
        self._bad_offset: int | None = None
        self._seen = 0

    def feed(self, chunk: bytes) -> None:
        """Account for the next *chunk* of the payload."""
        if len(self._head) < 64:
            self._head += chunk[: 64 - len(self._head)]
        if self._valid_utf8:
            try:
                self._utf8.decode(chunk)
            except UnicodeDecodeError as error:
                self._valid_utf8 = False
                self._bad_offset = self._seen + error.start
        self._seen += len(chunk)

    def result(self) -> tuple[str, str | None]:
        """The encoding to read with, and a warning when it had to be guessed."""
        for bom, encoding in _BOMS:
            if self._head.startswith(bom):
                return encoding, None
        utf16 = _utf16_without_bom(self._head)
        if utf16 is not None:
            return utf16, None
        if self._valid_utf8:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self._valid_utf8, self._bad_offset = False, self._seen
        if self._valid_utf8:
            return "utf-8", None
        return FALLBACK_ENCODING, (
            f"not valid UTF-8 (first bad byte at offset {self._bad_offset}); read as "
            "Windows-1252. Export as 'CSV UTF-8' to silence this warning"
        )


def _utf16_without_bom(head: bytes) -> str | None:
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) == len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) == len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def open_text(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    """Wrap *stream* for line-by-line decoding with *encoding* (newlines kept for ``csv``)."""
    errors = _ERRORS if encoding == FALLBACK_ENCODING else "strict"
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")
