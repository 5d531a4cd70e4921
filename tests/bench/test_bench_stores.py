"""The benchmark's stores: each full sync starts from an empty store, and nothing stays."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from bench.stores import PostgresStore, SqliteStore, bench_store
from tests.conftest import POSTGRES_URL_TEMPLATE


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _create_table(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE leftover (id INTEGER)"))
    finally:
        engine.dispose()


def test_sqlite_reset_removes_the_file_and_its_log(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "syncd.db")
    _create_table(store.url)
    (tmp_path / "syncd.db-wal").write_bytes(b"log")

    store.reset()

    assert sorted(path.name for path in tmp_path.iterdir()) == []
    assert store.kind.startswith("SQLite ")


@pytest.mark.postgres
def test_postgres_reset_starts_an_empty_database_and_drop_removes_it(
    postgres_available: None,
) -> None:
    server = POSTGRES_URL_TEMPLATE.format(database="postgres")
    store = PostgresStore(server, name=f"syncd_bench_{uuid.uuid4().hex[:8]}")
    try:
        store.reset()
        _create_table(store.url)
        assert _tables(store.url) == ["leftover"]

        store.reset()
        assert _tables(store.url) == []
        assert store.kind.startswith("PostgreSQL ")
    finally:
        store.drop()

    engine = create_engine(server)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT count(*) FROM pg_database WHERE datname = :name"),
                {"name": store.name},
            ).scalar_one()
    finally:
        engine.dispose()
    assert found == 0


def test_a_store_url_that_is_not_postgresql_is_refused_without_repeating_it(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match="postgresql://") as refused:
        bench_store(tmp_path, "mysql://admin:s3cret@db/x")
    assert "s3cret" not in str(refused.value)
    assert isinstance(bench_store(tmp_path, None), SqliteStore)
