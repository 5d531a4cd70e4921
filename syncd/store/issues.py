"""Issues: the per-page upsert (the sync's hot path) and the readers that rebuild ``Issue``.

``write_page`` runs in the caller's transaction and writes the page's issues, their raw
payloads (``syncd.store.payloads``), their history, its quarantined records and the cursor's
progress together, so the cursor never passes rows that are not committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, bindparam, func, select
from sqlalchemy.engine import Connection

from syncd.core.domain import Issue, Page, RejectedRecord, RunCounts, StatusCategory
from syncd.store.bulk import BulkStatement
from syncd.store.dialect import chunked, upsert
from syncd.store.histories import append_changes
from syncd.store.payloads import WITH_PAYLOAD, decode_payload, write_payloads
from syncd.store.runs import record_page
from syncd.store.scan import driver_rows, moment, optional_moment, scan_issues
from syncd.store.schema import issue_history, issue_payloads, issues, rejected_records

__all__ = [
    "PageCounts",
    "count_issues",
    "deleted_after",
    "get_issue_by_key",
    "history_row",
    "iter_issues",
    "quarantine",
    "write_page",
]

_IN_LIMIT = 5000
_EXCERPT_LIMIT = 2000
_KEY_COLUMNS = ("source", "issue_id")
# first_seen_at keeps the value of the first insert; every other column follows the source.
_UPDATED_COLUMNS = tuple(
    column.name for column in issues.columns if column.name not in {*_KEY_COLUMNS, "first_seen_at"}
)
_HISTORY_COLUMNS = (
    "source",
    "issue_id",
    "key",
    "project",
    "status_category",
    "updated_at",
    "resolved_at",
    "story_points",
    "change",
    "recorded_at",
    "run_id",
)
# Built once per dialect: the page loop is the sync's hot path (see syncd.store.bulk).
_ISSUE_UPSERT = BulkStatement(
    issues,
    [column.name for column in issues.columns],
    lambda connection: upsert(
        connection,
        issues,
        _KEY_COLUMNS,
        _UPDATED_COLUMNS,
        where=lambda excluded: excluded.updated_at >= issues.c.updated_at,
    ),
)
# Each ``issues`` column given by an ``Issue`` field, in the table's order.
_FROM_ISSUE = (
    ("source", "source"), ("issue_id", "issue_id"), ("key", "key"), ("project", "project"),
    ("issue_type", "issue_type"), ("summary", "summary"), ("status", "status"),
    ("status_category", "status_category"), ("priority", "priority"), ("labels", "labels"),
    ("components", "components"), ("parent_key", "parent_key"), ("epic_key", "epic_key"),
    ("story_points", "story_points"), ("time_spent_seconds", "time_spent_seconds"),
    ("sprints", "sprints"), ("team", "team"), ("assignee", "assignee"), ("custom", "custom"),
    ("created_at", "created"), ("updated_at", "updated"), ("resolved_at", "resolved"),
)  # fmt: skip
_WITH_RAW = select(*issues.columns, issue_payloads.c.payload).select_from(WITH_PAYLOAD)
_STORED_VERSIONS = select(
    issues.c.issue_id, issues.c.updated_at, issues.c.deleted_at, issues.c.project
).where(
    issues.c.source == bindparam("source_"),
    issues.c.issue_id.in_(bindparam("ids_", expanding=True)),
)
_STORED_ON_SQLITE = (
    f"SELECT issue_id, updated_at, deleted_at, project FROM {issues.name}"  # noqa: S608 - fixed names
    " WHERE source = ? AND issue_id IN ({marks})"
)
_HISTORY_INSERT = BulkStatement(
    issue_history, _HISTORY_COLUMNS, lambda connection: issue_history.insert()
)


@dataclass(frozen=True, slots=True)
class PageCounts:
    """What one page did: new issues, changed (or restored) ones, replays, quarantined records."""

    inserted: int
    updated: int
    unchanged: int
    rejected: int


@dataclass(frozen=True, slots=True)
class _Stored:
    updated_at: datetime
    deleted_at: datetime | None
    project: str


def write_page(
    connection: Connection,
    source: str,
    run_id: int,
    page: Page,
    now: datetime,
    *,
    compress_payloads: bool = False,
) -> PageCounts:
    """Upsert *page* into the store within the caller's transaction; see the module docstring.

    Duplicate ids in the page keep their newest version. A stored version newer than the
    incoming one is never overwritten (``WHERE excluded.updated_at >= issues.updated_at``),
    and an issue that reappears after a soft delete is restored.
    """
    latest = _newest_by_id(source, page.issues)
    stored = _stored_versions(connection, source, latest.keys())
    writes: list[tuple[Issue, str]] = []
    for issue_id, issue in latest.items():
        change = _change_kind(stored.get(issue_id), issue)
        if change is not None:
            writes.append((issue, change))
    inserted = sum(1 for _, change in writes if change == "created")
    counts = PageCounts(
        inserted, len(writes) - inserted, len(latest) - len(writes), len(page.rejected)
    )
    record_page(
        connection,
        source,
        run_id,
        max_updated=max((issue.updated for issue in latest.values()), default=None),
        counts=RunCounts(1, len(latest), *astuple(counts)),
    )
    if writes:
        written = [issue for issue, _ in writes]
        columns = _issue_columns(written, run_id, now, history_complete=page.history_complete)
        _ISSUE_UPSERT.execute_columns(connection, columns)
        write_payloads(connection, written, compress=compress_payloads)
        # The history rows share the issue rows' values (and run id).
        history = {name: columns[name] for name in _HISTORY_COLUMNS if name in columns}
        history["change"] = [change for _, change in writes]
        history["recorded_at"] = [now] * len(writes)
        _HISTORY_INSERT.execute_columns(connection, history)
    append_changes(connection, page.changes)
    quarantine(connection, page.rejected, run_id, now)
    return counts


def quarantine(
    connection: Connection, records: Iterable[RejectedRecord], run_id: int | None, now: datetime
) -> int:
    """Store *records* in the quarantine (excerpts bounded); return how many."""
    rows = [
        {
            "source": record.source,
            "run_id": run_id,
            "reference": record.reference,
            "reason": record.reason,
            "excerpt": record.excerpt[:_EXCERPT_LIMIT] if record.excerpt else record.excerpt,
            "recorded_at": now,
        }
        for record in records
    ]
    if rows:
        connection.execute(rejected_records.insert(), rows)
    return len(rows)


def history_row(
    row: Mapping[Any, Any], change: str, run_id: int | None, now: datetime
) -> dict[str, Any]:
    """The ``issue_history`` row recording *change* of the issue stored as *row*."""
    names = ("source", "issue_id", "key", "project", "status_category", "updated_at")
    return {
        **{name: row[name] for name in names},
        "resolved_at": row["resolved_at"],
        "story_points": row["story_points"],
        "change": change,
        "recorded_at": now,
        "run_id": run_id,
    }


def iter_issues(
    engine: Engine,
    source: str | None,
    include_deleted: bool,
    chunk: int,
    *,
    with_raw: bool = True,
    after_run: int | None = None,
) -> Iterator[Issue]:
    """Stream stored issues (ordered by source and id), *chunk* rows fetched at a time.

    Without *with_raw* the payloads are not read and ``Issue.raw`` is empty: the raw
    payload is most of a stored issue's bytes, and deciding and aggregating never read it.
    With *after_run* (only without raw payloads), just the issues a later run wrote last.
    """
    if after_run is not None and with_raw:
        raise ValueError("issues written after a run are read without their raw payloads")
    statement = _WITH_RAW if with_raw else select(issues)
    statement = statement.order_by(issues.c.source, issues.c.issue_id)
    if source is not None:
        statement = statement.where(issues.c.source == source)
    if not include_deleted:
        statement = statement.where(issues.c.deleted_at.is_(None))
    with engine.connect() as connection:
        if not with_raw:
            yield from scan_issues(connection, source, include_deleted, chunk, after_run)
            return
        result = connection.execution_options(yield_per=chunk).execute(statement)
        for row in result:
            yield _to_issue(row, with_raw)


def deleted_after(connection: Connection, after_run: int) -> list[tuple[str, int]]:
    """``(source, issue id)`` of the issues a run after *after_run* marked deleted."""
    statement = select(issues.c.source, issues.c.issue_id).where(
        issues.c.run_id > after_run, issues.c.deleted_at.is_not(None)
    )
    return [(str(row.source), int(row.issue_id)) for row in connection.execute(statement)]


def get_issue_by_key(connection: Connection, key: str, source: str | None) -> Issue | None:
    """The issue known as *key* now, or once (keys change when issues move); ``None`` if none.

    Live issues win over soft-deleted ones, then the first source by name, then the greatest
    id: where two issues of a source hold one key, the one a refresh names by it.
    """
    found = _find_by_key(connection, issues.c.key == key, source)
    if found is not None:
        return found
    former = select(issue_history.c.source, issue_history.c.issue_id).where(
        issue_history.c.key == key
    )
    if source is not None:
        former = former.where(issue_history.c.source == source)
    ids = former.order_by(issue_history.c.id.desc()).limit(1)
    match = connection.execute(ids).one_or_none()
    if match is None:
        return None
    identity = (issues.c.source == match.source) & (issues.c.issue_id == match.issue_id)
    return _find_by_key(connection, identity, None)


def get_lineage(connection: Connection, issue: Issue) -> list[Issue]:
    """*issue* and the live issues it may inherit from, as a refresh sees them: for each
    parent and epic key, the live issue of the same source holding that key now (of several,
    the greatest id, which a refresh's (source, id) order names last), then theirs in turn.

    Deciding *issue* among these gives the decision a refresh gives it among every stored
    issue, without reading them all.
    """
    found = {issue.key: issue}
    waiting = [issue]
    while waiting:
        current = waiting.pop()
        for key in (current.parent_key, current.epic_key):
            if key is None or key in found:
                continue
            live = (issues.c.key == key) & issues.c.deleted_at.is_(None)
            above = _find_by_key(connection, live, issue.source)
            if above is not None:
                found[key] = above
                waiting.append(above)
    return list(found.values())


def creation_times(connection: Connection) -> list[datetime]:
    """When each live issue was created, earliest first."""
    statement = (
        select(issues.c.created_at)
        .where(issues.c.deleted_at.is_(None))
        .order_by(issues.c.created_at)
    )
    return list(connection.execute(statement).scalars())


def count_issues(connection: Connection, source: str | None, include_deleted: bool) -> int:
    """How many issues are stored (live only unless *include_deleted*)."""
    statement = select(func.count()).select_from(issues)
    if source is not None:
        statement = statement.where(issues.c.source == source)
    if not include_deleted:
        statement = statement.where(issues.c.deleted_at.is_(None))
    return int(connection.execute(statement).scalar_one())


def _find_by_key(connection: Connection, condition: Any, source: str | None) -> Issue | None:
    statement = _WITH_RAW.where(condition)
    if source is not None:
        statement = statement.where(issues.c.source == source)
    statement = statement.order_by(
        issues.c.deleted_at.is_not(None), issues.c.source, issues.c.issue_id.desc()
    ).limit(1)
    row = connection.execute(statement).one_or_none()
    return None if row is None else _to_issue(row)


def _newest_by_id(source: str, page_issues: Iterable[Issue]) -> dict[int, Issue]:
    # PostgreSQL refuses an upsert batch that touches one row twice (CardinalityViolation).
    latest: dict[int, Issue] = {}
    for issue in page_issues:
        if issue.source != source:
            raise ValueError(f"issue {issue.key} belongs to {issue.source!r}, not {source!r}")
        kept = latest.get(issue.issue_id)
        if kept is None or issue.updated >= kept.updated:
            latest[issue.issue_id] = issue
    return latest


def _stored_versions(
    connection: Connection, source: str, issue_ids: Iterable[int]
) -> dict[int, _Stored]:
    found: dict[int, _Stored] = {}
    sqlite = connection.dialect.name == "sqlite"
    for batch in chunked(issue_ids, _IN_LIMIT):
        if sqlite:  # once per page: straight from the driver (see syncd.store.scan)
            marks = ", ".join("?" * len(batch))
            rows = driver_rows(connection, _STORED_ON_SQLITE.format(marks=marks), (source, *batch))
            for issue_id, updated, deleted, project in rows:
                found[issue_id] = _Stored(moment(updated), optional_moment(deleted), project)
            continue
        for row in connection.execute(_STORED_VERSIONS, {"source_": source, "ids_": batch}):
            found[row.issue_id] = _Stored(row.updated_at, row.deleted_at, row.project)
    return found


def _change_kind(stored: _Stored | None, incoming: Issue) -> str | None:
    """The history kind of writing *incoming* over *stored*; ``None`` when nothing changes."""
    if stored is None:
        return "created"
    if incoming.updated < stored.updated_at:
        return None
    if stored.deleted_at is not None:
        return "restored"
    if incoming.updated == stored.updated_at:
        return None
    return "moved" if incoming.project != stored.project else "updated"


def _issue_columns(
    written: list[Issue], run_id: int, now: datetime, *, history_complete: bool = False
) -> dict[str, list[Any]]:
    """The ``issues`` rows of *written*, a column at a time (``BulkStatement.execute_columns``).

    Lists are bound as tuples (JSON arrays alike); the guard of the upsert keeps a stored
    version newer than the incoming one.
    """
    columns = {
        column: [getattr(issue, field) for issue in written] for column, field in _FROM_ISSUE
    }
    columns["status_category"] = [StatusCategory(v).value for v in columns["status_category"]]
    columns["custom"] = [dict(custom) for custom in columns["custom"]]
    constant = {"first_seen_at": now, "synced_at": now, "deleted_at": None, "run_id": run_id}
    columns.update({name: [value] * len(written) for name, value in constant.items()})
    columns["history_through"] = (
        columns["updated_at"] if history_complete else [None] * len(written)
    )
    return columns


def _to_issue(row: Row[Any, *tuple[Any, ...]], with_raw: bool = True) -> Issue:
    return Issue(
        source=row.source,
        issue_id=int(row.issue_id),
        key=row.key,
        project=row.project,
        issue_type=row.issue_type,
        summary=row.summary,
        status=row.status,
        status_category=StatusCategory(row.status_category),
        created=row.created_at,
        updated=row.updated_at,
        resolved=row.resolved_at,
        priority=row.priority,
        labels=tuple(row.labels),
        components=tuple(row.components),
        parent_key=row.parent_key,
        epic_key=row.epic_key,
        story_points=row.story_points,
        time_spent_seconds=row.time_spent_seconds,
        sprints=tuple(row.sprints),
        team=row.team,
        assignee=row.assignee,
        custom=row.custom,
        raw=decode_payload(row.payload) if with_raw else {},
    )
