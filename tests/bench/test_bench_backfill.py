"""The backfill's benchmark runs ``syncd backfill`` whole, in one process and in several."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_each_count_of_days_and_processes_has_its_measured_row(tmp_path: Path) -> None:
    """A small organisation: every run wrote a document (a failing one would stop the bench)
    and its row holds wall and CPU seconds, peak RSS and the file's size; two counts of days
    give the year's extrapolated row for each count of processes."""
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "bench.backfill", "--issues", "300", "--days", "2,5",
         "--jobs", "1,2", "--workdir", str(tmp_path)],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith("| 300")]
    measured = [row for row in rows if row[3].strip() == "measured"]
    assert [(row[1].strip(), row[2].strip()) for row in measured] == [
        ("2", "1"), ("5", "1"), ("2", "2"), ("5", "2"),
    ]  # fmt: skip
    for row in measured:
        wall, cpu, _, rss, megabytes = (float(cell) for cell in row[4:])
        assert wall > 0
        assert cpu > 0
        assert rss > 5
        assert megabytes > 0
    assert [row[2].strip() for row in rows if row[3].strip() == "extrapolated"] == ["1", "2"]
    assert (tmp_path / "synced.json").exists(), "the synced store is kept for the next run"
