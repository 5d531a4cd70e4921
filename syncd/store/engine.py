"""Engines for the store: a SQLite file by default, PostgreSQL (psycopg 3) in production.

Every engine hides bound parameters (``hide_parameters=True``), so no value can reach a log
line or an error message through SQLAlchemy.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

__all__ = ["create_store_engine", "display_url", "is_sqlite"]

_SQLITE_BUSY_TIMEOUT_MS = 10_000
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword", "passfile"})


def display_url(url: str | URL) -> str:
    """Render *url* for messages: password and password-like query options removed."""
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k.lower() not in _SECRET_QUERY_KEYS}
    return parsed.set(password=None, query=query).render_as_string(hide_password=True)


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
        "json_deserializer": orjson.loads,
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
    """JSON text for a JSON column: orjson (several times faster), else the standard module.

    The standard module is the fallback for what orjson refuses (integers past 64 bits).
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value)


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
