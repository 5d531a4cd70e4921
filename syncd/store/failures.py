"""What a failed store operation is called: every database failure becomes a ``StoreError``.

Failures come from SQLAlchemy, from the driver itself (the PostgreSQL ``COPY`` of the page
writer talks to psycopg directly) and from a value no JSON column can hold. A missing table or
column is a ``StoreSchemaError``: the schema was changed by hand, and retrying cannot help.
Messages name the operation and the store (password removed), never a bound value.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from syncd.core.errors import StoreError, StoreSchemaError
from syncd.core.storable import UnstorableValue
from syncd.store.engine import display_url

__all__ = ["SCHEMA_ADVICE", "schema_error", "translated"]

SCHEMA_ADVICE: Final = "run `syncd db upgrade`, or restore the store from a backup"
# PostgreSQL's undefined_column and undefined_table; SQLite says it in words.
_MISSING_SQLSTATES: Final = frozenset({"42703", "42P01"})
_MISSING_SQLITE: Final = ("no such column", "no such table", "has no column named")


def schema_error(engine: Engine, problems: str) -> StoreSchemaError:
    """The error for a store whose schema has *problems*, with what to do about it."""
    return StoreSchemaError(
        f"the store's schema at {display_url(engine.url)} is not what syncd expects: "
        f"{problems}; {SCHEMA_ADVICE}"
    )


@contextmanager
def translated(engine: Engine, action: str) -> Iterator[None]:
    """Turn a database failure inside the block into a ``StoreError`` about *action*."""
    driver_error = getattr(engine.dialect.loaded_dbapi, "Error", SQLAlchemyError)
    try:
        yield
    except (SQLAlchemyError, driver_error, UnstorableValue) as error:
        original = getattr(error, "orig", None) or error
        first = (str(original).strip().splitlines() or [""])[0]
        if _is_missing_schema(original, first):
            raise schema_error(engine, f"{first} (while trying to {action})") from error
        raise StoreError(
            f"cannot {action} in the store at {display_url(engine.url)}: "
            f"{type(original).__name__}: {first}"
        ) from error


def _is_missing_schema(original: BaseException, first: str) -> bool:
    if getattr(original, "sqlstate", None) in _MISSING_SQLSTATES:
        return True
    return type(original).__module__ == "sqlite3" and any(m in first for m in _MISSING_SQLITE)
