"""The ``syncd`` command: the composition root, the one place that wires concrete parts.

Exit codes: 0 success; 1 a run failed (a source, the store); 2 invalid configuration, rule
files or usage (every problem listed); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from syncd import __version__
from syncd.core.errors import ConfigError, RuleSetError, StoreError, SyncdError
from syncd.core.redaction import redact
from syncd.service.logs import configure_logging

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``syncd`` command line; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (ConfigError, RuleSetError) as error:
        print(redact(str(error)), file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"syncd: {redact(str(error))}", file=sys.stderr)
        return 1
    except SyncdError as error:
        print(f"syncd: {redact(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    from syncd.cli import demo, mapping, service

    parser = argparse.ArgumentParser(
        prog="syncd",
        description="Is the work we do the work we agreed to do? Syncs Jira and roadmaps, "
        "classifies work against OKRs, and serves the drift as metrics.",
    )
    parser.add_argument("--version", action="version", version=f"syncd {__version__}")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    service.register(commands)
    mapping.register(commands)
    demo.register(commands)
    return parser
