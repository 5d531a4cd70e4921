"""Custom field discovery by ``schema.custom`` and the JQL syncd sends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jira_support import CLOUD_FIELDS

from connectors.jira.config import JiraFieldOverrides
from connectors.jira.fields import BASE_FIELDS, FieldIds, discover_fields
from connectors.jira.jql import (
    Partition,
    census_partitions,
    check_jql,
    jql_datetime,
    sync_partitions,
)

FLOAT = "com.atlassian.jira.plugin.system.customfieldtypes:float"
SELECT = "com.atlassian.jira.plugin.system.customfieldtypes:select"


def _field(field_id: str, name: str, custom: str | None) -> dict[str, Any]:
    schema = {"type": "any", "custom": custom} if custom else {"type": "string"}
    return {"id": field_id, "name": name, "custom": bool(custom), "schema": schema}


DC_FIELDS = [
    _field("customfield_10106", "Story Points", FLOAT),
    _field("customfield_10105", "스프린트", "com.pyxis.greenhopper.jira:gh-sprint"),
    _field("customfield_10101", "Epic Link", "com.pyxis.greenhopper.jira:gh-epic-link"),
    _field("customfield_10110", "Team", SELECT),
    _field("customfield_10200", "Story Points", "com.example:text"),
]


def test_cloud_fields_are_found_by_schema_custom() -> None:
    assert discover_fields(CLOUD_FIELDS) == FieldIds(
        story_points="customfield_10016",
        sprint="customfield_10020",
        epic_link="customfield_10014",
        team="customfield_10001",
    )


def test_data_center_fields_fall_back_to_a_float_named_story_points_and_a_field_named_team() -> (
    None
):
    """A localised Sprint name does not matter; a text field named Story Points is ignored."""
    assert discover_fields(DC_FIELDS) == FieldIds(
        story_points="customfield_10106",
        sprint="customfield_10105",
        epic_link="customfield_10101",
        team="customfield_10110",
    )


def test_the_jsw_story_points_field_wins_over_a_float_named_story_points() -> None:
    fields = [
        _field("customfield_10026", "Story Points", FLOAT),
        _field("customfield_10038", "Schätzung", "com.pyxis.greenhopper.jira:jsw-story-points"),
    ]
    assert discover_fields(fields).story_points == "customfield_10038"


def test_configured_ids_override_discovery_and_extra_fields_are_requested() -> None:
    overrides = JiraFieldOverrides(
        story_points="customfield_99", team="customfield_77", extra={"okr": "customfield_55"}
    )
    found = discover_fields(CLOUD_FIELDS, overrides)
    assert found.story_points == "customfield_99"
    assert found.team == "customfield_77"
    assert found.sprint == "customfield_10020"
    assert found.requested() == (
        *BASE_FIELDS,
        "customfield_99",
        "customfield_10020",
        "customfield_10014",
        "customfield_77",
        "customfield_55",
    )


def test_an_instance_without_agile_fields_requests_only_system_fields() -> None:
    found = discover_fields([_field("summary", "Summary", None)])
    assert found == FieldIds()
    assert found.requested() == BASE_FIELDS
    assert "*all" not in found.requested()


# JQL

SINCE = datetime(2025, 1, 15, 3, 7, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "literal"),
    [
        ("America/Los_Angeles", '"2025/01/14 18:57"'),  # UTC-8 in January
        ("Pacific/Kiritimati", '"2025/01/15 16:57"'),  # UTC+14
        ("UTC", '"2025/01/15 02:57"'),
        ("Asia/Kolkata", '"2025/01/15 08:27"'),  # a half-hour offset
    ],
)
def test_the_lower_bound_is_since_minus_overlap_in_the_users_zone_floored(
    zone: str, literal: str
) -> None:
    (partition,) = sync_partitions(
        ["SHOP"], None, since=SINCE, overlap_minutes=10, zone=ZoneInfo(zone)
    )
    assert partition == Partition(
        "SHOP", f'project = "SHOP" AND updated >= {literal} ORDER BY created ASC, key ASC'
    )


def test_flooring_never_moves_the_bound_later() -> None:
    moment = datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=UTC)
    assert jql_datetime(moment, ZoneInfo("UTC")) == '"2025/06/30 23:59"'


def test_projects_and_jql_make_one_partition_per_project_with_the_jql_anded() -> None:
    partitions = sync_partitions(
        ["SHOP", "PLAT"],
        "labels = okr OR type = Bug",
        since=None,
        overlap_minutes=10,
        zone=ZoneInfo("UTC"),
    )
    assert partitions == (
        Partition(
            "SHOP",
            'project = "SHOP" AND (labels = okr OR type = Bug) ORDER BY created ASC, key ASC',
        ),
        Partition(
            "PLAT",
            'project = "PLAT" AND (labels = okr OR type = Bug) ORDER BY created ASC, key ASC',
        ),
    )


def test_a_jql_only_scope_is_one_partition_named_jql() -> None:
    (partition,) = sync_partitions(
        (), "filter = 10042", since=SINCE, overlap_minutes=5, zone=ZoneInfo("UTC")
    )
    assert partition.name == "jql"
    assert partition.jql == (
        '(filter = 10042) AND updated >= "2025/01/15 03:02" ORDER BY created ASC, key ASC'
    )


def test_no_query_has_an_upper_bound() -> None:
    for partition in sync_partitions(
        ["SHOP"], "type = Bug", since=SINCE, overlap_minutes=10, zone=ZoneInfo("UTC")
    ):
        assert "<" not in partition.jql
        assert "now()" not in partition.jql


def test_census_queries_sweep_the_whole_scope_by_key() -> None:
    assert census_partitions(["SHOP"], None) == (
        Partition("SHOP", 'project = "SHOP" ORDER BY key ASC'),
    )


@pytest.mark.parametrize("key", ['SHOP" OR project = "X', "shop", ""])
def test_invalid_project_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="invalid project key"):
        census_partitions([key], None)


def test_a_configured_jql_must_not_order_its_results() -> None:
    assert check_jql("project = SHOP order  by rank") is not None
    assert check_jql('summary ~ "order by"') is None
    assert check_jql("   ") is not None
