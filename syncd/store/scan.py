"""Reading many rows at once: the refresh's pass over every issue (and every kept change, see
``syncd.store.histories``), and the look-ups the sync and the refresh make per page or chunk.

A refresh reads all live issues (200,000 and more) without their raw payloads. Through
SQLAlchemy's result machinery each row paid for a ``Row`` object, a processor call per
timestamp and per JSON column, and attribute look-ups by name; together about as long as
deciding every issue. Here rows come straight from the driver, a chunk at a time, and each
column is converted in one pass (``map`` runs in C). Values are exactly those the generic
path returns: aware UTC datetimes, tuples for lists, dicts for custom fields.

Both backends hand over the same text: SQLite stores timestamps as naive UTC text and JSON
as text; PostgreSQL is asked for exactly that (``to_char`` in UTC, ``::text``) through a
server-side cursor, so that its driver builds no ``datetime`` or JSON value the conversion
would build again, and memory holds a chunk.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from syncd.core.domain import Issue, StatusCategory, ensure_utc
from syncd.store.schema import issues
from syncd.store.types import stored_text

__all__ = [
    "driver_rows",
    "moment",
    "optional_moment",
    "parameter_mark",
    "scan_issues",
    "scanned",
    "scanning",
    "stored_moment",
]

# In ``Issue``'s field order, so each row becomes ``Issue(*row)``.
_COLUMNS = (
    "source", "issue_id", "key", "project", "issue_type", "summary", "status",
    "status_category", "created_at", "updated_at", "resolved_at", "priority", "labels",
    "components", "parent_key", "epic_key", "story_points", "time_spent_seconds", "sprints",
    "team", "assignee", "custom",
)  # fmt: skip
_LISTS = tuple(_COLUMNS.index(name) for name in ("labels", "components", "sprints"))
_MOMENTS = tuple(_COLUMNS.index(name) for name in ("created_at", "updated_at"))
_RESOLVED = _COLUMNS.index("resolved_at")
_CATEGORY = _COLUMNS.index("status_category")
_CUSTOM = _COLUMNS.index("custom")
_REPEATED = tuple(
    _COLUMNS.index(name)
    for name in ("source", "project", "issue_type", "status", "priority", "parent_key",
                 "epic_key", "team", "assignee")
)  # fmt: skip
"""Text columns whose values many issues share: each value is held once per scan, however
many rows carry it (a refresh or a backfill keeps some of them for every issue)."""
_CATEGORIES = {category.value: category for category in StatusCategory}
_JSON_COLUMNS = frozenset(("labels", "components", "sprints", "custom"))
_MOMENT_COLUMNS = frozenset(("created_at", "updated_at", "resolved_at"))
_CURSORS = itertools.count()


def scanned(connection: Connection, name: str, kind: str = "text") -> str:
    """The SQL reading column *name* as the scans convert it: *kind* ``"moment"`` (timestamp),
    ``"json"`` or ``"text"``; on SQLite the column itself."""
    if connection.dialect.name != "postgresql" or kind == "text":
        return name
    if kind == "json":
        return f"{name}::text"
    return f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"


def _kind(name: str) -> str:
    return "json" if name in _JSON_COLUMNS else "moment" if name in _MOMENT_COLUMNS else "text"


def _sql(
    connection: Connection, source: str | None, include_deleted: bool, after_run: int | None
) -> str:
    names = ", ".join(scanned(connection, name, _kind(name)) for name in _COLUMNS)
    where = [] if include_deleted else ["deleted_at IS NULL"]
    if source is not None:
        where.append(f"source = {parameter_mark(connection)}")
    if after_run is not None:
        where.append(f"run_id > {parameter_mark(connection)}")
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {names} FROM {issues.name}{condition} ORDER BY source, issue_id"  # noqa: S608 - fixed names


def parameter_mark(connection: Connection) -> str:
    """The driver's parameter mark for SQL written by hand: ``%s`` on PostgreSQL, ``?``."""
    return "%s" if connection.dialect.name == "postgresql" else "?"


@contextmanager
def scanning(connection: Connection) -> Iterator[Any]:
    """A cursor of *connection*'s driver, within its transaction, for a scan's ``execute``
    (the dialect's parameter marks) and ``fetchmany``; on PostgreSQL a server-side one."""
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        if driver is None:
            raise RuntimeError("the store's connection has no driver connection")
        cursor = driver.cursor(name=f"syncd_scan_{next(_CURSORS)}")
    else:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    finally:
        cursor.close()


def moment(text: str) -> datetime:
    """A stored SQLite timestamp (naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``, see
    ``syncd.store.types``) as an aware UTC datetime."""
    # Parsed with its offset: a fifth of the time of parsing, then replacing the zone.
    return datetime.fromisoformat(text + "+00:00")


def stored_moment(connection: Connection, value: datetime) -> Any:
    """*value* as a driver parameter compared with stored timestamps: the aware UTC datetime
    on PostgreSQL, the text SQLite stores (``syncd.store.types.stored_text``) there."""
    if connection.dialect.name == "postgresql":
        return ensure_utc(value)
    return stored_text(value)


def optional_moment(text: str | None) -> datetime | None:
    """A stored SQLite timestamp (naive UTC text) as an aware UTC datetime."""
    return None if text is None else moment(text)


def driver_rows(connection: Connection, sql: str, parameters: Sequence[Any]) -> list[Any]:
    """Every row of *sql* as the driver returns it (no SQLAlchemy row handling), within
    *connection*'s transaction; *sql* carries the driver's parameter marks (``?`` on SQLite,
    ``%s`` on PostgreSQL)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        rows: list[Any] = cursor.execute(sql, parameters).fetchall()
        return rows
    finally:
        cursor.close()


def _list(text: str) -> tuple[Any, ...]:
    return tuple(orjson.loads(text))


def scan_issues(
    connection: Connection,
    source: str | None,
    include_deleted: bool,
    chunk: int,
    after_run: int | None = None,
) -> Iterator[Issue]:
    """Stream stored issues without raw payloads (``Issue.raw`` empty), ordered by source and
    id, from *connection*; with *after_run*, only those a run after it wrote last."""
    with scanning(connection) as cursor:
        sql = _sql(connection, source, include_deleted, after_run)
        parameters = (
            *(() if source is None else (source,)),
            *(() if after_run is None else (after_run,)),
        )
        cursor.execute(sql, parameters)
        shared: dict[Any, Any] = {}
        while rows := cursor.fetchmany(chunk):
            columns: list[Any] = list(zip(*rows, strict=True))
            for index in _REPEATED:
                columns[index] = map(shared.setdefault, columns[index], columns[index])
            for index in _LISTS:
                columns[index] = map(_list, columns[index])
            for index in _MOMENTS:
                columns[index] = map(moment, columns[index])
            columns[_RESOLVED] = map(optional_moment, columns[_RESOLVED])
            columns[_CATEGORY] = map(_CATEGORIES.__getitem__, columns[_CATEGORY])
            columns[_CUSTOM] = map(orjson.loads, columns[_CUSTOM])
            for values in zip(*columns, strict=True):
                yield Issue(*values)
