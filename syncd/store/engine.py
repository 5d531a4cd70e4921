"""Engines for the store: a SQLite file by default, PostgreSQL (psycopg 3) in production.

Every engine hides bound parameters (``hide_parameters=True``), so no value can reach a log
line or an error message through SQLAlchemy. JSON columns are written by ``json_text``, which
writes only standard JSON the store can read back (see ``syncd.core.storable``), and read by
``json_value``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from syncd.core.storable import storable_json

__all__ = [
    "SUPPORTED_STORE_URLS",
    "check_store_url",
    "create_store_engine",
    "display_url",
    "is_sqlite",
    "json_bytes",
    "json_text",
    "json_value",
]

SUPPORTED_STORE_URLS = ("sqlite:///PATH", "postgresql+psycopg://USER@HOST:PORT/DATABASE")
"""The stores syncd runs on: SQLite files (Python's own driver) and PostgreSQL (psycopg 3)."""
_SUPPORTED_DRIVERS = frozenset({("sqlite", "pysqlite"), ("postgresql", "psycopg")})

_SQLITE_BUSY_TIMEOUT_MS = 10_000
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword", "passfile"})


def display_url(url: str | URL) -> str:
    """Render *url* for messages: password and password-like query options removed."""
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k.lower() not in _SECRET_QUERY_KEYS}
    return parsed.set(password=None, query=query).render_as_string(hide_password=True)


def check_store_url(url: str) -> str | None:
    """Why *url* cannot name a store syncd runs on (``None`` when it can). The message never
    repeats the URL, which may hold a password."""
    try:
        parsed = make_url(url)
        backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    except (ArgumentError, ValueError):
        return f"not a database URL; expected {' or '.join(SUPPORTED_STORE_URLS)}"
    except Exception:
        return f"names a database SQLAlchemy does not know; use {' or '.join(SUPPORTED_STORE_URLS)}"
    if (backend, driver) not in _SUPPORTED_DRIVERS:
        hint = " (write postgresql+psycopg://)" if backend == "postgresql" else ""
        return (
            f"the driver {backend}+{driver} is not one syncd supports{hint}; "
            f"use {' or '.join(SUPPORTED_STORE_URLS)}"
        )
    return None


def is_sqlite(engine: Engine) -> bool:
    """True when *engine* talks to SQLite (one replica only, file lock as the writer lock)."""
    return engine.dialect.name == "sqlite"


def create_store_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """Create an engine for *url* with the store's settings for its backend.

    SQLite: WAL journal, foreign keys on, a busy timeout, usable across threads, and real
    ``BEGIN`` statements so a transaction covers its reads as well as its writes.
    PostgreSQL: connections are pinged before use, so a restarted server costs no failed run.
    """
    parsed = make_url(url)
    options: dict[str, Any] = {
        "hide_parameters": True,
        "echo": echo,
        "future": True,
        # Raw payloads are most of what a page writes and what re-deciding reads back.
        "json_serializer": json_text,
        "json_deserializer": json_value,
    }
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"check_same_thread": False}
        engine = create_engine(parsed, **options)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        options["pool_pre_ping"] = True
        options["connect_args"] = {"connect_timeout": 10, "application_name": "syncd"}
    return create_engine(parsed, **options)


def json_text(value: Any) -> str:
    """Standard JSON text for a JSON column, that ``json_value`` gives back (``json_bytes``
    decoded)."""
    return json_bytes(value).decode("utf-8")


def json_bytes(value: Any) -> bytes:
    """Standard JSON as UTF-8 bytes, that ``json_value`` gives back.

    orjson writes it (several times faster than the standard module). What it refuses (lone
    surrogates, integers past 64 bits) and text holding an escaped NUL, which PostgreSQL
    cannot read out of JSON, are written from ``storable_json(value)``: strings made storable,
    and ``UnstorableValue`` raised for an integer no JSON column gives back.
    """
    try:
        text = orjson.dumps(value, option=_JSON_OPTIONS)
    except orjson.JSONEncodeError:
        text = orjson.dumps(storable_json(value), option=_JSON_OPTIONS)
    else:
        if b"\\u0000" in text:
            text = orjson.dumps(storable_json(value), option=_JSON_OPTIONS)
    return text


def json_value(text: str | bytes) -> Any:
    """The value of a JSON column.

    Stores written before ``json_text`` made every value standard may hold ``Infinity``,
    ``NaN`` or an escaped lone surrogate, which orjson refuses: those are read by the standard
    module, so such a store stays readable.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, which would otherwise
        # start transactions only at the first write and commit DDL implicitly.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
