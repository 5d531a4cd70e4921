"""Fixtures for the Jira connector's unit tests: a recording sleep and a strict HTTP mock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses


class Sleeps(list[float]):
    """Records every wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """A sleep that records durations and returns at once."""
    return Sleeps()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """A ``responses`` mock; a request nobody registered fails with ConnectionError."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
