"""Helpers shared by the emulator tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import requests

from connectors.jira.emulator import Clock, JiraEmulator, Organisation

NOW = datetime(2026, 11, 20, 14, 5, 30, tzinfo=UTC)


def serve(org: Organisation, mode: str, **options: object) -> Iterator[tuple[JiraEmulator, str]]:
    """Serve *org* with a clock pinned at NOW; yield the emulator and its URL."""
    emulator = JiraEmulator(org, mode, clock=Clock(NOW), **options)  # type: ignore[arg-type]
    with emulator.serve() as url:
        yield emulator, url


def cloud_sweep(
    http: requests.Session, url: str, jql: str, fields: str = "*all", max_results: int = 100
) -> list[dict[str, object]]:
    """Follow nextPageToken until the last page; fail on a repeated token."""
    issues: list[dict[str, object]] = []
    seen_tokens: set[str] = set()
    params: dict[str, object] = {"jql": jql, "fields": fields, "maxResults": max_results}
    while True:
        page = http.get(f"{url}/rest/api/3/search/jql", params=params).json()
        issues.extend(page["issues"])
        token = page.get("nextPageToken")
        if token is None:
            assert page["isLast"] is True
            return issues
        assert page["isLast"] is False
        assert token not in seen_tokens
        seen_tokens.add(token)
        params["nextPageToken"] = token


running = contextmanager(serve)
"""``with running(org, "dc", ...) as (emulator, url):`` — :func:`serve` as a context manager."""
