"""Shared fixtures: real databases, never mocked sessions, and the Jira emulator.

``database_url`` is parametrised over a SQLite file and a fresh PostgreSQL database on
127.0.0.1:5432 (user ``postgres``). PostgreSQL is mandatory when ``CI=true``: an unreachable
server fails the run there, and skips those cases with a visible reason elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.jira.emulator import JiraEmulator, generate_organisation

POSTGRES_ADMIN_DSN = os.environ.get(
    "SYNCD_TEST_POSTGRES_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
POSTGRES_URL_TEMPLATE = os.environ.get(
    "SYNCD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
)


def _postgres_unavailable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_ADMIN_DSN!r} is unreachable: {error}"


@pytest.fixture(scope="session")
def postgres_available() -> None:
    """Skip (or, in CI, fail) when the PostgreSQL server cannot be reached."""
    reason = _postgres_unavailable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests are mandatory in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres_url(postgres_available: None) -> Iterator[str]:
    """A URL to a new, empty PostgreSQL database, dropped after the test."""
    import psycopg

    database = f"syncd_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        yield POSTGRES_URL_TEMPLATE.format(database=database)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL to a new SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'syncd.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def emulator() -> Iterator[JiraEmulator]:
    """A small Cloud organisation (150 issues, the newest an hour old) served over loopback."""
    org = generate_organisation(issues=150, seed=9, now=datetime.now(UTC) - timedelta(hours=1))
    with JiraEmulator(org, "cloud") as running:
        yield running
