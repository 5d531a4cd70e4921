"""The one tree of errors syncd raises on purpose.

::

    SyncdError
    ├── ConfigError            fatal at start: exit code 2, every problem listed with its place
    ├── StoreError             the store is unreachable or at the wrong schema version
    │   ├── StoreSchemaError       its tables are not what syncd expects: exit code 2
    │   └── StoreBusyError         another process holds the writer lock: exit code 75
    ├── ServeError             the endpoints cannot listen (port in use): exit code 2
    ├── SourceError            a source run failed
    │   ├── TransientSourceError   429, 5xx, timeouts: retried, then the run fails
    │   └── PermanentSourceError   other 4xx, protocol violations: the run fails at once
    ├── RecordError            one bad record: counted, quarantined, skipped, never dropped silently
    └── RuleSetError           a rule, OKR or agreement file is invalid: every problem listed

The daemon catches ``SourceError`` per source run, records the failure, counts it and goes on
with the next interval. Messages never contain secrets: callers pass ``Problem`` places and
descriptions, never tokens or header values.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "PermanentSourceError",
    "Problem",
    "RecordError",
    "RuleSetError",
    "ServeError",
    "SourceError",
    "StoreBusyError",
    "StoreError",
    "StoreSchemaError",
    "SyncdError",
    "TransientSourceError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file: where (file, key path, line) and what."""

    file: str
    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        line = f":{self.line}" if self.line is not None else ""
        where = f" {self.where}:" if self.where else ""
        return f"{self.file}{line}:{where} {self.message}"


class SyncdError(Exception):
    """Base of every error syncd raises deliberately."""


class _ProblemsError(SyncdError):
    """An error that carries every problem found, so that one run reports all of them."""

    def __init__(self, summary: str, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{summary}\n{lines}" if lines else summary)


class ConfigError(_ProblemsError):
    """The configuration is invalid; the process exits with code 2."""


class RuleSetError(_ProblemsError):
    """A rule set, OKR or agreement file is invalid; nothing from it is applied."""


class StoreError(SyncdError):
    """The store cannot be used: unreachable, or its schema is not at the expected revision."""


class StoreSchemaError(StoreError):
    """The store's tables are not what this syncd expects: a table or column is missing, or
    the version table holds more than one revision. Retrying cannot help (exit code 2): the
    message says to run ``syncd db upgrade`` or to restore the store."""


class StoreBusyError(StoreError):
    """Another process (the service, or another command) holds the writer lock, so a command
    that writes did not start. The message names the holder; retrying later can help (exit
    code 75, ``EX_TEMPFAIL``)."""


class ServeError(SyncdError):
    """The endpoints cannot listen where configured (the port is in use, the address is not
    this host's); the message names the address and the option that sets it (exit code 2)."""


class SourceError(SyncdError):
    """A source run failed; what was committed before the failure stays consistent."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"{source}: {message}")


class TransientSourceError(SourceError):
    """A failure worth retrying: rate limited, server error, timeout, connection reset."""

    def __init__(self, source: str, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(source, message)


class PermanentSourceError(SourceError):
    """A failure retrying cannot fix: bad credentials, forbidden, bad JQL, broken paging."""


class RecordError(SyncdError):
    """One record cannot be parsed; the caller quarantines it and goes on."""
