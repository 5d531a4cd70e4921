"""Values a database can hold: text without NUL or lone surrogates, JSON numbers that read back.

Text. PostgreSQL refuses NUL (``\\x00``) in text and cannot read ``\\u0000`` out of JSON;
neither PostgreSQL's UTF-8 nor SQLite's encoder accepts a lone surrogate (``\\ud800``, which is
what a JSON ``"\\ud800"`` escape decodes to). ``storable_text`` replaces each by U+FFFD, the
Unicode replacement character, and the record is kept: a stray control character in a summary
is no reason to lose the issue, and U+FFFD shows where something was. The store applies it to
every text and JSON value it writes (``syncd.store.types``, ``syncd.store.engine.json_text``),
on both backends, so no path can forget it.

Numbers. A JSON number the store's JSON columns cannot give back has no replacement that
keeps its meaning: NaN, ±Infinity (what an overflowing literal such as ``1e999999`` decodes
to) and integers outside 64 bits (orjson, which reads the columns, handles ``-2**63`` to
``2**64 - 1`` only). ``unstorable_number`` finds the first one with its place, so that a
connector quarantines the record with that reason; the store refuses any that still reaches
it (``UnstorableValue``) rather than write JSON it could not read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "INTEGER_RANGE",
    "REPLACEMENT",
    "UnstorableValue",
    "storable_json",
    "storable_text",
    "unstorable_number",
]

REPLACEMENT: Final = "\ufffd"
INTEGER_RANGE: Final = (-(2**63), 2**64 - 1)
"""The integers orjson writes and reads exactly: signed and unsigned 64 bits."""
_SURROGATES: Final = re.compile("[\ud800-\udfff]")
_LOG10_2: Final = math.log10(2)


class UnstorableValue(ValueError):
    """A value no JSON column can hold (the message names its place); never written."""


def storable_text(text: str) -> str:
    """*text* with every NUL and every lone surrogate replaced by U+FFFD (else unchanged)."""
    if "\x00" in text:
        text = text.replace("\x00", REPLACEMENT)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub(REPLACEMENT, text)
    return text


def storable_json(value: Any, where: str = "") -> Any:
    """A copy of the JSON-like *value* whose strings and keys are ``storable_text``.

    Non-finite floats become ``None``, as orjson writes them; an integer outside
    ``INTEGER_RANGE`` raises ``UnstorableValue`` naming its place under *where*.
    """
    if isinstance(value, Mapping):
        return {
            storable_text(key) if isinstance(key, str) else key: storable_json(
                item, _child(where, key)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [storable_json(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return _storable_scalar(value, where)


def _storable_scalar(value: Any, where: str) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        problem = _integer_problem(value)
        if problem is not None:
            raise UnstorableValue(f"{where or 'the value'}: {problem}")
    return value


def unstorable_number(value: Any, where: str = "") -> str | None:
    """``"place: problem"`` for the first number in *value* a JSON column cannot give back
    (NaN, ±Infinity, an integer beyond 64 bits), or ``None`` when there is none.

    Places are dotted key paths with ``[index]`` for list positions, under *where*. The walk
    keeps its own stack, so a document nested as deep as a JSON parser allows is no problem.
    """
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        place, item = stack.pop()
        problem = _number_problem(item)
        if problem is not None:
            return f"{place or 'the value'}: {problem}"
        if isinstance(item, Mapping):
            children = [(_child(place, key), child) for key, child in item.items()]
        elif isinstance(item, list | tuple):
            children = [(f"{place}[{index}]", child) for index, child in enumerate(item)]
        else:
            continue
        stack.extend(reversed(children))  # depth first, in document order
    return None


def _number_problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _integer_problem(value)
    if isinstance(value, float) and not math.isfinite(value):
        kind = "NaN" if math.isnan(value) else "infinite"
        return (
            f"the number is {kind} (a NaN or Infinity literal, or one beyond the double "
            "range such as 1e999999): the store cannot keep it as JSON"
        )
    return None


def _integer_problem(value: int) -> str | None:
    low, high = INTEGER_RANGE
    if low <= value <= high:
        return None
    # Never str() the integer: past 4300 digits Python refuses to convert it.
    digits = int(value.bit_length() * _LOG10_2) + 1
    sign = "-" if value < 0 else ""
    return (
        f"the integer ({sign}about {digits} digits) is beyond 64 bits: the store cannot keep "
        "it as JSON"
    )


def _child(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)
