"""The commands a user waits for at a terminal, timed whole on a stored organisation.

Run: ``.venv/bin/python -m bench.commands [--issues 100000] [--sqlite PATH] [--keep]
[--repeats 5]``.

Fills a SQLite store with *N* issues as ``bench.refresh_store`` builds them (with ``--keep``
a filled store is reused) and refreshes it once, so that decisions and a snapshot are
stored; then runs each command ``--repeats`` times, interleaved, as a user runs it (whole
processes, from compiled bytecode, ``bench.whole``): ``syncd --help`` (the start-up floor),
``status``, ``report``, ``explain`` of an issue that inherits its decision, and ``rules
check``. Printed: a Markdown table of the median wall seconds, CPU seconds and peak RSS of
each, and its wall time as a multiple of ``--help``'s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import sys
import tempfile
from pathlib import Path

import yaml

from bench.refresh_store import fill_store, pipeline_maker
from bench.runner import Samples
from bench.whole import whole_command
from syncd.store import Store, create_store_engine, upgrade

_BIN = Path(sys.executable).parent


def _prepared(path: Path, total: int, keep: bool, folder: Path) -> Path:
    """A store of *total* issues at *path*, refreshed once; the configuration naming it.

    Prepared in a process of its own: a command forked from a process holding the refresh's
    memory would be charged that memory as its peak."""
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_prepare, args=(path, total, keep, folder))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"preparing the store failed ({process.exitcode})")
    return folder / "syncd.yaml"


def _prepare(path: Path, total: int, keep: bool, folder: Path) -> None:
    url = f"sqlite:///{path}"
    engine = create_store_engine(url)
    upgrade(engine)
    store = Store(engine)
    if not keep or store.count_issues() != total:
        fill_store(store, total)
    pipeline_maker(url, folder)().refresh()
    engine.dispose()


def _inheriting_key(path: Path) -> str:
    """The key of an issue whose decision it inherits (of any, when none does), read
    straight from the store's file so that this process stays small."""
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT i.key FROM decisions d JOIN issues i"
            " ON i.source = d.source AND i.issue_id = d.issue_id"
            " ORDER BY d.path NOT LIKE '%,%', d.issue_id LIMIT 1"
        ).fetchone()
    return str(found[0])


def _commands(config: Path, rules: Path, key: str) -> dict[str, list[str]]:
    syncd = str(_BIN / "syncd")
    named = ["--config", str(config)]
    return {
        "syncd --help": [syncd, "--help"],
        "syncd status": [syncd, "status", *named],
        "syncd report": [syncd, "report", *named],
        f"syncd explain {key}": [syncd, "explain", key, *named],
        "syncd rules check": [syncd, "rules", "check", str(rules), *named],
    }


def main() -> None:
    """Fill (or reuse) a store and time the commands."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--sqlite", metavar="PATH", type=Path)
    parser.add_argument("--keep", action="store_true", help="reuse (and keep) a filled store")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        config = _prepared(args.sqlite or folder / "bench.db", args.issues, args.keep, folder)
        rules = Path(yaml.safe_load(config.read_text(encoding="utf-8"))["mappings"]["rules"])
        key = _inheriting_key(args.sqlite or folder / "bench.db")
        commands = _commands(config, rules, key)
        timed = {label: Samples() for label in commands}
        for _ in range(args.repeats):
            for label, command in commands.items():
                timed[label].add(whole_command(command, folder))
    floor = timed["syncd --help"].median
    print(f"commands, SQLite, {args.issues:,} issues, median of {args.repeats}\n")
    print("| command | wall s | CPU s | peak RSS MB | x `--help` |")
    print("|---|---|---|---|---|")
    for label, runs in timed.items():
        print(
            f"| `{label}` | {runs.median:.2f} | {runs.median_of('cpu_seconds'):.2f} "
            f"| {runs.rss:.0f} | {runs.median / floor:.1f} |"
        )


if __name__ == "__main__":
    main()
