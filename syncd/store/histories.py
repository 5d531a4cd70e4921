"""Issues' kept histories: append-only field changes, and how far each history is complete.

- ``append_changes`` writes changes in the caller's transaction (a page's, so an issue and its
  history commit together); a change already stored (same source, history id and field) is
  skipped, so replays and overlap windows are harmless.
- ``iter_issue_histories`` streams live issues each with its changes, oldest first; both are
  read ordered by (source, issue id) and joined as they stream, so memory holds a chunk. Given
  the capacity weighting's reach, it reads the changes of the issues that may have been in
  progress since (most of a large organisation's issues are settled long before).
- ``lacking_history`` lists the issues whose history is not complete up to their current
  version; ``complete_histories`` stores fetched histories and marks each issue complete, only
  where the issue has not changed since it was listed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection

from syncd.core.domain import FieldChange, HistoryField, Issue, StatusCategory
from syncd.store.bulk import BulkStatement
from syncd.store.dialect import chunked, insert_for
from syncd.store.scan import moment, parameter_mark, scanned, scanning, stored_moment
from syncd.store.schema import issue_changes, issues

__all__ = [
    "append_changes",
    "complete_histories",
    "iter_issue_histories",
    "lacking_history",
]

_BATCH = 2000
_FIELDS = {field.value: field for field in HistoryField}
_NO_CHANGES: tuple[FieldChange, ...] = ()


_CHANGE_COLUMNS = ("source", "history_id", "field", "issue_id", "changed_at", "before", "after")
_CHANGE_INSERT = BulkStatement(
    issue_changes,
    _CHANGE_COLUMNS,
    lambda connection: insert_for(connection, issue_changes).on_conflict_do_nothing(
        index_elements=["source", "history_id", "field"]
    ),
)


def append_changes(connection: Connection, changes: Iterable[FieldChange]) -> int:
    """Store *changes* not stored yet, in the caller's transaction; return how many were given."""
    rows = [
        {
            "source": change.source,
            "history_id": change.history_id,
            "field": change.field.value,
            "issue_id": change.issue_id,
            "changed_at": change.changed_at,
            "before": change.before,
            "after": change.after,
        }
        for change in _unique(changes)
    ]
    for batch in chunked(rows, _BATCH):
        _CHANGE_INSERT.execute(connection, batch)
    return len(rows)


def _unique(changes: Iterable[FieldChange]) -> Iterator[FieldChange]:
    # One history entry may name a field twice (Jira sends e.g. two "Epic Link" items); the
    # last one stands, and PostgreSQL refuses a batch touching one key twice.
    kept: dict[tuple[str, int, HistoryField], FieldChange] = {}
    for change in changes:
        kept[(change.source, change.history_id, change.field)] = change
    return iter(kept.values())


def lacking_history(
    connection: Connection, source: str, limit: int, after: int = -1
) -> list[tuple[int, datetime]]:
    """Up to *limit* live issues of *source* with an id above *after* whose history is not
    complete up to their current version, as ``(issue id, updated)``, in id order."""
    statement = (
        select(issues.c.issue_id, issues.c.updated_at)
        .where(
            issues.c.source == source,
            issues.c.issue_id > after,
            issues.c.deleted_at.is_(None),
            or_(
                issues.c.history_through.is_(None),
                issues.c.history_through < issues.c.updated_at,
            ),
        )
        .order_by(issues.c.issue_id)
        .limit(limit)
    )
    return [(int(row.issue_id), row.updated_at) for row in connection.execute(statement)]


_MARK_COMPLETE = (
    update(issues)
    .where(
        and_(
            issues.c.source == bindparam("source_"),
            issues.c.issue_id == bindparam("issue_"),
            issues.c.updated_at == bindparam("version_"),
        )
    )
    .values(history_through=bindparam("version_"))
)


def complete_histories(
    connection: Connection,
    source: str,
    histories: Sequence[tuple[int, datetime, Sequence[FieldChange]]],
    run_id: int | None = None,
) -> int:
    """Store each ``(issue id, version, changes)`` and mark the issue's history complete up to
    *version*, where the issue is still at that version; return how many were marked. With
    *run_id*, every issue given is stamped as written by that run (its history changed)."""
    append_changes(connection, (change for _, _, changes in histories for change in changes))
    if run_id is not None and histories:
        for batch in chunked((issue_id for issue_id, _, _ in histories), _BATCH):
            connection.execute(
                update(issues)
                .where(issues.c.source == source, issues.c.issue_id.in_(batch))
                .values(run_id=run_id)
            )
    marks = [
        {"source_": source, "issue_": issue_id, "version_": version}
        for issue_id, version, _ in histories
    ]
    if not marks:
        return 0
    result = connection.execute(_MARK_COMPLETE, marks)
    return int(result.rowcount)


def iter_issue_histories(
    engine: Engine,
    issues_stream: Iterable[Issue],
    fields: Collection[HistoryField] | None = None,
    chunk: int = 5000,
    *,
    after_run: int | None = None,
    reach: datetime | None = None,
) -> Iterator[tuple[Issue, tuple[FieldChange, ...]]]:
    """Each issue of *issues_stream* (ordered by source and id, as the store streams them)
    with its kept changes of *fields* (all when ``None``), oldest first. With *after_run*,
    only the changes of live issues a run after it wrote last are read (the stream should
    hold those issues). With *reach*, an issue ``settled`` at it (``syncd.analytics.
    capacity``: not in progress, neither it nor its history changed since) comes without
    its changes; any other, with all of them."""
    changes = _iter_changes(engine, fields, chunk, after_run, reach)
    pending = next(changes, None)
    for issue in issues_stream:
        identity = (issue.source, issue.issue_id)
        while pending is not None and (pending.source, pending.issue_id) < identity:
            pending = next(changes, None)
        found: list[FieldChange] = []
        while pending is not None and (pending.source, pending.issue_id) == identity:
            found.append(pending)
            pending = next(changes, None)
        yield issue, tuple(found) if found else _NO_CHANGES


_ORDER = (
    issue_changes.c.source,
    issue_changes.c.issue_id,
    issue_changes.c.changed_at,
    issue_changes.c.history_id,
    issue_changes.c.field,
)
_CHANGED_AT = issue_changes.c.changed_at
_COLUMNS = (
    issue_changes.c.source,
    issue_changes.c.issue_id,
    issue_changes.c.history_id,
    issue_changes.c.changed_at,
    issue_changes.c.field,
    issue_changes.c.before,
    issue_changes.c.after,
)


def _iter_changes(
    engine: Engine,
    fields: Collection[HistoryField] | None,
    chunk: int,
    after_run: int | None,
    reach: datetime | None,
) -> Iterator[FieldChange]:
    """Kept changes in issue order, rows straight from the driver (see ``syncd.store.scan``)."""
    with engine.connect() as connection:
        yield from _scan_changes(connection, fields, chunk, after_run, reach)


def _scan_changes(
    connection: Connection,
    fields: Collection[HistoryField] | None,
    chunk: int,
    after_run: int | None = None,
    reach: datetime | None = None,
) -> Iterator[FieldChange]:
    table = issue_changes.name
    names = ", ".join(
        scanned(connection, f"{table}.{column.name}", "moment" if column is _CHANGED_AT else "text")
        for column in _COLUMNS
    )
    order = ", ".join(f"{table}.{column.name}" for column in _ORDER)
    mark = parameter_mark(connection)
    conditions: list[str] = []
    parameters: tuple[str | int, ...] = ()
    if fields is not None:
        conditions.append(f"{table}.field IN ({', '.join(mark for _ in fields)})")
        parameters = tuple(f.value for f in fields)
    origin = table
    if after_run is not None:
        # The issues a later run wrote, then their changes by the changes' issue index: a
        # cross join keeps SQLite's planner (which has no statistics) from scanning every
        # change instead.
        origin = f"{issues.name} AS written CROSS JOIN {table}"
        conditions[:0] = [
            f"written.run_id > {mark}",
            "written.deleted_at IS NULL",
            f"{table}.source = written.source",
            f"{table}.issue_id = written.issue_id",
        ]
        parameters = (after_run, *parameters)
    if reach is not None:
        # The converse of ``settled`` over the changes read, issue by issue: in progress,
        # updated since, or with a change of the fields read since.
        at = stored_moment(connection, reach)
        since = [f"changed_at >= {mark}"]
        if fields is not None:
            since.append(f"field IN ({', '.join(mark for _ in fields)})")
        unsettled = (
            f"SELECT source, issue_id FROM {issues.name} "  # noqa: S608 - fixed names
            f"WHERE status_category = {mark} OR updated_at >= {mark} "
            f"UNION SELECT source, issue_id FROM {table} WHERE {' AND '.join(since)}"
        )
        conditions.append(f"({table}.source, {table}.issue_id) IN ({unsettled})")
        read = () if fields is None else tuple(f.value for f in fields)
        parameters = (*parameters, StatusCategory.IN_PROGRESS.value, at, at, *read)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"SELECT {names} FROM {origin}{where} ORDER BY {order}"  # noqa: S608 - fixed names
    # The values a history repeats (sources, statuses, people, keys; a history entry's time
    # for each of its fields) are held once, not once per change.
    texts: dict[str, str] = {}

    def held(text: str | None) -> str | None:
        return None if text is None else texts.setdefault(text, text)

    at, when = "", datetime.min.replace(tzinfo=UTC)
    with scanning(connection) as cursor:
        cursor.execute(sql, parameters)
        while rows := cursor.fetchmany(chunk):
            for source, issue_id, history_id, changed_at, field, before, after in rows:
                if changed_at != at:
                    at, when = changed_at, moment(changed_at)
                yield FieldChange(
                    texts.setdefault(source, source),
                    issue_id,
                    history_id,
                    when,
                    _FIELDS[field],
                    held(before),
                    held(after),
                )
