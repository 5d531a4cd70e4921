"""The reliability suite: reuse the integration helpers, and print the figures it measured.

``SYNCD_LONG_TESTS=1`` runs the long variant. ``SYNCD_RELIABILITY_FIGURES=path.json`` also
writes the figures to a file (docs/reliability.md quotes them).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from reliability_support import LONG, TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures counted by this run (trials, faults, inputs, losses)."""
    if not TALLY:
        return
    variant = "long" if LONG else "short"
    terminalreporter.section(f"reliability figures ({variant} variant)")
    for name in sorted(TALLY):
        terminalreporter.write_line(f"{name}: {TALLY[name]}")
    target = os.environ.get("SYNCD_RELIABILITY_FIGURES")
    if target:
        Path(target).write_text(
            json.dumps({"variant": variant, **dict(sorted(TALLY.items()))}, indent=2) + "\n",
            encoding="utf-8",
        )
