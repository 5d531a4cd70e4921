"""Bulk writes on the sync's hot path: one compiled statement, rows handed to the driver.

At 100 issues per page, SQLAlchemy's generic ``executemany`` spent about as long building
and processing a parameter dict per row, and rebuilding the ``INSERT … ON CONFLICT``
construct per page, as SQLite spent storing the rows. :class:`BulkStatement` builds its
statement once per dialect, compiles it once, looks up each column's bind processor once and,
on drivers with positional parameters (SQLite), passes plain tuples to the driver's
``executemany``. The processors are the ones SQLAlchemy itself would apply, so stored values
are identical; values are processed a column at a time.

On PostgreSQL an ``executemany`` is one statement execution per row, each prepared, bound
and answered through psycopg's pipeline in Python. There the rows are copied (``COPY … FROM
STDIN``; JSON columns as text, serialised once) into a temporary staging table of the
session, and moved by one ``INSERT … SELECT`` carrying the statement's own ``ON CONFLICT``
clause.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, MetaData, Table, select
from sqlalchemy.engine import Connection

from syncd.store.engine import json_text

__all__ = ["BulkStatement"]

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Staged:
    """PostgreSQL: rows go through a temporary table of the same columns."""

    create: str
    copy: str
    move: str
    empty: str


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: Any
    sql: str | None  # driver SQL when the driver takes positional parameters
    columns: tuple[tuple[str, _Processor], ...]
    staged: _Staged | None = None


def _bound(values: list[Any], process: _Processor) -> list[Any]:
    """*values* of one column through its processor, column-wise (``map`` runs in C).

    A column holding one value throughout (the run id, the time of the page) is processed
    once.
    """
    if process is None:
        return values
    first = values[0]
    # Containers are skipped: comparing payloads would cost more than encoding them.
    if not isinstance(first, dict | list) and values.count(first) == len(values):
        return [process(first)] * len(values)
    return list(map(process, values))


def _copy_and_move(
    connection: Connection, staged: _Staged, rows: Iterable[tuple[Any, ...]]
) -> None:
    """Copy *rows* into the staging table, move them with one statement, leave it empty
    (for a second use in the same transaction).

    The staging table is created on first use in each session (``IF NOT EXISTS``: a rolled
    back transaction takes its creation with it).
    """
    connection.exec_driver_sql(staged.create)
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the store's connection has no driver connection")
    with driver.cursor() as cursor, cursor.copy(staged.copy) as copy:
        for row in rows:
            copy.write_row(row)
    connection.exec_driver_sql(staged.move)
    connection.exec_driver_sql(staged.empty)


class BulkStatement:
    """Runs the statement ``build(connection)`` over many rows of *table*'s *columns*.

    Every row given to :meth:`execute` must hold exactly *columns*.
    """

    def __init__(
        self, table: Table, columns: Sequence[str], build: Callable[[Connection], Any]
    ) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._build = build
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write *rows* in the caller's transaction."""
        if rows:
            self.execute_columns(
                connection, {name: [row[name] for row in rows] for name in self._columns}
            )

    def execute_columns(self, connection: Connection, values: Mapping[str, list[Any]]) -> None:
        """Write rows given a column at a time (*values*: each column's values, in row order;
        every list equally long), in the caller's transaction. No row is built where the
        driver takes columns' values directly."""
        if not values[self._columns[0]]:
            return
        compiled = self._for(connection)
        if compiled.sql is None and compiled.staged is None:
            rows = zip(*(values[name] for name in self._columns), strict=True)
            connection.execute(
                compiled.statement, [dict(zip(self._columns, row, strict=True)) for row in rows]
            )
            return
        columns = [_bound(values[name], process) for name, process in compiled.columns]
        if compiled.staged is not None:
            _copy_and_move(connection, compiled.staged, zip(*columns, strict=True))
        elif compiled.sql is not None:
            connection.exec_driver_sql(compiled.sql, list(zip(*columns, strict=True)))

    def _for(self, connection: Connection) -> _Compiled:
        dialect = connection.dialect
        found = self._compiled.get(dialect.name)
        if found is not None:
            return found
        with self._lock:
            statement = self._build(connection)
            compiled = statement.compile(dialect=dialect, column_keys=list(self._columns))
            order = compiled.positiontup
            if dialect.name == "postgresql":
                processors = self._processors(dialect, self._columns, json_as_text=True)
                found = _Compiled(statement, None, processors, self._staged(dialect, statement))
            elif dialect.paramstyle != "qmark" or order is None or set(order) != set(self._columns):
                found = _Compiled(statement, None, ())
            else:
                found = _Compiled(statement, compiled.string, self._processors(dialect, order))
            self._compiled[dialect.name] = found
        return found

    def _processors(
        self, dialect: Any, names: Sequence[str], *, json_as_text: bool = False
    ) -> tuple[tuple[str, _Processor], ...]:
        """Each column's bind processor; with *json_as_text*, JSON columns become JSON text
        (``COPY`` reads text: serialised once, not wrapped for psycopg's own dumper)."""
        found: list[tuple[str, _Processor]] = []
        for name in names:
            column_type = self._table.c[name].type
            if json_as_text and isinstance(column_type, JSON):
                found.append((name, json_text))
            else:
                found.append((name, column_type.dialect_impl(dialect).bind_processor(dialect)))
        return tuple(found)

    def _staged(self, dialect: Any, statement: Any) -> _Staged:
        stage = f"syncd_stage_{self._table.name}"
        names = ", ".join(dialect.identifier_preparer.quote(name) for name in self._columns)
        table = dialect.identifier_preparer.format_table(self._table)
        source = Table(stage, MetaData(), *(self._table.c[name]._copy() for name in self._columns))
        move = statement.from_select(list(self._columns), select(*source.c)).compile(
            dialect=dialect
        )
        if move.params:
            raise ValueError(f"a staged statement for {table} must bind no values: {move}")
        return _Staged(
            # Types only: no defaults, constraints or indexes; emptied by each commit (a
            # truncate: deleted rows of a temporary table are never vacuumed).
            create=f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS "  # noqa: S608 - fixed names
            f"AS SELECT {names} FROM {table} WITH NO DATA",
            copy=f"COPY {stage} ({names}) FROM STDIN",
            move=move.string,
            empty=f"DELETE FROM {stage}",  # noqa: S608 - fixed names
        )
