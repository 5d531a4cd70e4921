"""``python -m bench.changelog``: what reading histories adds to a full sync's wall time.

For each mode, one emulator process with a per-page latency (100 ms by default: every search
page and every changelog page waits that long, as a remote Jira would) serves the
organisation. Full syncs into an empty store run alternately with ``changelog: false`` and
``changelog: true``; so do fetches alone (every page fetched and parsed, nothing stored).
Medians are compared: the fetch's part is the fetch time histories add, as a fraction of a
full sync without them; the full sync's part also holds storing the histories. Prints a
Markdown table (docs/reliability.md quotes it)::

    python -m bench.changelog --issues 10000 --latency-ms 100 --repeats 3
"""

from __future__ import annotations

import argparse
import itertools
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
    seconds: dict[tuple[str, bool], list[float]] = {}
    with EmulatorProcess(mode, args.issues, latency_ms=args.latency_ms) as emulator:
        configs = {
            kept: write_config(workdir, emulator.url, store.url, page_size=page, changelog=kept)
            for kept in (False, True)
        }
        for _ in range(args.repeats):
            for name, kept in itertools.product(("syncd", "fetch"), (False, True)):
                store.reset()
                result = contender(name, {"config": str(configs[kept]), "full": True})
                seconds.setdefault((name, kept), []).append(result["seconds"])
    store.drop()
    median = {key: statistics.median(found) for key, found in seconds.items()}
    full = median[("syncd", False)]
    return {
        "without": full,
        "with": median[("syncd", True)],
        "fetch_without": median[("fetch", False)],
        "fetch_with": median[("fetch", True)],
        "added": median[("syncd", True)] / full - 1,
        "fetch_added": (median[("fetch", True)] - median[("fetch", False)]) / full,
    }


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
                f"{found['without']:.1f} s | {found['with']:.1f} s | "
                f"{100 * found['added']:+.0f}% | "
                f"{found['fetch_without']:.1f} s | {found['fetch_with']:.1f} s | "
                f"{100 * found['fetch_added']:+.0f}% |"
            )
    print(
        "| mode | issues | latency per page | full sync, no history | with history | added | "
        "fetch alone, no history | with history | fetch added, of the full sync |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
