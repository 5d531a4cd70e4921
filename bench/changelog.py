"""``python -m bench.changelog``: what reading histories adds to a full sync's wall time.

For each mode, one emulator process with a per-page latency (100 ms by default: every search
page and every changelog page waits that long, as a remote Jira would) serves the
organisation; full syncs into an empty store run alternately with ``changelog: false`` and
``changelog: true``, and the medians are compared. Prints a Markdown table (docs/reliability.md
quotes it)::

    python -m bench.changelog --issues 10000 --latency-ms 100 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench.emulator import EmulatorProcess
from bench.plan import CLOUD_PAGE, DC_PAGE
from bench.runner import contender, write_config
from bench.stores import bench_store

__all__ = ["main"]


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.changelog", description=__doc__)
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--modes", default="cloud,datacenter")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--repeats", type=int, default=3)
    return parser.parse_args(argv)


def _measure(mode: str, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    page = CLOUD_PAGE if mode == "cloud" else DC_PAGE
    workdir.mkdir(parents=True, exist_ok=True)
    store = bench_store(workdir, None)
    seconds: dict[bool, list[float]] = {False: [], True: []}
    with EmulatorProcess(mode, args.issues, latency_ms=args.latency_ms) as emulator:
        configs = {
            kept: write_config(workdir, emulator.url, store.url, page_size=page, changelog=kept)
            for kept in (False, True)
        }
        for _ in range(args.repeats):
            for kept in (False, True):
                store.reset()
                result = contender("syncd", {"config": str(configs[kept]), "full": True})
                seconds[kept].append(result["seconds"])
    store.drop()
    without, with_ = statistics.median(seconds[False]), statistics.median(seconds[True])
    return {"without": without, "with": with_, "added": with_ / without - 1}


def main(argv: list[str] | None = None) -> int:
    """Measure each mode and print the table."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="syncd-bench-changelog-") as folder:
        for mode in (m.strip() for m in args.modes.split(",")):
            print(f"bench.changelog: {mode} {args.issues}", file=sys.stderr, flush=True)
            found = _measure(mode, args, Path(folder) / mode)
            rows.append(
                f"| {mode} | {args.issues:,} | {args.latency_ms:g} ms | "
                f"{found['without']:.1f} s | {found['with']:.1f} s | {100 * found['added']:+.0f}% |"
            )
    print("| mode | issues | latency per page | full sync, no history | with history | added |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
