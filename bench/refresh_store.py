"""Re-deciding a stored organisation: the refresh's read of every issue, and the whole refresh.

Run: ``.venv/bin/python -m bench.refresh_store [--issues N] [--postgres URL | --sqlite PATH]
[--keep] [--repeats N] [--held]``. Fills a store with *N* issues (as ``bench.store_write_page``
builds them, created over two years, nine in ten resolved a few days after work started, in
pages of 1,000, each with three kept changes: status category, assignee, status) once; with
``--keep`` a filled store is reused (PostgreSQL: the database ``syncd_bench_refresh_N`` on the
server ``--postgres`` names). Then prints, each twice: ``issues`` (every live issue streamed as
the refresh does without capacity), ``histories`` (with the changes the capacity weighting
reads) and ``refresh`` (one ``Pipeline.refresh`` under the bundled rules, capacity on, and its
phases from ``Pipeline.last_phases``), in seconds and the process's CPU seconds, each
``--repeats`` times (default 2). Then, as a service does between syncs, one pipeline
refreshes once, and ``--repeats`` times a run writes a new version of 1% of the issues (one
in three finished or reopened) and the same pipeline refreshes (``after run``: it reads only
what the run wrote) beside a new pipeline's refresh of the same store (``scratch``: every
issue read). The process's peak RSS comes at the end. With ``--held``,
instead of all that: what one service pipeline holds between refreshes (``tracemalloc``, which
slows it, so nothing is timed), after its first refresh and after each of ``--repeats`` runs
that wrote 1% of the issues and the refresh after it.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text

import mappings.examples
from bench.store_write_page import _issue
from bench.stores import PostgresStore
from syncd.analytics.history import WORK_FIELDS
from syncd.core.domain import (
    FieldChange,
    HistoryField,
    Issue,
    Page,
    RunKind,
    RunOutcome,
    StatusCategory,
)
from syncd.store import Store, create_store_engine, upgrade

_PAGE = 1000
_NOW = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
_BUNDLED = Path(mappings.examples.__file__).parent


def _stored(issue_id: int, total: int) -> tuple[Issue, tuple[FieldChange, ...]]:
    """An issue created within two years before the bench's moment (in id order), and the
    changes that started its work; nine in ten finished a few days later."""
    created = _NOW - timedelta(days=730) + timedelta(days=730 * issue_id / total)
    started = created + timedelta(days=issue_id % 20)
    finished = started + timedelta(days=1 + issue_id % 7)
    done = issue_id % 10 != 0 and finished < _NOW
    issue = replace(
        _issue(issue_id, 0),
        created=created,
        updated=finished if done else started,
        resolved=finished if done else None,
        status="Done" if done else "In Progress",
        status_category=StatusCategory.DONE if done else StatusCategory.IN_PROGRESS,
        assignee=f"user-{issue_id % 97}",
    )
    kept = [
        (started, HistoryField.STATUS_CATEGORY, "new", "indeterminate"),
        (started, HistoryField.ASSIGNEE, None, issue.assignee),
        (started, HistoryField.STATUS, "To Do", "In Progress"),
    ]
    if done:
        kept.append((finished, HistoryField.STATUS_CATEGORY, "indeterminate", "done"))
    changes = tuple(
        FieldChange("jira", issue_id, issue_id * 4 + n, *change) for n, change in enumerate(kept)
    )
    return issue, changes


def fill_store(store: Store, total: int) -> None:
    _write_run(store, RunKind.FULL, (_stored(i, total) for i in range(total)))


def _write_run(
    store: Store, kind: RunKind, stored: Iterable[tuple[Issue, tuple[FieldChange, ...]]]
) -> None:
    """Write *stored* through one run of *kind*, in pages of ``_PAGE`` issues."""
    run = store.begin_run("jira", kind)
    found = iter(stored)
    for number in itertools.count():
        page = list(itertools.islice(found, _PAGE))
        if not page:
            break
        store.write_page(
            "jira",
            run,
            Page(
                "ALL",
                number,
                tuple(issue for issue, _ in page),
                changes=tuple(change for _, changes in page for change in changes),
                history_complete=True,
            ),
        )
    store.finish_run(run, RunOutcome.SUCCESS)


def _timed(label: str, action: Callable[[], Any]) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    action()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  {label:<10} {elapsed:8.2f} s {cpu:8.2f} s CPU", flush=True)


def _phases(phases: Any) -> None:
    print(
        f"  (of which decide {phases.decide_seconds:.2f} s, capacity {phases.capacity_seconds:.2f}"
        f" s, snapshot {phases.snapshot_seconds:.2f} s)",
        flush=True,
    )


def _count(items: Iterator[Any]) -> int:
    return sum(1 for _ in items)


def pipeline_maker(url: str, folder: Path) -> Callable[[], Any]:
    """A maker of pipelines over the store at *url*, under the bundled mapping files."""
    from syncd.app.mapping_files import load_mapping_files
    from syncd.app.pipeline import Pipeline
    from syncd.service.config import load_config
    from syncd.service.logs import configure_logging

    names = ("rules", "okrs", "agreements", "teams")
    data = {
        "store": {"url": url},
        "mappings": {name: str(_BUNDLED / f"{name}.yaml") for name in names},
    }
    path = folder / "syncd.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    configure_logging("warning")
    config = load_config(path)
    files = load_mapping_files(config.mapping_paths())
    return lambda: Pipeline(Store(create_store_engine(url)), files, config.analytics)


def _edit(store: Store, total: int, share: float, round_: int) -> int:
    """Write a new version of *share* of the issues through one run, as an incremental sync
    would (spread over the id range; one in three finished, or reopened, by the edit, updated
    now, so later than any version stored); how many."""
    step = max(1, round(1 / share))
    edited = []
    moment = datetime.now(UTC)
    for issue_id in range(round_ % step, total, step):
        issue, changes = _stored(issue_id, total)
        if issue_id % 3 == 0:
            done = issue.status_category is not StatusCategory.DONE
            issue = replace(
                issue,
                status="Done" if done else "In Progress",
                status_category=StatusCategory.DONE if done else StatusCategory.IN_PROGRESS,
                resolved=moment if done else None,
            )
        edited.append((replace(issue, updated=moment), changes))
    _write_run(store, RunKind.INCREMENTAL, edited)
    return len(edited)


def _filled(url: str, total: int, keep: bool) -> Store:
    """The store at *url*, filled with *total* issues unless *keep* finds it filled."""
    engine = create_store_engine(url)
    upgrade(engine)
    store = Store(engine)
    if not keep or store.count_issues() != total:
        started = time.perf_counter()
        fill_store(store, total)
        if engine.dialect.name == "postgresql":
            # As autovacuum would within a minute of such a fill: without statistics the
            # planner sorts every change on disk instead of reading them in index order.
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        print(f"  filled {total:,} issues in {time.perf_counter() - started:.0f} s", flush=True)
    return store


def _measure(url: str, total: int, keep: bool, folder: Path, repeats: int) -> None:
    store = _filled(url, total, keep)
    engine = store.engine
    pipeline = pipeline_maker(url, folder)
    for _ in range(repeats):
        _timed("issues", lambda: _count(store.iter_issues(with_raw=False, chunk=1000)))
        _timed("histories", lambda: _count(store.iter_issue_histories(WORK_FIELDS, chunk=1000)))
        fresh = pipeline()
        _timed("refresh", fresh.refresh)
        _phases(fresh.last_phases)
    service = pipeline()
    service.refresh()
    for round_ in range(repeats):
        _edit(store, total, 0.01, round_)
        _timed("after run", service.refresh)
        print(f"  (the refresh after the run read {service.last_phases.issues_read:,} issues)")
        _timed("scratch", lambda: pipeline().refresh())
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {peak:.0f} MB")


def _held(url: str, total: int, keep: bool, folder: Path, repeats: int) -> None:
    """Print the memory one service pipeline holds between its refreshes."""
    store = _filled(url, total, keep)
    service = pipeline_maker(url, folder)()
    tracemalloc.start()
    service.refresh()
    print(f"  held after the first refresh {tracemalloc.get_traced_memory()[0] / 1e6:.0f} MB")
    for round_ in range(repeats):
        _edit(store, total, 0.01, 100 + round_)
        service.refresh()
        held = tracemalloc.get_traced_memory()[0] / 1e6
        print(f"  held after run {round_ + 1} and its refresh {held:.0f} MB")
    print(f"  peak traced {tracemalloc.get_traced_memory()[1] / 1e6:.0f} MB")
    tracemalloc.stop()
    store.engine.dispose()


def _exists(server: str, name: str) -> bool:
    engine = create_engine(server)
    try:
        with engine.connect() as connection:
            found = text("SELECT 1 FROM pg_database WHERE datname = :name")
            return connection.execute(found, {"name": name}).first() is not None
    finally:
        engine.dispose()


def main() -> None:
    """Fill (or reuse) a store and time the refresh's reads."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--sqlite", metavar="PATH", type=Path)
    parser.add_argument("--keep", action="store_true", help="reuse (and keep) a filled store")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--held", action="store_true", help="the memory held, nothing timed")
    args = parser.parse_args()
    measure = _held if args.held else _measure
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres is None:
            path = args.sqlite or Path(folder) / "bench.db"
            print(f"refresh reads, SQLite, {args.issues:,} issues")
            measure(f"sqlite:///{path}", args.issues, args.keep, Path(folder), args.repeats)
            return
        postgres = PostgresStore(args.postgres, name=f"syncd_bench_refresh_{args.issues}")
        if not (args.keep and _exists(args.postgres, postgres.name)):
            postgres.reset()
        print(f"refresh reads, PostgreSQL, {args.issues:,} issues")
        try:
            measure(postgres.url, args.issues, args.keep, Path(folder), args.repeats)
        finally:
            if not args.keep:
                postgres.drop()


if __name__ == "__main__":
    main()
