"""The command line's parser loads the core and no more: ``syncd --help`` and a mistyped
command answer at once, and a command loads only what it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What parsing arguments must not load: the parts, the application, and their libraries.
HEAVY = (
    "connectors",
    "mappings",
    "syncd.analytics",
    "syncd.app.as_of",
    "syncd.app.backfill",
    "syncd.app.pipeline",
    "syncd.app.sync",
    "syncd.metrics",
    "syncd.service",
    "syncd.store",
    "syncd.web",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "requests",
    "rich",
    "structlog",
)


def _loaded_by(argv: list[str]) -> list[str]:
    """The heavy modules loaded once ``syncd ARGV`` has parsed its arguments and exited."""
    code = (
        "import json, sys\n"
        "from syncd.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        "    if any(m == h or m.startswith(h + '.') for h in heavy))))\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["report", "--help"], ["backfill", "--help"], ["sync", "--help"], ["nonsense"]],
    ids=" ".join,
)
def test_parsing_arguments_loads_no_part_of_the_application(argv: list[str]) -> None:
    assert _loaded_by(argv) == []


def test_a_command_loads_what_it_runs() -> None:
    """The check itself can fail: a command that runs loads the configuration layer."""
    loaded = _loaded_by(["check-config", "--config", str(ROOT / "docs/examples/syncd.yaml")])
    assert "syncd.service.config" in loaded
