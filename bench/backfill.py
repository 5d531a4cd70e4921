"""``python -m bench.backfill``: what ``syncd backfill`` costs for a large organisation.

The emulator serves an organisation of ``--issues`` issues (histories included); syncd syncs
it once into a SQLite store; then ``syncd backfill`` runs as a user runs it (a whole
command, ``bench.whole``), for every count of daily steps in ``--days`` ending at the
default ``--to``, and for every count of processes in ``--jobs``. For each run: wall time,
CPU time of all its processes, the peak RSS of its largest process (the parts of a run in
several processes each hold about as much) and the file's size. When ``--target`` is not
among the counts, two or more counts give the time per step and, by a straight line through
the runs, the figures of a ``--target`` days backfill (marked as extrapolated). Prints a
Markdown table::

    python -m bench.backfill --issues 200000 --days 30,365 --jobs 1,2

``--workdir DIR`` keeps the synced store and its configuration in *DIR* and reuses them when
*DIR* already holds a store of ``--issues`` issues, so that versions of syncd can be compared
on one store.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.emulator import EmulatorProcess
from bench.plan import CLOUD_PAGE
from bench.runner import contender, write_config
from bench.stores import bench_store
from bench.whole import whole_command

__all__ = ["main"]

_SYNCD = Path(sys.executable).parent / "syncd"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill", description=__doc__)
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--days", default="30,365", help="counts of daily steps to measure")
    parser.add_argument("--jobs", default="1,2", help="counts of processes to measure")
    parser.add_argument("--target", type=int, default=365, help="days to extrapolate to")
    parser.add_argument(
        "--history-quarters",
        type=int,
        default=1,
        help="quarters of history before the organisation's OKR period (default 1: issues "
        "from about eight months back; 3: about fourteen, every day of a year busy)",
    )
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the synced store here")
    return parser.parse_args(argv)


def _run(config: Path, days: int, jobs: int, workdir: Path) -> dict[str, Any]:
    last = (datetime.now(UTC) - timedelta(hours=3)).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    output = workdir / f"history-{days}d.om"
    command = [str(_SYNCD), "--log-level=warning", "backfill", f"--config={config}",
               f"--from={first}", f"--output={output}", f"--jobs={jobs}"]  # fmt: skip
    found = whole_command(command, workdir)
    found["megabytes"] = output.stat().st_size / 1e6
    output.unlink()
    return found


def main(argv: list[str] | None = None) -> int:
    """Build the store (or reuse it), measure each backfill and print the table."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    counts = sorted(int(text) for text in args.days.split(","))
    jobs = sorted(int(text) for text in args.jobs.split(","))
    with tempfile.TemporaryDirectory(prefix="syncd-bench-backfill-") as folder:
        workdir = args.workdir or Path(folder)
        workdir.mkdir(parents=True, exist_ok=True)
        config = _synced(workdir, args.issues, args.history_quarters)
        runs = {(days, job): _run(config, days, job, workdir) for job in jobs for days in counts}
    print(_table(args, counts, jobs, runs))
    return 0


def _synced(workdir: Path, issues: int, history_quarters: int) -> Path:
    """The configuration of a SQLite store in *workdir* holding the emulated organisation of
    *issues* issues: synced now unless an earlier run left it there."""
    store = bench_store(workdir, None)
    config = workdir / "synced.json"
    shape = {"issues": issues, "history_quarters": history_quarters}
    if config.exists() and json.loads(config.read_text(encoding="utf-8")) == shape:
        return workdir / "syncd.yaml"
    store.reset()
    with EmulatorProcess("cloud", issues, history_quarters=history_quarters) as emulator:
        written = write_config(workdir, emulator.url, store.url, page_size=CLOUD_PAGE)
        synced = contender("syncd", {"config": str(written), "full": True})
    print(f"bench.backfill: synced {issues} issues in {synced['seconds']:.0f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    config.write_text(json.dumps(shape), encoding="utf-8")
    return written


def _table(
    args: argparse.Namespace,
    counts: list[int],
    jobs: list[int],
    runs: dict[tuple[int, int], dict[str, Any]],
) -> str:
    lines = [
        f"`python -m bench.backfill --issues {args.issues} --days {args.days} "
        f"--jobs {args.jobs} --target {args.target} --history-quarters {args.history_quarters}`",
        "",
        "| issues | days | jobs | | seconds | CPU seconds | s per step | peak RSS MB, "
        "largest process | file MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for job in jobs:
        for days in counts:
            run = runs[days, job]
            lines.append(
                f"| {args.issues:,} | {days} | {job} | measured | {run['seconds']:.1f} | "
                f"{run['cpu_seconds']:.1f} | {run['seconds'] / days:.2f} | "
                f"{run['peak_rss_mb']:.0f} | {run['megabytes']:.1f} |"
            )
        if len(counts) >= 2 and args.target not in counts:
            lines.append(_extrapolated(args, job, {days: runs[days, job] for days in counts}))
    return "\n".join(lines)


def _extrapolated(args: argparse.Namespace, job: int, runs: dict[int, dict[str, Any]]) -> str:
    (few, low), (many, high) = min(runs.items()), max(runs.items())
    per_step = (high["seconds"] - low["seconds"]) / (many - few)
    fixed = low["seconds"] - per_step * few
    per_mb = (high["megabytes"] - low["megabytes"]) / (many - few)
    seconds = fixed + per_step * args.target
    megabytes = low["megabytes"] + per_mb * (args.target - few)
    return (
        f"| {args.issues:,} | {args.target} | {job} | extrapolated | {seconds:.0f} | | "
        f"{per_step:.2f} | {high['peak_rss_mb']:.0f} (at {few} days: {low['peak_rss_mb']:.0f}) "
        f"| {megabytes:.0f} |"
    )


if __name__ == "__main__":
    sys.exit(main())
