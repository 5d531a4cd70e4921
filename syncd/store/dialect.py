"""One upsert code path for both backends: pick the dialect's ``INSERT … ON CONFLICT``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

__all__ = ["chunked", "insert_for", "upsert"]

_T = TypeVar("_T")


def insert_for(connection: Connection, table: Table) -> Any:
    """The dialect-specific insert construct for *table* (it has ``on_conflict_*`` methods)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(
        f"the store supports SQLite and PostgreSQL, not {connection.dialect.name}"
    )


def upsert(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    update: Sequence[str],
    where: Any = None,
) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET update = excluded.update [WHERE where]``.

    *where* may be a callable taking the statement's ``excluded`` namespace, so a guard can
    compare the incoming row with the stored one.
    """
    statement = insert_for(connection, table)
    guard = where(statement.excluded) if callable(where) else where
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys],
        set_={name: statement.excluded[name] for name in update},
        where=guard,
    )


def chunked(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """Split *items* into lists of at most *size*, keeping bound-parameter counts bounded."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
