"""Where syncd stores during a benchmark: a SQLite file, or a PostgreSQL database of its own.

``reset`` empties the store before every full sync; ``drop`` removes it when the benchmark
ends. The PostgreSQL store is a database the benchmark creates on the server it is given
(``syncd_bench``) and drops afterwards, so no existing database is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, make_url, text

__all__ = ["BenchStore", "PostgresStore", "SqliteStore", "bench_store"]


class BenchStore(Protocol):
    """A store the benchmark can empty and remove."""

    @property
    def url(self) -> str:
        """The store URL syncd's configuration gets."""
        ...

    @property
    def kind(self) -> str:
        """The store's name and version, for the results' header."""
        ...

    def reset(self) -> None:
        """Empty the store: the next sync starts from nothing."""
        ...

    def drop(self) -> None:
        """Remove the store."""
        ...


@dataclass(frozen=True)
class SqliteStore:
    """A SQLite file (with its write-ahead log) in the benchmark's working folder."""

    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def kind(self) -> str:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (WAL)"

    def reset(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)

    def drop(self) -> None:
        self.reset()


@dataclass(frozen=True)
class PostgresStore:
    """Database ``name`` on the PostgreSQL server that *server_url* reaches."""

    server_url: str
    name: str = "syncd_bench"

    @property
    def url(self) -> str:
        store = make_url(self.server_url).set(database=self.name)
        return store.render_as_string(hide_password=False)

    @property
    def kind(self) -> str:
        engine = create_engine(self.server_url)
        try:
            with engine.connect() as connection:
                version = connection.execute(text("SHOW server_version")).scalar_one()
        finally:
            engine.dispose()
        return f"PostgreSQL {str(version).split()[0]}"

    def reset(self) -> None:
        self._administer(
            f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"'
        )

    def drop(self) -> None:
        self._administer(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _administer(self, *statements: str) -> None:
        # CREATE and DROP DATABASE cannot run inside a transaction.
        engine = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            engine.dispose()


def bench_store(workdir: Path, postgres: str | None) -> BenchStore:
    """PostgreSQL on the server *postgres* reaches when given, else SQLite in *workdir*."""
    if postgres is None:
        return SqliteStore(workdir / "syncd.db")
    if make_url(postgres).get_backend_name() != "postgresql":
        # The URL may hold a password: it is not repeated.
        raise ValueError("--postgres needs a postgresql:// URL")
    return PostgresStore(postgres)
