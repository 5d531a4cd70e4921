"""Store fixtures: a migrated store on each backend (SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from store_builders import FixedClock

from syncd.store import Store, create_store_engine, upgrade


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated store on the backend under test."""
    created = create_store_engine(database_url)
    upgrade(created)
    yield created
    created.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def store(engine: Engine, clock: FixedClock) -> Store:
    return Store(engine, clock=clock)
