"""``python -m bench``: measure syncd against the raw-fetch ceiling and a naive baseline.

Writes ``docs/benchmarks.md``. ``--quick`` is a smoke run (small organisation, one
repetition); the default measures 10k, 100k and 200k issues in Cloud and Data Center modes.
``--postgres URL`` stores in a database the benchmark creates on that PostgreSQL server
(and drops afterwards) instead of SQLite, and writes ``docs/benchmarks-postgresql.md``.
See ``docs/benchmarks.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

from bench.machine import describe_machine
from bench.plan import Options, Outcome, measure
from bench.report import profile_top, render
from bench.stores import bench_store

_DOCS = Path(__file__).resolve().parent.parent / "docs"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,200000")
    parser.add_argument("--modes", default="cloud,datacenter")
    parser.add_argument("--repeats", type=int, default=3, help="runs per contender (median)")
    parser.add_argument(
        "--large-repeats", type=int, default=1, help="runs per contender above 100k issues"
    )
    parser.add_argument("--latency-repeats", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument(
        "--naive-cap", type=int, default=100_000, help="largest size the naive baseline runs at"
    )
    parser.add_argument("--scrapes", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="profile syncd's full sync too")
    parser.add_argument("--quick", action="store_true", help="2,000 issues, one repetition")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server to store on (a database of the benchmark's own is created)",
    )
    parser.add_argument("--output", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the results document."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    if args.quick:
        args.sizes, args.repeats, args.scrapes = "2000", 1, 50
    if args.output is None:
        args.output = _DOCS / ("benchmarks-postgresql.md" if args.postgres else "benchmarks.md")
    sizes = [int(size) for size in args.sizes.split(",")]
    modes = [mode.strip() for mode in args.modes.split(",")]
    outcomes: list[Outcome] = []
    tops: dict[str, str] = {}
    machine = describe_machine()
    with tempfile.TemporaryDirectory(prefix="syncd-bench-") as folder:
        # Named once, before the first measurement (PostgreSQL's version needs a connection).
        store = bench_store(Path(folder), args.postgres).kind
        profiles = Path(folder) / "profiles"
        profiles.mkdir()
        for mode in modes:
            for size in sizes:
                options = Options(
                    repeats=args.repeats if size <= 100_000 else args.large_repeats,
                    latency_repeats=args.latency_repeats,
                    naive_cap=args.naive_cap,
                    scrapes=args.scrapes,
                    latency_ms=args.latency_ms,
                    profile_dir=profiles if args.profile and size == max(sizes) else None,
                    postgres=args.postgres,
                )
                outcome = measure(mode, size, options, Path(folder) / f"{mode}-{size}")
                outcomes.append(outcome)
                for title, path in outcome.profiles.items():
                    tops[f"{title}, {mode}, {size:,} issues"] = profile_top(Path(path))
                _write(args, outcomes, tops, (store, machine))  # keep what is measured so far
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _write(
    args: argparse.Namespace,
    outcomes: list[Outcome],
    tops: dict[str, str],
    where: tuple[str, list[tuple[str, str]]],
) -> None:
    command = "python -m bench " + shlex.join(sys.argv[1:])
    repeats = (
        f"median of {args.repeats} runs up to 100k issues, {args.large_repeats} above; "
        f"{args.latency_repeats} run(s) with latency"
    )
    store, machine = where
    document = render(outcomes, command.strip(), repeats, tops, store, machine=machine)
    args.output.write_text(document, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
