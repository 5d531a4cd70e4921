"""Hostile values in served issues: what a misbehaving Jira, or a hostile user, could send.

``JiraEmulator.tamper(issue_id, {"fields.summary": "a\\x00b", "key": "SHOP-1\\ud800"})``
makes every later answer carry those values at those dotted paths of the issue's payload (a
path that does not exist is created), whatever the issue's record says. Searches still select
and order issues by their records, as Jira does by its index.

A ``JsonLiteral`` is written into the answer as its text, verbatim: the way to serve numbers no
Python value renders as such (``1e999999``, ``-2.5E+400``) and the non-standard ``NaN``. Other
values are rendered as Python's ``json`` module renders them (``float("inf")`` as
``Infinity``, a lone surrogate as ``"\\ud800"``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["JsonLiteral", "Tampering", "encode_body"]

_MARK: Final = "@@syncd-json-literal@@"
_LITERAL: Final = re.compile(f'"{_MARK}(.*?){_MARK}"')


@dataclass(frozen=True, slots=True)
class JsonLiteral:
    """JSON text written verbatim where a value goes, e.g. ``JsonLiteral("1e999999")``."""

    text: str

    def __post_init__(self) -> None:
        if '"' in self.text or _MARK in self.text:
            raise ValueError("a JSON literal here is a number or constant, without quotes")


class Tampering:
    """The values each tampered issue serves in place of its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_issue: dict[int, dict[str, Any]] = {}

    def set(self, issue_id: int, values: Mapping[str, Any]) -> None:
        """Serve *values* (dotted path to value) in issue *issue_id* from now on."""
        with self._lock:
            self._by_issue.setdefault(issue_id, {}).update(values)

    def apply(self, issue_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        """*payload* with the issue's tampered values in place (a copy where changed: the
        renderer shares its memoised objects between issues)."""
        with self._lock:
            values = dict(self._by_issue.get(issue_id, {}))
        for path, value in values.items():
            payload = _replaced(payload, path.split("."), value)
        return payload


def _replaced(container: dict[str, Any], parts: list[str], value: Any) -> dict[str, Any]:
    head, rest = parts[0], parts[1:]
    copy = dict(container)
    if rest:
        inner = copy.get(head)
        copy[head] = _replaced(inner if isinstance(inner, dict) else {}, rest, value)
    else:
        copy[head] = value
    return copy


def encode_body(body: Any) -> bytes:
    """*body* as compact JSON bytes, ``JsonLiteral`` values written verbatim."""
    text = json.dumps(body, separators=(",", ":"), default=_placeholder)
    if _MARK in text:
        text = _LITERAL.sub(lambda found: found.group(1), text)
    return text.encode("utf-8")


def _placeholder(value: Any) -> str:
    if isinstance(value, JsonLiteral):
        return f"{_MARK}{value.text}{_MARK}"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
