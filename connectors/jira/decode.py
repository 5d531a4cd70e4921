"""Search pages from bytes: orjson first, the standard module for what orjson refuses.

orjson reads nearly every page, several times faster. It refuses a whole page for one value:
an escaped lone surrogate (``"\\ud800"``), ``NaN`` or ``Infinity``, a number beyond the double
range (``1e999999``, a 400-digit integer). Refusing the page would stop the source's sync for
good, since every retry and every later run reads the same issue again. Such a page is read by
the standard module instead, numbers as orjson reads them (an integer beyond 64 bits becomes
the nearest double, as Jira's own numbers are), and each issue in it that holds a number the
store cannot keep (see ``syncd.core.storable``: NaN, ±Infinity) comes back as a
``RefusedIssue``: still the issue's payload, so paging and censuses read it as before, but
marked with the reason for which ``connectors.jira.parse`` quarantines it. Lone surrogates stay
in the text: the store replaces them. Whichever module read a page, an issue is kept or
quarantined alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from syncd.core.storable import INTEGER_RANGE, unstorable_number

__all__ = ["RefusedIssue", "decode_page"]


class RefusedIssue(dict[str, Any]):
    """An issue payload that holds a number the store cannot keep; ``reason`` names where."""

    def __init__(self, payload: Mapping[str, Any], reason: str) -> None:
        super().__init__(payload)
        self.reason = reason


def decode_page(content: bytes) -> Any:
    """The JSON value of a search answer's *content* (``{}`` when empty).

    Raises the ``ValueError`` orjson raised when the standard module cannot read it either
    (a truncated body, for one).
    """
    if not content:
        return {}
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as strict:
        try:
            body = json.loads(content, parse_int=_integer)
        except (ValueError, RecursionError):
            raise strict from None
    issues = body.get("issues") if isinstance(body, dict) else None
    if isinstance(issues, list):
        body["issues"] = [_screened(issue) for issue in issues]
    return body


def _integer(text: str) -> int | float:
    """An integer literal as orjson reads it: exact within 64 bits, else the nearest double
    (infinite past the double range; never an ``int`` Python would refuse to build)."""
    if len(text) <= _LONGEST_INTEGER:
        value = int(text)
        low, high = INTEGER_RANGE
        if low <= value <= high:
            return value
    return float(text)


_LONGEST_INTEGER = len(str(INTEGER_RANGE[0]))


def _screened(issue: Any) -> Any:
    if not isinstance(issue, Mapping):
        return issue
    number = unstorable_number(issue)
    return issue if number is None else RefusedIssue(issue, number)
