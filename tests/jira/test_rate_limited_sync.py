"""A sync at ``concurrency: 8`` against the emulator's rate limit: every issue arrives, and
the adaptive limit keeps the share of requests refused with 429 bounded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from structlog.testing import capture_logs

from connectors.jira.config import JiraSourceConfig
from connectors.jira.emulator import JiraEmulator, generate_organisation
from connectors.jira.source import JiraSource

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PROJECTS = ["SHOP", "GROW", "MOB", "PLAT", "DATA"]
_RATE = 10.0


@pytest.fixture
def limited() -> Iterator[JiraEmulator]:
    """A Cloud emulator answering 429 beyond ten requests a second (a bucket of ten)."""
    emulator = JiraEmulator(generate_organisation(300, seed=5, now=NOW), "cloud")
    emulator.faults.rate_limit(capacity=int(_RATE), per_second=_RATE)
    with emulator.serve():
        yield emulator


def test_a_rate_limited_sync_gets_every_issue_with_few_refusals(limited: JiraEmulator) -> None:
    """Every issue arrives once; the limit came down when Jira refused; fewer than a third
    of the requests were refused (a fixed pool of eight sends most of its requests into
    the refusal: ``python -m bench.rate_limit``)."""
    config = JiraSourceConfig.model_validate(
        {
            "name": "acme",
            "url": limited.url,
            "auth": {"method": "none"},
            "projects": PROJECTS,
            "page_size": 20,
            "concurrency": 8,
            "max_attempts": 10,
        }
    )
    with capture_logs() as logs:
        pages = list(JiraSource(config, None).pages(None))

    got = [issue.issue_id for page in pages for issue in page.issues]
    assert sorted(got) == sorted(record.id for record in limited.state.org.issues)
    statuses = [request.status for request in limited.requests]
    assert set(statuses) <= {200, 429}
    assert 429 in statuses, "the rate limit was never reached: the test proves nothing"
    assert statuses.count(429) < len(statuses) / 3
    assert any(entry["event"] == "http_concurrency_decreased" for entry in logs)
