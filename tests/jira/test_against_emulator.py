"""``JiraSource`` against the project's Jira emulator over loopback, in Cloud and Data Center
modes: full and incremental pages, census, faults, clamps and authentication."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.jira.config import JiraSourceConfig
from connectors.jira.emulator import Clock, Fault, JiraEmulator, generate_organisation
from connectors.jira.emulator.org import Organisation
from connectors.jira.source import JiraSource
from syncd.core.domain import Issue
from syncd.core.errors import PermanentSourceError

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PROJECTS = ["SHOP", "GROW", "MOB", "PLAT", "DATA"]
MODES = ["cloud", "dc"]


@pytest.fixture(scope="module")
def org() -> Organisation:
    """The demo organisation, small enough for a quick test."""
    return generate_organisation(400, seed=11, now=NOW)


@pytest.fixture(params=MODES)
def emulator(request: pytest.FixtureRequest, org: Organisation) -> Iterator[JiraEmulator]:
    """A serving emulator in each mode, with a Data Center page cap well below page_size."""
    emulator = JiraEmulator(
        org,
        request.param,
        user_timezone="America/Los_Angeles",
        dc_max_results=40,
        clock=Clock(NOW + timedelta(hours=1)),
    )
    with emulator.serve():
        yield emulator


def _source(emulator: JiraEmulator, sleeps: list[float], **settings: Any) -> JiraSource:
    data: dict[str, Any] = {
        "name": "acme",
        "url": emulator.url,
        "auth": {"method": "none"},
        "projects": PROJECTS,
        "page_size": 100,
        "concurrency": 3,
        "max_attempts": 5,
    }
    token = settings.pop("token", None)
    clock = settings.pop("clock", None)
    data.update(settings)
    secret = SecretStr(token) if token is not None else None
    config = JiraSourceConfig.model_validate(data)
    return JiraSource(config, secret, sleep=sleeps.append, clock=clock)


def _issues(source: JiraSource, since: datetime | None = None) -> dict[int, Issue]:
    found: dict[int, Issue] = {}
    for page in source.pages(since):
        assert page.rejected == ()
        found.update((issue.issue_id, issue) for issue in page.issues)
    return found


def test_a_full_sync_collects_exactly_the_emulators_issues(
    emulator: JiraEmulator, org: Organisation, sleeps: list[float]
) -> None:
    found = _issues(_source(emulator, sleeps))
    records = {record.id: record for record in org.issues}
    assert set(found) == set(records)
    for issue_id, issue in found.items():
        record = records[issue_id]
        parent = records.get(record.parent_id) if record.parent_id else None
        assert (issue.key, issue.project, issue.issue_type) == (
            record.key,
            record.project,
            record.issue_type,
        )
        assert issue.epic_key == (parent.key if parent and parent.issue_type == "Epic" else None)
        if record.issue_type == "Sub-task":
            assert issue.parent_key == (parent.key if parent else None)
        assert (issue.story_points, issue.team, issue.labels) == (
            record.story_points,
            record.team,
            record.labels,
        )
        assert issue.updated == datetime.fromtimestamp(record.updated_ms / 1000, UTC)
    assert sleeps == []


@pytest.mark.parametrize("zone", ["Etc/GMT+8", "Pacific/Kiritimati"])
def test_an_incremental_sync_misses_nothing_updated_since_in_the_users_zone(
    org: Organisation, sleeps: list[float], zone: str
) -> None:
    emulator = JiraEmulator(org, "cloud", user_timezone=zone, clock=Clock(NOW))
    since = NOW - timedelta(days=3)
    with emulator.serve():
        found = _issues(_source(emulator, sleeps), since)
    wanted = {r.id for r in org.issues if r.updated_ms >= since.timestamp() * 1000}
    assert wanted <= set(found)
    overlap_start = (since - timedelta(minutes=11)).timestamp() * 1000
    assert all(records_updated >= overlap_start for records_updated in _updated(org, found))


def _updated(org: Organisation, found: dict[int, Issue]) -> list[int]:
    return [r.updated_ms for r in org.issues if r.id in found]


def test_an_edit_after_the_watermark_is_picked_up(
    emulator: JiraEmulator, org: Organisation, sleeps: list[float]
) -> None:
    target = org.issues[5]
    emulator.edit(target.id, labels=("tech-debt",))
    found = _issues(_source(emulator, sleeps), NOW + timedelta(minutes=30))
    assert set(found) == {target.id}
    assert found[target.id].labels == ("tech-debt",)


def test_census_sees_deletions_and_reports_revoked_projects_as_lost(
    emulator: JiraEmulator, org: Organisation, sleeps: list[float]
) -> None:
    deleted = next(r for r in org.issues if r.project == "SHOP" and r.issue_type == "Bug")
    emulator.delete(deleted.id)
    emulator.revoke("DATA")
    census = _source(emulator, sleeps).census()
    assert census.lost == frozenset({"DATA"})
    assert census.complete
    assert set(census.ids) == {"SHOP", "GROW", "MOB", "PLAT"}
    assert deleted.id not in census.ids["SHOP"]
    for project, ids in census.ids.items():
        expected = {r.id for r in org.issues if r.project == project and r.id != deleted.id}
        assert ids == expected


def test_transient_faults_are_retried_and_nothing_is_lost(
    emulator: JiraEmulator, org: Organisation, sleeps: list[float]
) -> None:
    emulator.faults.script(
        "/search",
        [
            Fault.status(429, retry_after="2"),
            Fault.reset(),
            Fault.truncated_json(),
            Fault.status(503),
            Fault.retry_after_date(503, NOW + timedelta(hours=1, seconds=30)),
        ],
    )
    emulator.faults.random(rate=0.15, seed=5, kinds=("429", "500", "502", "reset", "truncated"))
    found = _issues(_source(emulator, sleeps, max_attempts=8))
    assert set(found) == {record.id for record in org.issues}
    assert 2.0 in sleeps
    assert len(sleeps) >= 5


def test_an_http_date_retry_after_is_waited_from_now(
    org: Organisation, sleeps: list[float]
) -> None:
    emulator = JiraEmulator(org, "cloud")
    moment = datetime(2025, 6, 1, 8, 0, 30, tzinfo=UTC)
    emulator.faults.script("/search/jql", [Fault.retry_after_date(429, moment)])
    with emulator.serve():
        source = _source(
            emulator, sleeps, projects=["SHOP"], clock=lambda: moment - timedelta(seconds=90)
        )
        _issues(source)
    assert sleeps == [90.0]


def test_a_data_center_short_page_is_not_the_end(org: Organisation, sleeps: list[float]) -> None:
    emulator = JiraEmulator(org, "dc", dc_max_results=20)
    emulator.faults.short_page(times=2, drop=3)
    with emulator.serve():
        found = _issues(_source(emulator, sleeps, projects=["SHOP"], concurrency=1))
    shop = [r for r in org.issues if r.project == "SHOP"]
    # paging went on past the short pages, from the first position each did not return
    assert set(found) == {r.id for r in shop}


def test_a_repeated_cloud_page_token_fails_the_run(org: Organisation, sleeps: list[float]) -> None:
    emulator = JiraEmulator(org, "cloud", cloud_max_results=20)
    emulator.faults.repeat_page_token(times=1)
    with emulator.serve(), pytest.raises(PermanentSourceError, match="repeated the page token"):
        _issues(_source(emulator, sleeps, projects=["SHOP"], page_size=20, ranges=1))


def test_a_wrong_token_is_a_permanent_error_that_does_not_show_the_token(
    org: Organisation, sleeps: list[float]
) -> None:
    emulator = JiraEmulator(org, "dc", required_token="right-token-123")
    with emulator.serve():
        with pytest.raises(PermanentSourceError, match="HTTP 401") as caught:
            _issues(_source(emulator, sleeps, auth={"method": "pat"}, token="wrong-token-456"))
        found = _issues(_source(emulator, sleeps, auth={"method": "pat"}, token="right-token-123"))
    assert "wrong-token-456" not in str(caught.value)
    assert set(found) == {record.id for record in org.issues}
    assert sleeps == []
