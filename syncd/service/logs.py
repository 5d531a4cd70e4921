"""Logging, configured once: JSON off a terminal, a readable console on one, secrets never shown.

Every event is a short snake_case name with key/values. ``run_id`` and ``source`` are bound
through contextvars by the sync engine. Two guards keep credentials out of every line,
traceback included (``syncd.core.redaction``).
Tracebacks never render local variables (a token could be one).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

from syncd.core.redaction import redact

__all__ = ["configure_logging"]


def _redact_event(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    masked: EventDict = redact(event_dict)
    return masked


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
