"""JQL over loopback: date literals in the user's zone to the minute, epoch milliseconds,
boolean structure and ordering, and Jira's 400 answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from connectors.jira.emulator import Organisation
from connectors.jira.emulator.catalog import STATUSES
from connectors.jira.emulator.records import to_ms
from tests.emulator.emulator_support import NOW, running


def _keys(http: requests.Session, url: str, jql: str) -> list[str]:
    answer = http.get(
        f"{url}/rest/api/2/search", params={"jql": jql, "fields": "id", "maxResults": 1000}
    )
    assert answer.status_code == 200, answer.text
    return [issue["key"] for issue in answer.json()["issues"]]


@pytest.mark.parametrize(
    ("zone", "local_minute"),
    [("America/Los_Angeles", "2026/11/20 06:05"), ("Pacific/Kiritimati", "2026-11-21 04:05")],
)
def test_date_literals_are_read_in_the_user_zone_to_the_minute(
    org: Organisation, http: requests.Session, zone: str, local_minute: str
) -> None:
    """NOW is 14:05:30 UTC: 06:05 in Los Angeles (UTC-8), 04:05 next day on Kiritimati (+14)."""
    with running(org, "dc", user_timezone=zone) as (emulator, url):
        issue = org.issues[40]
        emulator.edit(issue.id, summary="touched")  # updated := NOW, 30 s into the minute
        following = local_minute[:-1] + "6"
        assert _keys(http, url, f'key = {issue.key} AND updated >= "{local_minute}"') == [issue.key]
        assert _keys(http, url, f'key = {issue.key} AND updated >= "{following}"') == []
        assert _keys(http, url, f'key = {issue.key} AND updated < "{local_minute}"') == []
        assert http.get(f"{url}/rest/api/2/myself").json()["timeZone"] == zone


def test_epoch_millisecond_literals_compare_exactly(
    org: Organisation, http: requests.Session
) -> None:
    with running(org, "dc") as (emulator, url):
        issue = org.issues[7]
        emulator.edit(issue.id, summary="touched")
        at = to_ms(NOW)
        assert _keys(http, url, f"key = {issue.key} AND updated >= {at}") == [issue.key]
        assert _keys(http, url, f"key = {issue.key} AND updated > {at}") == []


def test_date_only_and_relative_literals(org: Organisation, http: requests.Session) -> None:
    with running(org, "dc", dc_max_results=5000) as (_emulator, url):
        day = datetime(2026, 11, 1, tzinfo=UTC)
        expected = {i.key for i in org.issues if i.created_ms >= to_ms(day)}
        assert set(_keys(http, url, 'created >= "2026-11-01"')) == expected
        week = {i.key for i in org.issues if i.updated_ms >= to_ms(NOW) - 7 * 86_400_000}
        assert set(_keys(http, url, "updated >= -1w")) == week


def test_boolean_structure_and_order_by_match_a_direct_computation(
    org: Organisation, http: requests.Session
) -> None:
    with running(org, "dc", dc_max_results=5000) as (_emulator, url):
        jql = (
            "(project = SHOP OR project in (GROW)) AND NOT statusCategory = Done "
            'AND labels in ("tech-debt", feature) ORDER BY updated DESC, key ASC'
        )
        matching = [
            i
            for i in org.issues
            if i.project in ("SHOP", "GROW")
            and STATUSES[i.status].category != "done"
            and {"tech-debt", "feature"} & set(i.labels)
        ]
        matching.sort(key=lambda i: (-i.updated_ms, i.project, i.number))
        assert _keys(http, url, jql) == [i.key for i in matching]


def test_negations_and_emptiness_follow_jira(org: Organisation, http: requests.Session) -> None:
    with running(org, "dc", dc_max_results=5000) as (_emulator, url):
        not_feature = {
            i.key
            for i in org.issues
            if i.project == "MOB" and i.labels and "feature" not in i.labels
        }
        assert set(_keys(http, url, "project = MOB AND labels != feature")) == not_feature
        unlabelled = {i.key for i in org.issues if i.project == "MOB" and not i.labels}
        assert set(_keys(http, url, "project = MOB AND labels is EMPTY")) == unlabelled
        open_ = {i.key for i in org.issues if i.project == "MOB" and i.resolved_ms is None}
        assert set(_keys(http, url, "project = MOB AND resolved IS EMPTY")) == open_


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = SHOP AND", "Error in the JQL Query: Expecting a field name but got end"),
        ("project SHOP", "Error in the JQL Query: Expecting operator but got 'SHOP'"),
        ('summary ~ "x"', "Field 'summary' does not exist"),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ('updated >= "2026/13/40"', "Date value '2026/13/40' for field 'updated' is invalid"),
        ("project = SHOP ORDER BY rank", "Not able to sort using field 'rank'."),
        ("labels > x", "The operator '>' is not supported by the 'labels' field."),
    ],
)
def test_bad_jql_gets_400_with_a_jira_message(
    cloud: tuple[object, str], http: requests.Session, jql: str, message: str
) -> None:
    _emulator, url = cloud
    answer = http.get(f"{url}/rest/api/3/search/jql", params={"jql": jql})
    assert answer.status_code == 400
    body = answer.json()
    assert body["errors"] == {}
    assert body["errorMessages"][0].startswith(message)
