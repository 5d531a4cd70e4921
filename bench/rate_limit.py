"""``python -m bench.rate_limit``: a full sync under a Jira rate limit, with and without
adaptive concurrency.

For each variant a fresh emulator process answers 429 (with Jira Cloud's rate-limit headers)
once a token bucket of one second's worth of requests, refilled at ``--rate`` a second, runs
dry; a per-page latency stands for a remote Jira's. ``syncd sync --once --full`` then runs as
its own process at ``concurrency: 8`` into a fresh SQLite store, once with
``adaptive_concurrency: true`` and once with ``false`` (every thread sending as fast as it
can, each honouring only its own ``Retry-After``). The emulator counts the requests it
answered and the 429s among them. The floor is the accepted requests over the rate: no client
finishes sooner. *wall* is the whole process; *sync* the run alone (its ``sync_run`` log
line), without starting the process, migrating the store or the refresh after it. Prints a
Markdown table (docs/benchmarks-scenarios.md quotes it)::

    python -m bench.rate_limit --issues 10000 --rate 5 --latency-ms 300
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, func, select

from bench.emulator import EmulatorProcess
from bench.plan import CLOUD_PAGE
from bench.runner import write_config
from bench.stores import SqliteStore
from syncd.store.schema import issues

__all__ = ["main"]

_CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class _Result:
    """One sync under the rate limit, as the emulator and the store saw it."""

    adaptive: bool
    exit_code: int
    seconds: float
    sync_seconds: float | None
    requests: int
    limited: int
    stored: int

    def floor(self, rate: float) -> float:
        """The least time the accepted requests could take at *rate* a second."""
        return (self.requests - self.limited) / rate


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.rate_limit", description=__doc__)
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=5.0, help="requests a second")
    parser.add_argument("--latency-ms", type=float, default=300.0)
    return parser.parse_args(argv)


def _config(workdir: Path, url: str, store: SqliteStore, adaptive: bool) -> Path:
    base = write_config(workdir, url, store.url, page_size=CLOUD_PAGE)
    config: dict[str, Any] = yaml.safe_load(base.read_text(encoding="utf-8"))
    (source,) = config["sources"]["jira"]
    source |= {"concurrency": _CONCURRENCY, "adaptive_concurrency": adaptive}
    path = workdir / f"rate-limited-{'adaptive' if adaptive else 'fixed'}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _sync(adaptive: bool, args: argparse.Namespace, workdir: Path) -> _Result:
    store = SqliteStore(workdir / f"{'adaptive' if adaptive else 'fixed'}.db")
    store.reset()
    emulator = EmulatorProcess(
        "cloud", args.issues, latency_ms=args.latency_ms, rate_limit=args.rate
    )
    with emulator:
        config = _config(workdir, emulator.url, store, adaptive)
        command = [sys.executable, "-m", "syncd", "sync", "--once", "--full", "--config"]
        started = time.perf_counter()
        done = subprocess.run([*command, str(config)], capture_output=True, check=False)
        seconds = time.perf_counter() - started
        requests, limited = emulator.requests()
    engine = create_engine(store.url)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(issues)).scalar_one()
    engine.dispose()
    store.drop()
    sync_seconds = _sync_seconds(done.stderr.decode("utf-8", errors="replace"))
    return _Result(adaptive, done.returncode, seconds, sync_seconds, requests, limited, stored)


def _sync_seconds(log: str) -> float | None:
    """The duration the run's ``sync_run`` line (JSON off a terminal) states, if any."""
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == "sync_run":
            return float(entry["duration_s"])
    return None


def _table(results: list[_Result], args: argparse.Namespace) -> str:
    lines = [
        "| concurrency | adaptive | exit | issues stored | requests | 429s | 429 share "
        "| floor (s) | sync (s) | sync / floor | wall (s) | wall / floor |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        floor = result.floor(args.rate)
        lines.append(
            f"| {_CONCURRENCY} | {'yes' if result.adaptive else 'no'} | {result.exit_code} "
            f"| {result.stored} | {result.requests} | {result.limited} "
            f"| {result.limited / result.requests:.1%} | {floor:.1f} "
            f"| {_seconds(result.sync_seconds)} | {_ratio(result.sync_seconds, floor)} "
            f"| {result.seconds:.1f} | {_ratio(result.seconds, floor)} |"
        )
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _ratio(value: float | None, floor: float) -> str:
    return "—" if value is None else f"{value / floor:.2f}x"


def main(argv: list[str] | None = None) -> int:
    """Sync under the rate limit with and without adaptation; print the table."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="syncd-rate-limit-") as folder:
        results = [_sync(adaptive, args, Path(folder)) for adaptive in (True, False)]
    print(
        f"{args.issues} issues, Cloud, {args.rate:g} requests/s "
        f"(bucket of {max(1, math.ceil(args.rate))}), {args.latency_ms:g} ms a page\n"
    )
    print(_table(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
