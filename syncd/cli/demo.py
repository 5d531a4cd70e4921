"""``syncd demo``: the whole service on its embedded default, with no set-up."""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add this module's commands to the ``syncd`` parser."""
