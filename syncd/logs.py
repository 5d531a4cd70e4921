"""Logging, configured once: JSON off a terminal, a readable console on one, secrets never shown.

Every event is a short snake_case name with key/values. ``run_id`` and ``source`` are bound
through contextvars by the sync engine. Two guards keep credentials out of every line,
traceback included: keys that name a credential are masked, and any value registered with
``register_secret`` is replaced wherever it appears, even inside an exception's text.
Tracebacks never render local variables (a token could be one).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable
from typing import Any, TextIO

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = ["REDACTED", "configure_logging", "redact", "register_secret"]

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


def _redact_event(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    return {key: _redact_item(key, value) for key, value in event_dict.items()}


def configure_logging(
    level: str = "info", *, json: bool | None = None, stream: TextIO | None = None
) -> None:
    """Configure structlog and the standard library's logging to write through one pipeline.

    ``json=None`` chooses JSON when *stream* (default stderr) is not a terminal.
    """
    stream = stream or sys.stderr
    as_json = not stream.isatty() if json is None else json
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    exceptions: Processor
    renderer: Processor
    if as_json:
        exceptions = structlog.processors.ExceptionRenderer(
            ExceptionDictTransformer(show_locals=False)
        )
        renderer = structlog.processors.JSONRenderer()
    else:
        exceptions = structlog.processors.format_exc_info
        renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty())
    tail: list[Processor] = [exceptions, _redact_event]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tail, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    _quiet(("urllib3", "requests", "jira", "sqlalchemy", "alembic", "tenacity"))


def _quiet(names: Iterable[str]) -> None:
    # Client libraries log request details at DEBUG/INFO; syncd logs what matters itself.
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)
