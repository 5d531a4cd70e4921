"""Options shared by several commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from syncd.core.errors import ConfigError, Problem

if TYPE_CHECKING:
    from syncd.service.config import Config

__all__ = ["add_config_option", "add_wait_option", "config_from", "say_waiting"]


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--config FILE`` (default: the ``SYNCD_CONFIG`` environment variable)."""
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the YAML configuration (default: $SYNCD_CONFIG)",
    )


def add_wait_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--wait``: for a command that writes, wait for the writer lock instead of exiting."""
    parser.add_argument(
        "--wait",
        action="store_true",
        help="when another syncd holds the store's writer lock, wait for it instead of "
        "exiting with code 75",
    )


def say_waiting(holder: str) -> None:
    """Tell the person running a command who it is waiting for."""
    print(f"syncd: waiting for the writer lock, held by {holder}", file=sys.stderr, flush=True)


def config_from(args: argparse.Namespace) -> Config:
    """Load the configuration named by ``--config`` or ``SYNCD_CONFIG``; ``ConfigError`` if
    none, or listing every problem of the file and of the mapping files it names. Its
    ``log_level`` applies from here on, unless ``--log-level`` was given."""
    from syncd.service.logs import configure_logging
    from syncd.service.wiring import checked_config

    path = args.config or (
        Path(os.environ["SYNCD_CONFIG"]) if os.environ.get("SYNCD_CONFIG") else None
    )
    if path is None:
        problem = Problem("<none>", "", "no configuration: pass --config FILE or set SYNCD_CONFIG")
        raise ConfigError("the configuration is missing", [problem])
    config = checked_config(path)
    if getattr(args, "log_level", None) is None:
        configure_logging(config.log_level)
    return config
