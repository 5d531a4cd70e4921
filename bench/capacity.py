"""``python -m bench.capacity``: what the capacity weighting costs a refresh.

For each size, the emulator serves an organisation of that many issues shared by a fixed
number of people (500 by default), and one full sync with histories fills an empty SQLite
store. Then refreshes (``Pipeline.refresh``, each in a fresh process, as ``syncd refresh``
runs it) alternate between the default weightings and the same without ``capacity``.
Reported, as medians: the refresh's own capacity phase (replaying each issue's history into
work intervals, then allocating person-days), the refresh with and without capacity, and
each one's peak RSS; the RSS difference is the memory capacity adds. Prints a Markdown table
(docs/analytics.md quotes it)::

    python -m bench.capacity --sizes 50000,100000,200000 --people 500 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench.emulator import EmulatorProcess
from bench.plan import CLOUD_PAGE
from bench.runner import contender, write_config
from bench.stores import bench_store

__all__ = ["main"]

_WITHOUT_CAPACITY = ("issues", "story_points", "time_spent")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__)
    parser.add_argument("--sizes", default="50000,100000,200000")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    return parser.parse_args(argv)


def _measure(issues: int, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    workdir.mkdir(parents=True, exist_ok=True)
    store = bench_store(workdir, None)
    runs: dict[str, list[dict[str, float]]] = {"with": [], "without": []}
    with EmulatorProcess("cloud", issues, people=args.people) as emulator:
        sync = write_config(workdir, emulator.url, store.url, page_size=CLOUD_PAGE)
        synced = contender("syncd", {"config": str(sync), "full": True})
        without = write_config(
            workdir, emulator.url, store.url, page_size=CLOUD_PAGE, weightings=_WITHOUT_CAPACITY
        )
        for _ in range(args.repeats):
            for kind, config in (("with", sync), ("without", without)):
                runs[kind].append(contender("redecide", {"config": str(config)}))
    store.drop()

    def median(kind: str, figure: str) -> float:
        return statistics.median(run[figure] for run in runs[kind])

    return {
        "sync_seconds": synced["seconds"],
        "capacity_seconds": median("with", "capacity_seconds"),
        "with_seconds": median("with", "seconds"),
        "without_seconds": median("without", "seconds"),
        "with_rss": median("with", "peak_rss_mb"),
        "without_rss": median("without", "peak_rss_mb"),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure each size and print the table."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="syncd-bench-capacity-") as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"bench.capacity: {size} issues, {args.people} people", file=sys.stderr)
            found = _measure(size, args, Path(folder) / str(size))
            rows.append(
                f"| {size:,} | {args.people} | {found['capacity_seconds']:.2f} s | "
                f"{found['with_seconds']:.2f} s | {found['without_seconds']:.2f} s | "
                f"{found['with_rss']:.0f} MB | {found['without_rss']:.0f} MB | "
                f"{found['with_rss'] - found['without_rss']:+.0f} MB |"
            )
    print(
        "| issues | people | capacity phase | refresh with capacity | without | "
        "peak RSS with | without | capacity adds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
