"""Views of a text in which an echoed secret reads as itself, for ``syncd.core.redaction``.

A view is the text's characters after a transformation, each mapped back to the span of the
original text it came from, so that what is found in the view can be masked in the original.
``plain_view`` only drops whitespace (a value wrapped over lines, or split by spaces);
``decoded_view`` first undoes the encodings servers apply to what they echo, repeatedly (a
value encoded twice): percent-encoding (UTF-8 sequences included), backslash escapes
(``\\/``, ``\\uXXXX``, ``\\xXX``, ``\\n``...) and numeric HTML character references.
"""

from __future__ import annotations

import codecs
import re
from typing import Final

__all__ = ["View", "decoded_view", "plain_view"]

View = tuple[str, list[int], list[int]]
"""The view's characters, and for each one the start and end (exclusive) of its source."""

_Chars = list[tuple[str, int, int]]
_PASSES: Final = 3
_ENCODED: Final = re.compile(r"%[0-9A-Fa-f]{2}|\\|&#")
_SIMPLE_ESCAPES: Final = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "/": "/",
    "\\": "\\",
    '"': '"',
    "'": "'",
}
_HEX: Final = frozenset("0123456789abcdefABCDEF")


def plain_view(text: str) -> View:
    """*text* without its whitespace."""
    return _pack([(char, i, i + 1) for i, char in enumerate(text)])


def decoded_view(text: str) -> View | None:
    """*text* decoded (percent, backslash and HTML escapes) without whitespace; ``None`` when
    it holds no escape at all (the plain view is then the same)."""
    if _ENCODED.search(text) is None:
        return None
    chars: _Chars = [(char, i, i + 1) for i, char in enumerate(text)]
    for _ in range(_PASSES):
        decoded = _decode(chars)
        if len(decoded) == len(chars):
            break
        chars = decoded
    return _pack(chars)


def _pack(chars: _Chars) -> View:
    kept = [item for item in chars if not item[0].isspace()]
    return "".join(c for c, _, _ in kept), [s for _, s, _ in kept], [e for _, _, e in kept]


def _decode(chars: _Chars) -> _Chars:
    """One pass of every decoding over *chars*, spans composed."""
    out: _Chars = []
    i = 0
    while i < len(chars):
        step = _percent(chars, i, out) or _backslash(chars, i, out) or _reference(chars, i, out)
        if step:
            i += step
        else:
            out.append(chars[i])
            i += 1
    return out


def _text(chars: _Chars, start: int, length: int) -> str:
    return "".join(c for c, _, _ in chars[start : start + length])


def _hex_at(chars: _Chars, start: int, digits: int) -> int | None:
    found = _text(chars, start, digits)
    if len(found) == digits and all(c in _HEX for c in found):
        return int(found, 16)
    return None


def _percent(chars: _Chars, i: int, out: _Chars) -> int:
    """Decode a run of ``%XX`` as UTF-8 (a byte that is not UTF-8 reads as Latin-1)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    j = i
    pending = i
    while j < len(chars) and chars[j][0] == "%":
        value = _hex_at(chars, j + 1, 2)
        if value is None:
            break
        try:
            got = decoder.decode(bytes([value]))
        except UnicodeDecodeError:
            decoder.reset()
            got = chr(value)
        j += 3
        if got:
            out.extend((c, chars[pending][1], chars[j - 1][2]) for c in got)
            pending = j
    if pending < j:  # an unfinished UTF-8 sequence: keep its bytes as Latin-1
        out.extend(
            (chr(v), chars[k][1], chars[k + 2][2])
            for k in range(pending, j, 3)
            if (v := _hex_at(chars, k + 1, 2)) is not None
        )
    return j - i


def _backslash(chars: _Chars, i: int, out: _Chars) -> int:
    if chars[i][0] != "\\" or i + 1 >= len(chars):
        return 0
    kind = chars[i + 1][0]
    if kind in _SIMPLE_ESCAPES:
        out.append((_SIMPLE_ESCAPES[kind], chars[i][1], chars[i + 1][2]))
        return 2
    digits = {"u": 4, "x": 2}.get(kind)
    value = _hex_at(chars, i + 2, digits) if digits else None
    if digits is None or value is None:
        return 0
    out.append((chr(value), chars[i][1], chars[i + 1 + digits][2]))
    return 2 + digits


def _reference(chars: _Chars, i: int, out: _Chars) -> int:
    """A numeric HTML character reference: ``&#43;`` or ``&#x2B;``."""
    if _text(chars, i, 2) != "&#":
        return 0
    hexadecimal = _text(chars, i + 2, 1) in ("x", "X")
    j = i + 2 + hexadecimal
    digits = ""
    while j < len(chars) and len(digits) < 7 and chars[j][0].isalnum() and chars[j][0] != ";":
        digits += chars[j][0]
        j += 1
    if j >= len(chars) or chars[j][0] != ";" or not digits:
        return 0
    try:
        value = int(digits, 16 if hexadecimal else 10)
        char = chr(value)
    except (ValueError, OverflowError):
        return 0
    out.append((char, chars[i][1], chars[j][2]))
    return j + 1 - i
