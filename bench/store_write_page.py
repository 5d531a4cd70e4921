"""Throughput of ``Store.write_page``: 100k issues in pages of 1000, insert then update.

Run: ``.venv/bin/python -m bench.store_write_page [--issues N] [--page N] [--postgres URL]``.
SQLite uses a fresh file in a temporary folder; PostgreSQL a fresh database created on the
server ``--postgres`` names (a URL) and dropped afterwards. Prints rows/s per pass:
``insert`` (all new), ``update`` (every issue newer), ``replay`` (the same page again).

Measured with ``--issues 50000 --page 100`` on the 2-core development VM (SQLite 3.40 file,
PostgreSQL 15 on loopback, both sharing the machine), each row an issue with a ~700-byte raw
payload plus its history row: SQLite insert ~9,000 / update ~8,700 / replay ~60,000 rows/s;
PostgreSQL insert ~3,400 / update ~3,200 / replay ~10,500 rows/s. A PostgreSQL store
analyses ``issues`` as it grows (``syncd.store.planner``): without statistics the planner
answered each page's id look-up by reading every issue of the source, and a first load
slowed down as it went.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.stores import PostgresStore
from syncd.core.domain import Issue, Page, RunKind, RunOutcome, StatusCategory
from syncd.store import Store, create_store_engine, upgrade

_T0 = datetime(2025, 1, 1, tzinfo=UTC)
_LABELS = ("feature", "tech-debt", "kr:SHOP-KR1")
_BASE = "https://example.atlassian.net/rest/api/3"
_WORDS = (
    "checkout", "customer", "latency", "retry", "basket", "payment", "returning", "cache",
    "session", "mobile", "search", "profile", "timeout", "invoice", "coupon", "warehouse",
)  # fmt: skip


def _person(number: int) -> dict[str, object]:
    """A user as Jira Cloud renders one (its avatars are most of its bytes)."""
    account = f"5b10a2844c20165700ede{number:03d}"
    avatar = f"https://avatar-management.example.net/{account}"
    return {
        "self": f"{_BASE}/user?accountId={account}",
        "accountId": account,
        "displayName": f"Person {number}",
        "active": True,
        "timeZone": "Europe/Berlin",
        "accountType": "atlassian",
        "avatarUrls": {size: f"{avatar}/{size}.png" for size in ("16x16", "24x24", "48x48")},
    }


def _issue(issue_id: int, version: int) -> Issue:
    project = ("SHOP", "GROW", "MOB", "PLAT", "DATA")[issue_id % 5]
    summary = f"Make checkout step {issue_id} faster for returning customers"
    fields = {
        "summary": summary,
        "issuetype": {
            "self": f"{_BASE}/issuetype/10001",
            "id": "10001",
            "name": "Story",
            "subtask": False,
            "iconUrl": f"{_BASE}/images/icons/story.svg",
        },
        "status": {
            "self": f"{_BASE}/status/3",
            "id": "3",
            "name": "In Progress",
            "statusCategory": {
                "self": f"{_BASE}/statuscategory/4",
                "id": 4,
                "key": "indeterminate",
                "colorName": "yellow",
            },
        },
        "project": {
            "self": f"{_BASE}/project/1000{issue_id % 5}",
            "key": project,
            "name": f"Project {project}",
            "projectTypeKey": "software",
        },
        "priority": {"self": f"{_BASE}/priority/3", "id": "3", "name": "Medium"},
        "assignee": _person(issue_id % 97),
        "reporter": _person(issue_id % 89),
        "creator": _person(issue_id % 83),
        "labels": list(_LABELS),
        "customfield_10016": 3.0,
        "created": (_T0 - timedelta(days=90)).isoformat(),
        "updated": (_T0 + timedelta(minutes=version)).isoformat(),
        "description": " ".join(_WORDS[(issue_id * 7 + n * 13) % len(_WORDS)] for n in range(60)),
    }
    return Issue(
        source="jira",
        issue_id=issue_id,
        key=f"{project}-{issue_id}",
        project=project,
        issue_type="Story",
        summary=summary,
        status="In Progress",
        status_category=StatusCategory.IN_PROGRESS,
        created=_T0 - timedelta(days=90),
        updated=_T0 + timedelta(minutes=version, seconds=issue_id % 60),
        labels=_LABELS,
        components=("Cart",),
        story_points=3.0,
        sprints=("Sprint 12",),
        team="checkout",
        custom={"customfield_10016": 3.0},
        raw={"id": str(issue_id), "key": f"{project}-{issue_id}", "fields": fields},
    )


def _pages(total: int, size: int, version: int) -> Iterator[Page]:
    for number, start in enumerate(range(0, total, size)):
        issues = tuple(_issue(i, version) for i in range(start, min(start + size, total)))
        yield Page("ALL", number, issues)


def _measure(
    url: str, total: int, size: int, *, compress: bool = False
) -> list[tuple[str, float, float]]:
    """Per pass: its label, rows/s, and the writing process's CPU µs per row (SQLite's work
    included; PostgreSQL's server excluded)."""
    engine = create_store_engine(url)
    upgrade(engine)
    store = Store(engine, compress_payloads=compress)
    results = []
    try:
        for label, version in (("insert", 0), ("update", 1), ("replay", 1)):
            pages = list(_pages(total, size, version))  # build outside the timed loop
            run = store.begin_run("jira", RunKind.FULL)
            started, cpu = time.perf_counter(), time.process_time()
            for page in pages:
                store.write_page("jira", run, page)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            store.finish_run(run, RunOutcome.SUCCESS, watermark=datetime.now(UTC))
            results.append((label, total / elapsed, cpu / total * 1e6))
    finally:
        engine.dispose()
    return results


def main() -> None:
    """Measure both backends and print a table of rows/s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="the PostgreSQL server (a database of the benchmark's own is created there)",
    )
    args = parser.parse_args()
    rows: list[tuple[str, str, float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        measured = _measure(url, args.issues, args.page)
        rows += [("sqlite", *row) for row in measured]
    postgres = PostgresStore(args.postgres, name=f"syncd_bench_{uuid.uuid4().hex[:8]}")
    postgres.reset()
    try:
        measured = _measure(postgres.url, args.issues, args.page)
        rows += [("postgresql", *row) for row in measured]
    finally:
        postgres.drop()
    print(f"write_page, {args.issues} issues in pages of {args.page}")
    for backend, label, rate, cpu in rows:
        print(f"  {backend:<11} {label:<7} {rate:>10,.0f} rows/s {cpu:>8,.0f} CPU µs/row")


if __name__ == "__main__":
    main()
