"""The ``syncd`` command: the composition root, the one place that wires concrete parts.

Exit codes: 0 success; 1 a run failed (a source, the store); 2 invalid configuration, rule
files or usage (every problem listed), a store whose schema is not what syncd expects, or
endpoints that cannot listen (the port is in use: the message names it and its option);
75 a command that writes did not start because another process (the service, another
command) holds the store's writer lock, named in the message (``--wait`` waits instead);
130 interrupted; 141 the reader of the output went away (``syncd report | head``), quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from syncd.core.errors import (
    ConfigError,
    RuleSetError,
    ServeError,
    StoreBusyError,
    StoreSchemaError,
    SyncdError,
)
from syncd.core.redaction import redact

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]
_EXIT_BUSY = 75  # sysexits' EX_TEMPFAIL: try again later
_EXIT_READER_GONE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``syncd`` command line; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    # Imported once a command runs: `syncd --help` loads the parser and no more.
    from syncd.service.allocator import cap_malloc_arenas
    from syncd.service.logs import configure_logging

    cap_malloc_arenas()  # before any thread starts

    # The configuration file's log_level applies once it is read (``config_from``), unless
    # --log-level was given.
    configure_logging(args.log_level or "info")
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except Exception as error:
        return _reported(error)


def _reader_gone() -> int:
    """The output's reader closed it (``| head``): stop quietly. What is left unwritten in the
    buffer goes to /dev/null, so flushing at exit cannot fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return _EXIT_READER_GONE


def _reported(error: Exception) -> int:
    """Print *error* for a person (one line; a list for files with problems), return the exit
    code. A driver's error or a bug gets one line too, its traceback only at debug level."""
    if isinstance(error, ConfigError | RuleSetError):
        print(redact(str(error)), file=sys.stderr)
        return 2
    if isinstance(error, SyncdError):
        print(f"syncd: {redact(str(error))}", file=sys.stderr)
        if isinstance(error, StoreBusyError):
            return _EXIT_BUSY
        return 2 if isinstance(error, StoreSchemaError | ServeError) else 1
    import structlog

    structlog.get_logger("syncd.cli").debug("unexpected_error", exc_info=error)
    first = (str(error).strip().splitlines() or [""])[0]
    print(
        f"syncd: unexpected {type(error).__name__}: {redact(first)} "
        "(run with --log-level debug for the traceback)",
        file=sys.stderr,
    )
    return 1


class _VersionAction(argparse.Action):
    """``--version``: print the installed version and exit; it is read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import syncd

        print(f"syncd {syncd.__version__}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    from syncd.cli import backfill, demo, mapping, service

    parser = argparse.ArgumentParser(
        prog="syncd",
        description="Is the work we do the work we agreed to do? Syncs Jira and roadmaps, "
        "classifies work against OKRs, and serves the drift as metrics.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument(
        "--log-level",
        default=None,
        choices=["debug", "info", "warning", "error"],
        help="overrides log_level in the configuration file (default there: info)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    service.register(commands)
    mapping.register(commands)
    demo.register(commands)
    backfill.register(commands)
    return parser
