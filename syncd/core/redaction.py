"""Secrets never shown: every registered credential is masked, in every form it can take.

Two guards keep credentials out of every log line, error and stored text: keys that name a
credential are masked, and every value registered with ``register_secret`` is masked wherever
any recoverable part of it appears, even inside an exception's text.

A server or proxy that echoes a credential back rarely echoes it verbatim: it shows the Basic
header's ``base64(user:token)``, percent-encodes it, JSON-escapes it, wraps it over lines, or
cuts it at a length limit. ``SecretMask`` therefore looks at the text as it is and as decoded
(``syncd.core.secret_views``), and masks every run in which each window of ``WINDOW``
characters is also a window of one of a secret's *signatures*: the secret itself, and its
base64 encoding at each of the three byte alignments (so the token inside ``base64(user:token)``
is found whatever precedes it). Any piece of ``WINDOW`` characters is enough to be masked, so
a value cut short or split into parts is masked too; a shorter remnant cannot be told from
ordinary text, and holds too little of the secret to use. A secret registered with its user
also masks the whole ``base64(user:token)`` of a Basic header.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from syncd.core.secret_views import decoded_view, plain_view

__all__ = ["REDACTED", "WINDOW", "Secret", "SecretMask", "redact", "register_secret"]

REDACTED: Final = "[redacted]"
WINDOW: Final = 6
"""Characters of a secret (or of its base64) that are masked wherever they appear."""
_SHORTEST: Final = 4
_SENSITIVE_KEYS = ("authorization", "token", "password", "secret", "api_key", "apikey", "cookie")


@dataclass(frozen=True, slots=True)
class Secret:
    """A credential to mask: its *value*, and the *user* it travels with in a Basic header."""

    value: str
    user: str | None = None


class SecretMask:
    """Masks every recoverable form of a set of secrets in a text (see the module docstring).

    Immutable: ``adding`` returns a new mask. Secrets shorter than four characters are
    ignored (they would mask ordinary words).
    """

    def __init__(self, secrets: Iterable[Secret | str] = (), marker: str = REDACTED) -> None:
        self.marker = marker
        self._secrets = tuple(
            secret if isinstance(secret, Secret) else Secret(secret)
            for secret in secrets
            if (secret.value if isinstance(secret, Secret) else secret)
        )
        windows: dict[int, set[str]] = {}
        for signature in _signatures(self._secrets):
            width = min(WINDOW, len(signature))
            grams = windows.setdefault(width, set())
            grams.update(signature[i : i + width] for i in range(len(signature) - width + 1))
        self._windows = {width: frozenset(grams) for width, grams in windows.items()}

    def __bool__(self) -> bool:
        return bool(self._windows)

    def adding(self, secret: Secret | str) -> SecretMask:
        """This mask with one more secret."""
        return SecretMask((*self._secrets, secret), self.marker)

    def mask(self, text: str) -> str:
        """*text* with every run that reveals part of a secret replaced by the marker."""
        if not self._windows or len(text) < min(self._windows):
            return text
        spans: list[tuple[int, int]] = []
        for view in (plain_view(text), decoded_view(text)):
            if view is None:
                continue
            chars, starts, ends = view
            for first, last in self._covered(chars):
                spans.append((starts[first], ends[last]))
        return _replace(text, spans, self.marker) if spans else text

    def _covered(self, chars: str) -> list[tuple[int, int]]:
        """Runs (first, last index, inclusive) of *chars* made of windows of a signature."""
        marked = bytearray(len(chars))
        for width, grams in self._windows.items():
            for start in range(len(chars) - width + 1):
                if chars[start : start + width] in grams:
                    marked[start : start + width] = b"\x01" * width
        runs: list[tuple[int, int]] = []
        index = marked.find(1)
        while index != -1:
            end = marked.find(0, index)
            end = len(marked) if end == -1 else end
            runs.append((index, end - 1))
            index = marked.find(1, end)
        return runs


def _signatures(secrets: Iterable[Secret]) -> Iterable[str]:
    for secret in secrets:
        if len(secret.value) < _SHORTEST:
            continue
        yield secret.value
        yield from _base64_forms(secret.value.encode())
        if secret.user is not None:
            yield from _base64_forms(f"{secret.user}:{secret.value}".encode())


def _base64_forms(data: bytes) -> Iterable[str]:
    """The base64 characters fully determined by *data* at each alignment, both alphabets."""
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        first = -(-8 * offset // 6)
        last = 8 * (offset + len(data)) // 6
        part = encoded[first:last]
        if len(part) >= _SHORTEST:
            yield part
            yield part.replace("+", "-").replace("/", "_")


def _replace(text: str, spans: list[tuple[int, int]], marker: str) -> str:
    """*text* with the merged *spans* (end exclusive) replaced; spans that only whitespace
    separates become one, so a value split over lines leaves a single marker."""
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[str] = []
    done = 0
    for start, end in merged:
        pieces += [text[done:start], marker]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


class _Registry:
    """The process's registered secrets; a new mask replaces the old one whole."""

    mask = SecretMask()
    lock = threading.Lock()


def register_secret(value: str | None, user: str | None = None) -> None:
    """Mask *value* (and, with *user*, its Basic header) wherever it would appear from now on.

    Values shorter than four characters are ignored.
    """
    if value and len(value) >= _SHORTEST:
        with _Registry.lock:
            _Registry.mask = _Registry.mask.adding(Secret(value, user))


def redact(value: Any) -> Any:
    """Return *value* with every registered secret masked, walking dicts, lists and tuples."""
    if isinstance(value, str):
        return _Registry.mask.mask(value)
    if isinstance(value, dict):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(item) for item in value)
    return value


def _redact_item(key: Any, value: Any) -> Any:
    if isinstance(key, str) and any(word in key.lower() for word in _SENSITIVE_KEYS):
        return REDACTED
    return redact(value)
