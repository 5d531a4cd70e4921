"""A store changed by hand (two rows in ``alembic_version``, a dropped column or table) is
refused with exit code 2 and a message that says what is wrong and what to do, never a
traceback; the same when the damage happens under a running command."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import Outcome, run_cli, write_config
from sqlalchemy import text

from syncd.core.errors import StoreSchemaError
from syncd.service.config import load_config
from syncd.service.wiring import open_store
from syncd.store import create_store_engine, display_url, head_revision, upgrade

_ADVICE = "run `syncd db upgrade`, or restore the store from a backup"


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> str:
    engine = create_store_engine(database_url)
    upgrade(engine)
    engine.dispose()
    return str(write_config(tmp_path, database_url))


def _damage(database_url: str, *statements: str) -> None:
    engine = create_store_engine(database_url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _refused(outcome: Outcome) -> str:
    assert outcome.code == 2, outcome
    assert "Traceback" not in outcome.err + outcome.out
    (line,) = [line for line in outcome.err.splitlines() if line.startswith("syncd:")]
    return line


def test_two_revisions_in_the_version_table_are_refused_with_exit_2(
    config: str, database_url: str
) -> None:
    """``status`` and ``sync`` name both revisions and what to do."""
    _damage(database_url, "INSERT INTO alembic_version (version_num) VALUES ('0001')")
    expected = (
        f"syncd: the store's schema at {display_url(database_url)} is not what syncd expects: "
        f"alembic_version holds 2 revisions (0001, {head_revision()}), one expected; {_ADVICE}"
    )

    for command in (("status",), ("sync", "--once"), ("db", "upgrade")):
        assert _refused(run_cli(*command, "--config", config)) == expected


def test_a_dropped_column_and_table_are_named_with_exit_2(config: str, database_url: str) -> None:
    """Every missing column and table is listed, at start of any command that opens it."""
    _damage(
        database_url,
        "ALTER TABLE issues DROP COLUMN summary",
        "DROP TABLE agreements",
    )
    expected = (
        f"syncd: the store's schema at {display_url(database_url)} is not what syncd expects: "
        f"table agreements is missing; column issues.summary is missing; {_ADVICE}"
    )

    for command in (("status",), ("sync", "--once"), ("refresh",), ("explain", "SHOP-1")):
        assert _refused(run_cli(*command, "--config", config)) == expected


def test_a_column_dropped_under_a_running_store_is_named_with_exit_2(
    config: str, database_url: str
) -> None:
    """Damage after the start-up check: the failing statement names the missing column."""
    store = open_store(load_config(Path(config)))
    _damage(database_url, "ALTER TABLE sync_runs DROP COLUMN error")

    with pytest.raises(StoreSchemaError) as raised:
        store.begin_run("acme", "full")

    message = str(raised.value)
    assert message.startswith(f"the store's schema at {display_url(database_url)} is not what")
    assert "error" in message
    assert message.endswith(f"(while trying to begin a sync run); {_ADVICE}")
