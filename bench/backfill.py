"""``python -m bench.backfill``: what ``syncd backfill`` costs for a large organisation.

The emulator serves an organisation of ``--issues`` issues (histories included); syncd syncs
it once into a SQLite store; then ``syncd backfill`` runs, in a fresh interpreter each time,
for every count of daily steps in ``--days``, ending at the default ``--to``. For each run:
wall time, peak RSS of that process alone (``VmHWM``) and the file's size. Two or more counts
also give the time per step and, by a straight line through the runs, the figures of a
``--target`` days backfill (marked as extrapolated), and show whether memory grows with the
number of steps. Prints a Markdown table::

    python -m bench.backfill --issues 200000 --days 2,6 --target 365

``--workdir DIR`` keeps the synced store and its configuration in *DIR* and reuses them when
*DIR* already holds a store of ``--issues`` issues, so that versions of syncd can be compared
on one store.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.emulator import EmulatorProcess
from bench.plan import CLOUD_PAGE
from bench.runner import contender, write_config
from bench.stores import bench_store

__all__ = ["main"]


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill", description=__doc__)
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--days", default="2,6", help="counts of daily steps to measure")
    parser.add_argument("--target", type=int, default=365, help="days to extrapolate to")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the synced store here")
    parser.add_argument("--measure", nargs=3, metavar=("CONFIG", "FROM", "OUTPUT"))
    return parser.parse_args(argv)


def _measure_here(config: str, first: str, output: str) -> int:
    """Run ``syncd backfill`` in this process; print its seconds and peak RSS as JSON."""
    from syncd.cli import main as syncd

    began = time.perf_counter()
    code = syncd(["--log-level=warning", "backfill", f"--config={config}", f"--from={first}",
                  f"--output={output}"])  # fmt: skip
    seconds = time.perf_counter() - began
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak_kb / 1024}))
    return code


def _run(config: Path, days: int, workdir: Path) -> dict[str, float]:
    last = (datetime.now(UTC) - timedelta(hours=3)).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    output = workdir / f"history-{days}d.om"
    command = [sys.executable, "-m", "bench.backfill", "--measure", str(config), str(first),
               str(output)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"syncd backfill failed:\n{done.stderr[-4000:]}")
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    found["megabytes"] = output.stat().st_size / 1e6
    output.unlink()
    return found


def main(argv: list[str] | None = None) -> int:
    """Build the store, measure each backfill and print the table."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    if args.measure:
        return _measure_here(*args.measure)
    counts = sorted(int(text) for text in args.days.split(","))
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        config = _synced(args.workdir, args.issues)
        runs = {days: _run(config, days, args.workdir) for days in counts}
    else:
        with tempfile.TemporaryDirectory(prefix="syncd-bench-backfill-") as folder:
            config = _synced(Path(folder), args.issues)
            runs = {days: _run(config, days, Path(folder)) for days in counts}
    print(_table(args, runs))
    return 0


def _synced(workdir: Path, issues: int) -> Path:
    """The configuration of a SQLite store in *workdir* holding the emulated organisation of
    *issues* issues: synced now unless an earlier run left it there."""
    store = bench_store(workdir, None)
    config = workdir / "synced.json"
    if config.exists() and json.loads(config.read_text(encoding="utf-8")) == {"issues": issues}:
        return workdir / "syncd.yaml"
    store.reset()
    with EmulatorProcess("cloud", issues) as emulator:
        written = write_config(workdir, emulator.url, store.url, page_size=CLOUD_PAGE)
        synced = contender("syncd", {"config": str(written), "full": True})
    print(f"bench.backfill: synced {issues} issues in {synced['seconds']:.0f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    config.write_text(json.dumps({"issues": issues}), encoding="utf-8")
    return written


def _table(args: argparse.Namespace, runs: dict[int, dict[str, float]]) -> str:
    lines = [
        f"`python -m bench.backfill --issues {args.issues} --days {args.days} "
        f"--target {args.target}`",
        "",
        "| issues | days | | seconds | s per step | peak RSS MB | file MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for days, run in runs.items():
        lines.append(
            f"| {args.issues:,} | {days} | measured | {run['seconds']:.1f} | "
            f"{run['seconds'] / days:.2f} | {run['peak_mb']:.0f} | {run['megabytes']:.1f} |"
        )
    if len(runs) >= 2:
        (few, low), (many, high) = min(runs.items()), max(runs.items())
        per_step = (high["seconds"] - low["seconds"]) / (many - few)
        fixed = low["seconds"] - per_step * few
        per_mb = (high["megabytes"] - low["megabytes"]) / (many - few)
        seconds = fixed + per_step * args.target
        megabytes = low["megabytes"] + per_mb * (args.target - few)
        lines.append(
            f"| {args.issues:,} | {args.target} | extrapolated | {seconds:.0f} | "
            f"{per_step:.2f} | {high['peak_mb']:.0f} (flat: {low['peak_mb']:.0f} at {few} "
            f"days) | {megabytes:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
