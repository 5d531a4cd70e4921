"""``python -m bench.one_project``: a full ``syncd sync --once`` of one large partition.

The emulator (its own process) serves ``--issues`` issues with ``--latency-ms`` per page of
results, moved by up to ``--jitter-ms`` either way. For each mode, ``syncd sync --once
--full`` runs as a whole process (interpreter start, sync, refresh) into a fresh, migrated
SQLite store, timed from outside, as an installed package runs (bytecode cached by the
untimed ``syncd db upgrade`` before it, whatever ``PYTHONDONTWRITEBYTECODE`` says), for
each case:

* ``jql``: the organisation scoped by a ``jql`` alone (one partition), cut into ranges
  automatically, and the same with ``ranges: 1`` (one query, the figure before ranges);
* ``projects``: the same issues as five project partitions, with ``ranges: 1`` and
  automatic.

The target ratio is ``wall / (1.25 * ceil(pages / concurrency) * latency)``: at most 1.0
means the run took no more than a quarter longer than its pages spread evenly over every
fetch thread, each waiting the latency. Prints a Markdown table (docs/benchmarks-scenarios.md
quotes it)::

    python -m bench.one_project --issues 20000 --latency-ms 300 --jitter-ms 30 --concurrency 8
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from bench.emulator import EmulatorProcess
from bench.runner import write_config
from bench.whole import INSTALLED

__all__ = ["main"]

_ALL_PROJECTS: Final = "project in (SHOP, GROW, MOB, PLAT, DATA)"
_SLACK: Final = 1.25


@dataclass(frozen=True, slots=True)
class _Case:
    """One configuration of the same source: its scope and its ``ranges`` setting."""

    scope: str
    ranges: int | None

    @property
    def label(self) -> str:
        return f"{self.scope}, {'automatic' if self.ranges is None else self.ranges} ranges"

    def settings(self) -> dict[str, Any]:
        scope: dict[str, Any] = {"projects": [], "jql": _ALL_PROJECTS}
        if self.scope == "projects":
            scope = {"projects": ["SHOP", "GROW", "MOB", "PLAT", "DATA"], "jql": None}
        return {**scope, "ranges": self.ranges}


_CASES: Final = (
    _Case("jql", None),
    _Case("jql", 1),
    _Case("projects", 1),
    _Case("projects", None),
)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.one_project", description=__doc__)
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--jitter-ms", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--modes", default="cloud,datacenter")
    return parser.parse_args(argv)


def _config(workdir: Path, url: str, case: _Case, args: argparse.Namespace, name: str) -> Path:
    """A configuration for *case*: the benchmarks' usual one, with this source's scope."""
    base = write_config(workdir, url, f"sqlite:///{workdir / name}.db", page_size=args.page_size)
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    source = config["sources"]["jira"][0]
    source.update(case.settings(), concurrency=args.concurrency)
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@dataclass(frozen=True, slots=True)
class _Run:
    """One process's wall time and the CPU time it used (user and system)."""

    wall: float
    cpu: float


def _syncd(*arguments: str) -> _Run:
    """What ``syncd ARGUMENTS`` took as a process; a failed run stops the benchmark."""
    used = _children_cpu()
    began = time.perf_counter()
    command = [sys.executable, "-m", "syncd", "--log-level=warning", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=INSTALLED)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"syncd {' '.join(arguments)} failed:\n{done.stderr[-4000:]}")
    return _Run(seconds, _children_cpu() - used)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(mode: str, args: argparse.Namespace, workdir: Path) -> list[tuple[_Case, _Run]]:
    found = []
    with EmulatorProcess(
        mode, args.issues, latency_ms=args.latency_ms, jitter_ms=args.jitter_ms
    ) as emulator:
        for number, case in enumerate(_CASES):
            config = _config(workdir, emulator.url, case, args, f"{mode}-{number}")
            _syncd("db", "upgrade", f"--config={config}")
            found.append((case, _syncd("sync", "--once", "--full", f"--config={config}")))
            print(f"bench.one_project: {mode}, {case.label}: {found[-1][1].wall:.1f} s",
                  file=sys.stderr, flush=True)  # fmt: skip
    return found


def main(argv: list[str] | None = None) -> int:
    """Time every case in every mode and print the table."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    pages = math.ceil(args.issues / args.page_size)
    ideal = math.ceil(pages / args.concurrency) * args.latency_ms / 1000
    lines = [
        f"`python -m bench.one_project --issues {args.issues} --latency-ms {args.latency_ms:g} "
        f"--jitter-ms {args.jitter_ms:g} --concurrency {args.concurrency} "
        f"--page-size {args.page_size}`",
        "",
        f"{pages} pages; ideal {ideal:.1f} s = ceil({pages} / {args.concurrency}) * "
        f"{args.latency_ms:g} ms; target ratio = wall / ({_SLACK} * ideal), goal ≤ 1.0.",
        "",
        "| mode | scope | ranges | wall s | syncd CPU s | target ratio | vs one query |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="syncd-bench-one-") as folder:
        for mode in args.modes.split(","):
            runs = _measure(mode.strip(), args, Path(folder))
            before = next(run.wall for case, run in runs if case == _Case("jql", 1))
            for case, run in runs:
                ratio = run.wall / (_SLACK * ideal)
                verdict = "OK" if ratio <= 1.0 else "missed"
                lines.append(
                    f"| {mode} | {case.scope} | "
                    f"{'automatic' if case.ranges is None else case.ranges} | {run.wall:.1f} | "
                    f"{run.cpu:.1f} | {ratio:.2f} ({verdict}) | {before / run.wall:.1f}x |"
                )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
