"""Options shared by several commands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from syncd.core.errors import ConfigError, Problem
from syncd.service.config import Config, load_config

__all__ = ["add_config_option", "config_from"]


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--config FILE`` (default: the ``SYNCD_CONFIG`` environment variable)."""
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the YAML configuration (default: $SYNCD_CONFIG)",
    )


def config_from(args: argparse.Namespace) -> Config:
    """Load the configuration named by ``--config`` or ``SYNCD_CONFIG``; ``ConfigError`` if none."""
    path = args.config or (
        Path(os.environ["SYNCD_CONFIG"]) if os.environ.get("SYNCD_CONFIG") else None
    )
    if path is None:
        problem = Problem("<none>", "", "no configuration: pass --config FILE or set SYNCD_CONFIG")
        raise ConfigError("the configuration is missing", [problem])
    return load_config(path)
