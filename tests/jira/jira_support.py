"""Helpers for the Jira connector's unit tests: a configuration builder, issue payloads and
the bootstrap answers (serverInfo, myself, field) of a healthy mocked instance."""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from pydantic import SecretStr

from connectors.jira.config import JiraSourceConfig
from connectors.jira.source import JiraSource

BASE = "https://jira.test"
API = f"{BASE}/rest/api/2"
TOKEN = "tok-SECRET-8c1f27d9"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

CLOUD_FIELDS: list[dict[str, Any]] = [
    {
        "id": "summary",
        "name": "Summary",
        "custom": False,
        "clauseNames": ["summary"],
        "schema": {"type": "string", "system": "summary"},
    },
    {
        "id": "customfield_10016",
        "name": "Story point estimate",
        "custom": True,
        "clauseNames": ["cf[10016]", "Story point estimate"],
        "schema": {
            "type": "number",
            "custom": "com.pyxis.greenhopper.jira:jsw-story-points",
            "customId": 10016,
        },
    },
    {
        "id": "customfield_10020",
        "name": "Sprint",
        "custom": True,
        "clauseNames": ["cf[10020]", "Sprint"],
        "schema": {
            "type": "array",
            "items": "json",
            "custom": "com.pyxis.greenhopper.jira:gh-sprint",
            "customId": 10020,
        },
    },
    {
        "id": "customfield_10014",
        "name": "Epic Link",
        "custom": True,
        "clauseNames": ["cf[10014]", "Epic Link"],
        "schema": {
            "type": "any",
            "custom": "com.pyxis.greenhopper.jira:gh-epic-link",
            "customId": 10014,
        },
    },
    {
        "id": "customfield_10001",
        "name": "Team",
        "custom": True,
        "clauseNames": ["cf[10001]", "Team"],
        "schema": {
            "type": "team",
            "custom": "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team",
            "customId": 10001,
        },
    },
]


NO_HISTORY: dict[str, Any] = {"startAt": 0, "maxResults": 0, "total": 0, "histories": []}
STATUSES: list[dict[str, Any]] = [
    {"id": "10000", "name": "To Do", "statusCategory": {"id": 2, "key": "new"}},
    {"id": "3", "name": "In Progress", "statusCategory": {"id": 4, "key": "indeterminate"}},
    {"id": "10003", "name": "Done", "statusCategory": {"id": 3, "key": "done"}},
]


def make_config(**overrides: Any) -> JiraSourceConfig:
    """A valid source configuration pointing at the mocked instance."""
    data: dict[str, Any] = {
        "name": "acme",
        "url": BASE,
        "auth": {"method": "cloud_token", "user": "bot@acme.test"},
        "projects": ["SHOP"],
        "max_attempts": 4,
        "max_retry_seconds": 300,
        # One query per partition: the scripted answers are those of one walk, no probe.
        "ranges": 1,
    }
    data.update(overrides)
    return JiraSourceConfig.model_validate(data)


def bootstrap(
    mock: responses.RequestsMock,
    *,
    deployment: str = "Cloud",
    time_zone: str = "Europe/Berlin",
    fields: list[dict[str, Any]] | None = None,
) -> None:
    """Answer serverInfo, myself, field and status like a healthy instance, and every
    history (Cloud's bulk fetch, Data Center's issue with its changelog) as empty."""
    mock.get(
        f"{API}/serverInfo",
        json={"versionNumbers": [1001, 0, 0], "deploymentType": deployment, "baseUrl": BASE},
    )
    mock.get(f"{API}/myself", json={"accountId": "1", "timeZone": time_zone})
    mock.get(f"{API}/field", json=CLOUD_FIELDS if fields is None else fields)
    mock.get(f"{API}/status", json=STATUSES)
    mock.post(f"{BASE}/rest/api/3/changelog/bulkfetch", json={"issueChangeLogs": []})
    mock.get(re.compile(rf"{API}/issue/\d+"), json={"changelog": NO_HISTORY})


def build_source(
    config: JiraSourceConfig,
    sleep: Callable[[float], None],
    **kwargs: Any,
) -> JiraSource:
    """A source with the test token, a recording sleep, a fixed clock and seeded jitter."""
    kwargs.setdefault("clock", lambda: NOW)
    kwargs.setdefault("rng", random.Random(7))
    kwargs.setdefault("stop_event", threading.Event())
    return JiraSource(config, SecretStr(TOKEN), sleep=sleep, **kwargs)


def query(request: Any) -> dict[str, list[str]]:
    """The query string of a recorded request, as lists of values."""
    return parse_qs(urlsplit(request.url).query)


def issue(number: int, project: str = "SHOP", **fields: Any) -> dict[str, Any]:
    """A minimal well-formed issue payload."""
    base: dict[str, Any] = {
        "summary": f"Issue {number}",
        "issuetype": {"name": "Story", "hierarchyLevel": 0},
        "project": {"key": project},
        "status": {"name": "To Do", "statusCategory": {"key": "new"}},
        "created": "2025-01-10T08:00:00.000+0000",
        "updated": "2025-03-01T10:15:30.123+0000",
    }
    base.update(fields)
    return {"id": str(10000 + number), "key": f"{project}-{number}", "fields": base}


def body(request: Any) -> Any:
    """The JSON body of a recorded request."""
    return json.loads(request.body)
