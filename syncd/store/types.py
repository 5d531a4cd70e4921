"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from syncd.core.domain import ensure_utc
from syncd.core.storable import storable_text

__all__ = ["StorableString", "StorableText", "UtcDateTime", "stored_text"]


class StorableString(TypeDecorator[str]):
    """``String`` whose values are made storable on the way in: NUL and lone surrogates
    become U+FFFD (see ``syncd.core.storable``), on both backends alike."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """The value with what no backend can hold replaced."""
        return None if value is None else storable_text(value)


class StorableText(StorableString):
    """``Text`` made storable on the way in, as ``StorableString``."""

    impl = Text
    cache_ok = True


def stored_text(value: datetime) -> str:
    """*value* (aware) as SQLite stores it: naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``,
    exactly what SQLAlchemy's SQLite ``DATETIME`` stores."""
    if value.tzinfo is not UTC:  # parsed times are UTC already: skip the conversion
        value = ensure_utc(value)
    return value.isoformat(" ", "microseconds")[:-6]  # without "+00:00"


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC ``datetime``.

    Naive values are refused on the way in. SQLite keeps no offset, so values are stored as
    naive UTC there; its fixed-width text form then still sorts and compares in time order,
    which the upsert freshness guard relies on.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC; strip the offset only where the backend cannot keep it."""
        if value is None:
            return None
        moment = ensure_utc(value)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, one step to the stored text (the sync binds several per issue).

        The text is exactly what SQLAlchemy's SQLite ``DATETIME`` stores
        (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC); other backends keep the generic path.
        """
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            return None if value is None else stored_text(value)

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the driver handed back."""
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - drivers return datetimes
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
