"""The emulator's Cloud answers, and the bodies syncd sends, validate against Atlassian's
published Jira Cloud platform OpenAPI document (the operations syncd uses, cut out by
``extract_subset.py``), with the document's two known gaps allowed: real Jira sends
``defaultLocale`` in ``serverInfo``, and ``null`` ends in changelog items."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

from connectors.jira.emulator import Clock, JiraEmulator, generate_organisation
from tests.jira.changelog_support import source_for

DOCUMENT = json.loads(
    Path(__file__).with_name("jira-platform-v3-subset.json").read_text(encoding="utf-8")
)
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
_CHANGE_ENDS = {"from", "to", "fromString", "toString"}


@pytest.fixture(scope="module")
def cloud() -> Iterator[tuple[JiraEmulator, str]]:
    """A Cloud emulator over an organisation with moves, reopenings and reassignments."""
    org = generate_organisation(600, seed=4, now=NOW)
    with JiraEmulator(org, "cloud", clock=Clock(NOW + timedelta(hours=1))) as emulator:
        yield emulator, emulator.url


def _schema(path: str, method: str, part: str = "response") -> dict[str, Any]:
    operation = DOCUMENT["paths"][path][method]
    holder = operation["requestBody"] if part == "request" else operation["responses"]["200"]
    schema = dict(next(iter(holder["content"].values()))["schema"])
    schema["components"] = DOCUMENT["components"]
    return schema


def _known_gap(error: ValidationError) -> bool:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return {k for k in error.instance if k not in allowed} <= {"defaultLocale"}
    # The document types changelog ends as non-nullable strings; Jira sends null.
    where = list(error.absolute_path)
    return error.instance is None and bool(where) and where[-1] in _CHANGE_ENDS


def violations(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Every violation of *schema* by *instance* that is not a known gap of the document."""
    errors = [e for e in OAS30Validator(schema).iter_errors(instance) if not _known_gap(e)]
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}" for e in errors]


def _moved_key(emulator: JiraEmulator) -> str:
    for history in emulator.state.org.histories.values():
        for entry in history:
            for item in entry.items:
                if item.kind == "key":
                    return str(item.before)  # the old key: Jira still finds the issue by it
    raise AssertionError("the organisation has no moved issue")


def _calls(emulator: JiraEmulator) -> list[tuple[str, str, str, dict[str, Any], Any]]:
    key = _moved_key(emulator)
    ids = [str(r.id) for r in emulator.state.org.issues[:200]]
    fields = "summary,status,issuetype,project,labels,parent,created,updated,assignee"
    return [
        ("GET", "/rest/api/3/serverInfo", "/rest/api/3/serverInfo", {}, None),
        ("GET", "/rest/api/3/myself", "/rest/api/3/myself", {}, None),
        ("GET", "/rest/api/3/field", "/rest/api/3/field", {}, None),
        ("GET", "/rest/api/3/status", "/rest/api/3/status", {}, None),
        (
            "GET",
            "/rest/api/3/search/jql",
            "/rest/api/3/search/jql",
            {"jql": "project = SHOP ORDER BY created ASC", "maxResults": 5, "fields": fields},
            None,
        ),
        (
            "POST",
            "/rest/api/3/search/jql",
            "/rest/api/3/search/jql",
            {},
            {"jql": "project = SHOP", "maxResults": 5, "fields": ["status"], "expand": "changelog"},
        ),
        (
            "GET",
            f"/rest/api/3/issue/{key}",
            "/rest/api/3/issue/{issueIdOrKey}",
            {"expand": "changelog"},
            None,
        ),
        (
            "GET",
            f"/rest/api/3/issue/{key}/changelog",
            "/rest/api/3/issue/{issueIdOrKey}/changelog",
            {"maxResults": 2},
            None,
        ),
        (
            "POST",
            "/rest/api/3/changelog/bulkfetch",
            "/rest/api/3/changelog/bulkfetch",
            {},
            {"issueIdsOrKeys": ids, "maxResults": 100},
        ),
        (
            "POST",
            "/rest/api/3/issue/bulkfetch",
            "/rest/api/3/issue/bulkfetch",
            {},
            {"issueIdsOrKeys": ids[:50], "fields": ["issuetype", "assignee"]},
        ),
    ]


def test_every_answer_syncd_reads_conforms_to_the_published_document(
    cloud: tuple[JiraEmulator, str],
) -> None:
    emulator, url = cloud
    found: dict[str, list[str]] = {}
    for method, path, template, params, body in _calls(emulator):
        answer = requests.request(method, url + path, params=params, json=body, timeout=30)
        assert answer.status_code == 200, f"{method} {path}: HTTP {answer.status_code}"
        found[f"{method} {template}"] = violations(answer.json(), _schema(template, method.lower()))
    assert found == {name: [] for name in found}


def test_bulk_fetch_pages_conform_and_the_bodies_syncd_sends_do_too(
    cloud: tuple[JiraEmulator, str],
) -> None:
    emulator, url = cloud
    emulator.reset_log()
    bulk = "/rest/api/3/changelog/bulkfetch"
    sent = [
        r.body
        for r in (list(source_for(emulator).pages(None)) and emulator.requests)
        if r.path == bulk
    ]
    assert sent
    assert [violations(body, _schema(bulk, "post", "request")) for body in sent] == [[]] * len(sent)
    ids = [str(r.id) for r in emulator.state.org.issues[:400]]
    token, pages = None, 0
    while True:
        body: dict[str, Any] = {"issueIdsOrKeys": ids, "maxResults": 50}
        if token:
            body["nextPageToken"] = token
        answer = requests.post(url + bulk, json=body, timeout=30).json()
        assert violations(answer, _schema(bulk, "post")) == []
        pages += 1
        token = answer.get("nextPageToken")
        if token is None:
            break
    assert pages > 1


def test_the_check_finds_a_violation_when_there_is_one() -> None:
    """The validation itself can fail: a changelog with a numeric history id violates it."""
    page = {"values": [{"id": 10001, "items": [{"field": "status", "from": 3}]}], "total": 1}
    found = violations(page, _schema("/rest/api/3/issue/{issueIdOrKey}/changelog", "get"))
    assert found == [
        "values/0/id: 10001 is not of type 'string'",
        "values/0/items/0/from: 3 is not of type 'string'",
    ]
