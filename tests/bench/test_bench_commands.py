"""The terminal commands' benchmark runs each command whole on a filled store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_every_command_is_timed_whole_against_the_start_up_floor(tmp_path: Path) -> None:
    """A small store: each command ran (a failing one would stop the bench) and has its row,
    ``--help`` being the floor the others are set against."""
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "bench.commands", "--issues", "300", "--repeats", "1",
         "--sqlite", str(tmp_path / "bench.db")],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    rows = [line for line in done.stdout.splitlines() if line.startswith("| `syncd")]
    assert [row.split("`")[1].split()[1] for row in rows] == [
        "--help", "status", "report", "explain", "rules",
    ]  # fmt: skip
    assert rows[0].endswith("| 1.0 |")
    for row in rows:
        wall, cpu, rss = (float(cell) for cell in row.split("|")[2:5])
        assert wall > 0
        assert cpu > 0
        assert rss > 5  # a Python process, at least
