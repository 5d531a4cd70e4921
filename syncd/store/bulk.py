"""Bulk writes on the sync's hot path: one compiled statement, rows handed to the driver.

At 100 issues per page, SQLAlchemy's generic ``executemany`` spent about as long building
and processing a parameter dict per row, and rebuilding the ``INSERT … ON CONFLICT``
construct per page, as SQLite spent storing the rows. :class:`BulkStatement` builds its
statement once per dialect, compiles it once, looks up each column's bind processor once and,
on drivers with positional parameters (SQLite), passes plain tuples to the driver's
``executemany``. The processors are the ones SQLAlchemy itself would apply, so stored values
are identical; values are processed a column at a time. Drivers with named parameters
(psycopg) keep SQLAlchemy's own path, which already batches well there; they still reuse the
cached statement.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

__all__ = ["BulkStatement"]

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: Any
    sql: str | None  # driver SQL when the driver takes positional parameters
    columns: tuple[tuple[str, _Processor], ...]


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
        if not rows:
            return
        compiled = self._for(connection)
        if compiled.sql is None:
            connection.execute(compiled.statement, list(rows))
            return
        columns = [
            _bound([row[name] for row in rows], process) for name, process in compiled.columns
        ]
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
            if dialect.paramstyle != "qmark" or order is None or set(order) != set(self._columns):
                found = _Compiled(statement, None, ())
            else:
                columns = tuple(
                    (name, self._table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                    for name in order
                )
                found = _Compiled(statement, compiled.string, columns)
            self._compiled[dialect.name] = found
        return found
