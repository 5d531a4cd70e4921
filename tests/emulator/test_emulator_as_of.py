"""The emulator at a past moment serves every issue as it stood then: what a sync reads at
that moment equals the present issue with every later change undone (``issue_as_of``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.jira.emulator import Clock, JiraEmulator, generate_organisation
from syncd.analytics.history import issue_as_of
from syncd.core.domain import FieldChange, Issue
from tests.jira.changelog_support import comparable, source_for, synced

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
START = datetime(2025, 10, 1, tzinfo=UTC)  # the organisation's first creation time
FIELDS = (
    "status",
    "status_category",
    "resolved",
    "assignee",
    "project",
    "key",
    "parent_key",
    "epic_key",
    "team",
)


@dataclass
class Present:
    """An emulator, and what a sync read from it at the present."""

    emulator: JiraEmulator
    issues: dict[int, Issue]
    changes: dict[int, list[FieldChange]]


@pytest.fixture(scope="module", params=["cloud", "dc"])
def present(request: pytest.FixtureRequest) -> Iterator[Present]:
    """A 400-issue organisation in each mode, synced once at the present."""
    org = generate_organisation(400, seed=5, now=NOW)
    emulator = JiraEmulator(org, request.param, clock=Clock(NOW + timedelta(hours=1)))
    with emulator:
        issues, changes = synced(source_for(emulator).pages(None))
        yield Present(emulator, issues, changes)


def _fields(issue: Issue) -> tuple[object, ...]:
    return tuple(getattr(issue, name) for name in FIELDS)


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    moment=st.datetimes(
        min_value=START.replace(tzinfo=None), max_value=NOW.replace(tzinfo=None)
    ).map(lambda naive: naive.replace(microsecond=0, tzinfo=UTC))
)
def test_a_sync_at_a_past_moment_reads_the_present_with_later_changes_undone(
    present: Present, moment: datetime
) -> None:
    emulator = present.emulator
    emulator.clock.set(moment)
    try:
        then, changes_then = synced(source_for(emulator).pages(None))
    finally:
        emulator.clock.set(NOW + timedelta(hours=1))

    rebuilt = {
        issue_id: issue_as_of(issue, present.changes.get(issue_id, ()), moment)
        for issue_id, issue in present.issues.items()
    }
    existing = {i: issue for i, issue in rebuilt.items() if issue is not None}
    assert set(then) == set(existing)
    assert {i: _fields(issue) for i, issue in then.items()} == {
        i: _fields(issue) for i, issue in existing.items()
    }
    assert {i: comparable(changes_then.get(i, ())) for i in then} == {
        i: comparable(c for c in present.changes.get(i, ()) if c.changed_at <= moment) for i in then
    }


def test_the_organisation_holds_every_kind_of_past_worth_rebuilding(present: Present) -> None:
    """The property above is only as good as the histories it rebuilds through."""
    kinds = {change.field.value for found in present.changes.values() for change in found}
    assert kinds == {
        "status",
        "status_category",
        "resolution",
        "assignee",
        "parent",
        "epic",
        "team",
        "project",
        "key",
    } - ({"parent"} if present.emulator.mode != "cloud" else set())
