"""Fixtures for the Jira emulator tests: one seeded organisation, emulators over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from connectors.jira.emulator import JiraEmulator, Organisation, generate_organisation
from tests.emulator.emulator_support import NOW, serve


@pytest.fixture(scope="session")
def org() -> Organisation:
    """A 1,500-issue demo organisation, shared read-only by every test."""
    return generate_organisation(1500, seed=7, now=NOW)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A plain session: no retries, so every injected answer is seen as sent."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def cloud(org: Organisation) -> Iterator[tuple[JiraEmulator, str]]:
    """A Cloud-mode emulator with default limits."""
    yield from serve(org, "cloud")


@pytest.fixture
def dc(org: Organisation) -> Iterator[tuple[JiraEmulator, str]]:
    """A Data Center emulator whose page cap is 50, so paging takes several steps."""
    yield from serve(org, "dc", dc_max_results=50)
