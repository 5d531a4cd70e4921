"""Secrets never shown: every registered credential is masked wherever it appears.

Two guards keep credentials out of every log line, error and stored text: keys that name a
credential are masked, and any value registered with ``register_secret`` is replaced wherever
it appears, even inside an exception's text.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["REDACTED", "redact", "register_secret"]

REDACTED = "[redacted]"
_SENSITIVE_KEYS = ("authorization", "token", "password", "secret", "api_key", "apikey", "cookie")
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask *value* wherever it would appear in a log line from now on (ignores short values)."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact(value: Any) -> Any:
    """Return *value* with every registered secret masked, walking dicts, lists and tuples."""
    if isinstance(value, str):
        for secret in _secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(item) for item in value)
    return value


def _redact_item(key: Any, value: Any) -> Any:
    if isinstance(key, str) and any(word in key.lower() for word in _SENSITIVE_KEYS):
        return REDACTED
    return redact(value)
