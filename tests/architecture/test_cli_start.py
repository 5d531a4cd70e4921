"""The command line's parser loads the core and no more: ``syncd --help`` and a mistyped
command answer at once, and a command loads only what it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
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


def _loaded_by(argv: list[str], env: dict[str, str] | None = None) -> list[str]:
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
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    )
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["report", "--help"],
        ["backfill", "--help"],
        ["sync", "--help"],
        ["nonsense"],
    ],
    ids=" ".join,
)
def test_parsing_arguments_loads_no_part_of_the_application(argv: list[str]) -> None:
    assert _loaded_by(argv) == []


def test_a_command_loads_what_it_runs() -> None:
    """The check itself can fail: a command that runs loads the configuration layer."""
    loaded = _loaded_by(["check-config", "--config", str(ROOT / "docs/examples/syncd.yaml")])
    assert "syncd.service.config" in loaded


def test_the_version_is_the_installed_distributions() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "syncd", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (shown.returncode, shown.stdout) == (0, f"syncd {version('syncd')}\n")


def test_a_command_that_reads_the_store_loads_no_client_and_no_migrations(
    tmp_path: Path,
) -> None:
    """``syncd status`` reads the configuration, the store and the mapping files: the Jira and
    roadmap clients (``requests``) and alembic (needed only to migrate) stay unloaded."""
    store = f"sqlite:///{tmp_path / 'syncd.db'}"
    env = {**os.environ, "SYNCD_STORE_URL": store, "SYNCD_JIRA_TOKEN": "not-used"}
    config = str(ROOT / "docs/examples/syncd.yaml")
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "syncd", "db", "upgrade", "--config", config],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    )
    loaded = _loaded_by(["status", "--config", config], env)
    assert "syncd.store" in loaded
    unwanted = ("requests", "alembic", "connectors.jira.client", "connectors.roadmap.fetch")
    assert [m for m in loaded if m.startswith(unwanted)] == []
