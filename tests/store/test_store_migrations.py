"""Migrations produce exactly the declared schema, and a stale schema is refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from syncd.core.errors import StoreError
from syncd.store import (
    create_store_engine,
    current_revision,
    display_url,
    ensure_current,
    head_revision,
    metadata,
    migrate,
)


def test_migrations_produce_exactly_the_metadata(engine: Engine) -> None:
    """Autogenerate finds no difference between the migrated database and the metadata."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_the_head_revision_is_the_newest_migration() -> None:
    """``HEAD_REVISION`` (read without alembic at every start) is the head alembic finds among
    the migrations: a new migration must move it."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).with_name("migrations")))
    assert ScriptDirectory.from_config(config).get_heads() == [head_revision()]


def test_the_revision_read_without_alembic_is_alembics(engine: Engine) -> None:
    """``current_revision`` reads alembic's version table as alembic's own context does."""
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == (
            current_revision(engine),
        )


def test_upgrade_brings_the_store_to_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    ensure_current(engine, upgrade_if_behind=False)  # at head: nothing to say


def test_ensure_current_refuses_an_empty_store_with_the_command_to_run(database_url: str) -> None:
    """Without upgrade_if_behind, a store behind head is refused, naming both revisions."""
    engine = create_store_engine(database_url)
    try:
        with pytest.raises(StoreError) as raised:
            ensure_current(engine, upgrade_if_behind=False)
        message = str(raised.value)
        assert f"the store at {display_url(database_url)} is at revision none" in message
        assert f"this syncd needs {head_revision()}: run `syncd db upgrade`" in message
        assert current_revision(engine) is None
    finally:
        engine.dispose()


def test_ensure_current_upgrades_when_allowed(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        ensure_current(engine, upgrade_if_behind=True)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_ensure_current_refuses_a_revision_from_a_newer_syncd(engine: Engine) -> None:
    """A revision this syncd does not know is never "upgraded" over."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    with pytest.raises(StoreError, match="at revision f00dcafe, which this syncd does not know"):
        ensure_current(engine, upgrade_if_behind=True)


def test_display_url_drops_the_password() -> None:
    shown = display_url("postgresql+psycopg://syncd:s3cret@db:5432/syncd?password=s3cret")
    assert "s3cret" not in shown
    assert shown.startswith("postgresql+psycopg://syncd")
    assert shown.endswith("@db:5432/syncd")


def test_an_unreachable_store_is_reported_without_its_password() -> None:
    engine = create_store_engine("postgresql+psycopg://syncd:s3cret@127.0.0.1:1/syncd")
    with pytest.raises(StoreError, match="cannot reach the store") as raised:
        current_revision(engine)
    assert "s3cret" not in str(raised.value)
