"""The consoles the CLI prints tables and progress on: data is always printed as text.

Roadmap ids, Jira error messages, quarantine reasons and team names are data, and data can
hold anything, ``[/bold]`` or ``:thumbs_up:`` included. Rich would read those as markup or
emoji codes, garbling the text or raising ``MarkupError`` mid-table, so every console made
here has both off. Nothing the CLI prints relies on markup.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

__all__ = ["text_console"]


def text_console(**options: Any) -> Console:
    """A rich ``Console`` built with *options* that never interprets markup or emoji codes:
    every string it prints, table cells and titles included, comes out as the same text."""
    return Console(markup=False, emoji=False, **options)
