"""Commands about decisions and drift: explain, rules check/diff, report."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add this module's commands to the ``syncd`` parser."""
