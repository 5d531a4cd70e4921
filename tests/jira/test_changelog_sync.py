"""Histories synced from the emulator over loopback: exact, batched, paged, never trusted when
truncated, and readable for issues stored before histories were kept."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connectors.jira.emulator import Clock, JiraEmulator, generate_organisation
from connectors.jira.emulator.faults import Fault
from connectors.jira.emulator.org import Organisation
from syncd.core.domain import Page
from syncd.core.errors import PermanentSourceError
from tests.jira.changelog_support import (
    comparable,
    expected_changes,
    identity,
    source_for,
    synced,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def org() -> Organisation:
    """1,500 issues: more than a thousand in one query when every project is asked at once."""
    return generate_organisation(1500, seed=11, now=NOW)


def _emulator(org: Organisation, mode: str, **options: object) -> JiraEmulator:
    return JiraEmulator(org, mode, clock=Clock(NOW + timedelta(hours=1)), **options)  # type: ignore[arg-type]


@pytest.fixture(params=["cloud", "dc"])
def emulator(request: pytest.FixtureRequest, org: Organisation) -> Iterator[JiraEmulator]:
    """Each mode; Data Center shows only an issue's latest two histories inline."""
    with _emulator(org, request.param, dc_inline_changelog=2) as running:
        yield running


def test_a_full_sync_carries_exactly_the_emulators_histories(emulator: JiraEmulator) -> None:
    issues, changes = synced(source_for(emulator).pages(None))

    expected = expected_changes(emulator)
    assert set(issues) == set(expected)
    assert {i: comparable(changes.get(i, ())) for i in issues} == expected
    records = {r.id: r for r in (emulator.state.get(i) for i in issues) if r is not None}
    assert {i: issue.assignee for i, issue in issues.items()} == {
        i: identity(record, emulator) for i, record in records.items()
    }
    moved = [c for found in changes.values() for c in found if c.field.value == "key"]
    assert moved, "the organisation holds issues moved between projects"
    assert not [i for i in issues.values() if "changelog" in i.raw], "kept once, as changes"


def test_dc_reads_a_truncated_inline_history_whole_from_the_issue(org: Organisation) -> None:
    with _emulator(org, "dc", dc_inline_changelog=2) as emulator:
        issues, changes = synced(source_for(emulator).pages(None))
        expected = expected_changes(emulator)
        long = {i for i in issues if len(emulator.state.history(i)) > 2}
    fetched = {int(r.path.rsplit("/", 1)[1]) for r in emulator.requests if "/issue/" in r.path}
    assert long
    assert fetched == long
    assert all(comparable(changes.get(i, ())) == expected[i] for i in long)


@pytest.mark.parametrize(("batch", "pages_a_request"), [(1000, 5), (250, 2), (100, 1)])
def test_cloud_bulk_fetches_consecutive_pages_histories_together_and_follows_page_tokens(
    org: Organisation, batch: int, pages_a_request: int
) -> None:
    with _emulator(org, "cloud", cloud_changelog_max_results=50) as emulator:
        busy = next(r.id for r in org.issues if r.status == "In Progress")
        for number in range(60):  # one issue whose history alone spans pages
            emulator.clock.advance(60)
            emulator.edit(busy, status="In Review" if number % 2 == 0 else "In Progress")
        source = source_for(emulator, changelog_batch_size=batch)
        pages = list(source.pages(None))
        issues, changes = synced(pages)
        expected = expected_changes(emulator)
        histories = len(emulator.state.history(busy))
    for page in pages:  # each page carries exactly its own issues' histories
        own = {issue.issue_id for issue in page.issues}
        assert {change.issue_id for change in page.changes} <= own
        assert {i for i in own if expected[i]} <= {change.issue_id for change in page.changes}
    bulk = [r for r in emulator.requests if r.path.endswith("changelog/bulkfetch")]
    first = [r.body["issueIdsOrKeys"] for r in bulk if "nextPageToken" not in r.body]
    # One project a partition, pages of 100: a request for each group of full pages.
    by_project = Counter(issue.key.split("-")[0] for issue in issues.values())
    groups = sum(math.ceil(math.ceil(n / 100) / pages_a_request) for n in by_project.values())
    assert len(first) == groups
    assert all(len(ids) <= batch for ids in first)
    assert sorted(int(i) for ids in first for i in ids) == sorted(issues)
    assert sum("nextPageToken" in r.body for r in bulk) > 10
    assert all(len(r.body["fieldIds"]) <= 10 for r in bulk)
    assert {i: comparable(changes.get(i, ())) for i in issues} == expected
    assert histories > 50, "the busy issue's history is longer than a page"


def test_cloud_bulk_fetches_a_thousand_issues_at_most(org: Organisation) -> None:
    with _emulator(org, "cloud") as emulator:
        wanted = [record.id for record in org.issues]
        found = dict(source_for(emulator).histories(wanted))
        expected = expected_changes(emulator)
    bulk = [r for r in emulator.requests if r.path.endswith("changelog/bulkfetch")]
    assert [len(r.body["issueIdsOrKeys"]) for r in bulk] == [1000, 500]
    assert {i: comparable(found[i]) for i in wanted} == expected


def test_a_repeated_bulk_fetch_token_fails_the_run(org: Organisation) -> None:
    with _emulator(org, "cloud", cloud_changelog_max_results=20) as emulator:
        emulator.faults.repeat_changelog_token(1)
        with pytest.raises(PermanentSourceError, match="repeated the page token"):
            list(source_for(emulator).pages(None))


def test_histories_of_stored_issues_are_read_without_their_issues(emulator: JiraEmulator) -> None:
    """A sub-task moved under another parent changed its parent only, never its epic."""
    records = emulator.state.org.issues
    subtask = next(r for r in records if r.issue_type == "Sub-task")
    other = next(r for r in records if r.issue_type == "Story" and r.id != subtask.parent_id)
    emulator.edit(subtask.id, parent_id=other.id)
    wanted = [r.id for r in records[:120]] + [subtask.id, 999_999]
    found = dict(source_for(emulator).histories(wanted))

    expected = expected_changes(emulator)
    assert set(found) == set(wanted)
    assert {i: comparable(found[i]) for i in wanted[:-1]} == {i: expected[i] for i in wanted[:-1]}
    assert found[999_999] == ()
    assert [c.field.value for c in found[subtask.id]][-1:] == ["parent"]
    paths = {r.path.rsplit("/", 1)[-1] for r in emulator.requests}
    assert paths.isdisjoint({"search", "jql"}), "issues are not fetched again"


def test_changelog_off_reads_and_hands_on_no_history(emulator: JiraEmulator) -> None:
    source = source_for(emulator, changelog=False)
    pages = list(source.pages(None))

    assert sum(len(page.issues) for page in pages) == 1500
    assert all(page.changes == () and not page.history_complete for page in pages)
    assert list(source.histories([10000])) == []
    assert all(
        not r.path.endswith(("/status", "bulkfetch")) and "expand" not in r.params
        for r in emulator.requests
    )


def test_cloud_pages_served_before_a_failure_are_handed_on_with_their_histories(
    org: Organisation,
) -> None:
    with _emulator(org, "cloud") as emulator:
        emulator.faults.repeat_page_token(1)  # the third search page fails the partition
        source = source_for(emulator, projects=["SHOP"], ranges=1)
        handed: list[Page] = []
        with pytest.raises(PermanentSourceError, match="repeated the page token"):
            handed.extend(source.pages(None))
        expected = expected_changes(emulator)
    bulk = [r for r in emulator.requests if r.path.endswith("changelog/bulkfetch")]
    issues, changes = synced(handed)
    assert [len(page.issues) for page in handed] == [100, 100]
    assert [sorted(int(i) for i in r.body["issueIdsOrKeys"]) for r in bulk] == [sorted(issues)]
    assert {i: comparable(changes.get(i, ())) for i in issues} == {i: expected[i] for i in issues}


def test_a_paging_failure_is_what_is_raised_when_the_last_histories_fail_too(
    org: Organisation,
) -> None:
    with _emulator(org, "cloud") as emulator:
        emulator.faults.repeat_page_token(1)  # the third search page fails the partition
        emulator.faults.script("changelog/bulkfetch", [Fault.status(400)])
        source = source_for(emulator, projects=["SHOP"], ranges=1)
        with pytest.raises(PermanentSourceError, match="repeated the page token") as raised:
            list(source.pages(None))
    assert isinstance(raised.value.__cause__, PermanentSourceError)
    assert "repeated the page token" not in str(raised.value.__cause__)
