"""The sync, end to end: the Jira emulator over loopback, the real engine, a real store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sync_support import PROJECTS, Rig, emulator_issues, make_rig, source_config, stored_issues

from connectors.jira.emulator import Fault
from connectors.jira.source import JiraSource

MODES = ["cloud", "datacenter"]


@pytest.fixture(params=MODES)
def rig(request: pytest.FixtureRequest, database_url: str) -> Iterator[Rig]:
    """An emulator in each mode, over SQLite and PostgreSQL."""
    rig = make_rig(database_url, request.param, dc_max_results=30)
    try:
        yield rig
    finally:
        rig.emulator.stop()


def test_full_sync_stores_exactly_the_emulators_issues(rig: Rig) -> None:
    """Same ids, same field values, nothing extra, nothing missing; the run is a success."""
    report = rig.engine.sync(rig.source)

    assert report.outcome == "success", report.error
    assert stored_issues(rig.store) == emulator_issues(rig.emulator)
    assert report.counts.issues_inserted == len(emulator_issues(rig.emulator))
    assert rig.store.watermark("acme") == rig.emulator.clock.now()


def test_incremental_sync_fetches_only_what_changed_and_converges(rig: Rig) -> None:
    """Edits, creations, a move and a deletion: the next sync reads about that many issues,
    the census removes the deleted one, and the store matches the emulator again."""
    rig.engine.sync(rig.source)
    rig.advance(hours=2)
    ids = sorted(emulator_issues(rig.emulator))
    edited = ids[10:16]
    for issue_id in edited:
        rig.emulator.edit(issue_id, summary=f"Edited {issue_id}", labels=["tech-debt"])
    created = [rig.emulator.create("PLAT", "Task", labels=["ktlo"]) for _ in range(2)]
    rig.emulator.move(ids[20], "DATA")
    rig.emulator.delete(ids[30])
    rig.emulator.reset_log()
    served_before = rig.emulator.issues_served

    report = rig.engine.sync(rig.source)
    served = rig.emulator.issues_served - served_before
    census = rig.engine.census(rig.source)

    changed = len(edited) + len(created) + 1
    gone = set(ids) - set(emulator_issues(rig.emulator))  # a deleted parent takes its sub-tasks
    assert report.outcome == "success", report.error
    assert report.kind == "incremental"
    assert changed <= served <= changed + 5
    assert census.outcome == "success"
    assert census.counts.deleted == len(gone) >= 1
    assert stored_issues(rig.store) == emulator_issues(rig.emulator)


@pytest.mark.parametrize("user_timezone", ["America/Los_Angeles", "Pacific/Kiritimati"])
def test_issue_updated_in_the_cursors_own_minute_is_not_missed(
    database_url: str, user_timezone: str
) -> None:
    """API users at UTC-8 and UTC+14: JQL is read in their zone at minute precision, and an
    issue updated in the very minute of the watermark is still fetched next time."""
    rig = make_rig(database_url, "cloud", issues=150, user_timezone=user_timezone)
    try:
        rig.engine.sync(rig.source)
        watermark = rig.store.watermark("acme")
        rig.advance(seconds=30)  # same minute as the watermark
        target = sorted(emulator_issues(rig.emulator))[5]
        rig.emulator.edit(target, summary="Changed in the cursor's minute")

        report = rig.engine.sync(rig.source)

        assert watermark is not None
        assert rig.emulator.clock.now().minute == watermark.minute
        assert report.outcome == "success"
        assert stored_issues(rig.store)[target][3] == "Changed in the cursor's minute"
        assert stored_issues(rig.store) == emulator_issues(rig.emulator)
    finally:
        rig.emulator.stop()


def test_transient_faults_are_retried_and_the_result_is_identical(rig: Rig) -> None:
    """429s with Retry-After, 503s with and without it, a 500, a reset and a truncated body:
    the sync completes, and the store equals a clean sync's."""
    path = "/search/jql" if rig.emulator.mode == "cloud" else "/search"
    rig.emulator.faults.script(
        path,
        [
            Fault.status(429, retry_after="1"),
            Fault.status(429, retry_after="2"),
            Fault.status(503),
            Fault.status(503, retry_after="1"),
            Fault.status(500),
            Fault.reset(),
            Fault.truncated_json(),
        ],
    )

    # Partitions are fetched concurrently, so one request may meet every scripted fault.
    config = source_config(rig.url, max_attempts=10)
    source = JiraSource(config, None, sleep=lambda _: None, clock=rig.emulator.clock.now)

    report = rig.engine.sync(source)

    assert report.outcome == "success", report.error
    assert stored_issues(rig.store) == emulator_issues(rig.emulator)


def test_a_timeout_is_retried(database_url: str) -> None:
    """A request that outlives the read timeout is retried, and nothing is lost."""
    rig = make_rig(database_url, "cloud", issues=120)
    try:
        config = source_config(rig.url, request_timeout_seconds=0.3)
        source = JiraSource(config, None, sleep=lambda _: None, clock=rig.emulator.clock.now)
        rig.emulator.faults.script("/search/jql", [Fault.timeout(seconds=1.0)])

        report = rig.engine.sync(source)

        assert report.outcome == "success", report.error
        assert stored_issues(rig.store) == emulator_issues(rig.emulator)
    finally:
        rig.emulator.stop()


def test_a_repeated_page_token_fails_loudly_and_leaves_the_store_consistent(
    database_url: str,
) -> None:
    """A Cloud server repeating its page token stops the run with an error; the watermark
    does not move, what was committed is intact, and a clean re-run converges."""
    rig = make_rig(database_url, "cloud", issues=600)
    try:
        rig.emulator.faults.repeat_page_token(times=1)

        failed = rig.engine.sync(rig.source)

        assert failed.outcome == "failure"
        assert failed.error is not None
        assert "token" in failed.error.lower()
        assert rig.store.watermark("acme") is None
        partial = stored_issues(rig.store)
        truth = emulator_issues(rig.emulator)
        assert all(truth[issue_id] == fields for issue_id, fields in partial.items())

        rig.emulator.faults.clear()
        again = rig.engine.sync(rig.source)

        assert again.outcome == "success"
        assert stored_issues(rig.store) == truth
    finally:
        rig.emulator.stop()


def test_a_project_that_became_invisible_is_lost_access_not_mass_deletion(rig: Rig) -> None:
    """Revoking a project: the census reports it lost and soft-deletes none of its issues."""
    rig.engine.sync(rig.source)
    before = len(stored_issues(rig.store))
    rig.emulator.revoke(PROJECTS[0])

    census = rig.engine.census(rig.source)

    assert census.lost == (PROJECTS[0],)
    assert census.counts.deleted == 0
    assert len(stored_issues(rig.store)) == before


def test_data_center_results_past_the_result_window_are_read_by_narrowed_queries(
    database_url: str,
) -> None:
    """Data Center on OpenSearch answers 500 past ``max.result.window``: each project here
    holds more issues than the window (60), and the sync and census still see every one."""
    rig = make_rig(database_url, "datacenter", dc_max_results=25, dc_result_window=60)
    try:
        config = source_config(rig.url).model_copy(update={"result_window": 60})
        source = JiraSource(config, None, sleep=lambda _: None)
        source_pages = _windowed(source)
        report = rig.engine.sync(source)
        census = rig.engine.census(source)

        assert report.outcome == "success", report.error
        assert stored_issues(rig.store) == emulator_issues(rig.emulator)
        assert max(len(ids) for ids in source_pages.values()) > 60
        assert census.outcome == "success", census.error
        assert census.counts.deleted == 0
    finally:
        rig.emulator.stop()


def _windowed(source: JiraSource) -> dict[str, set[int]]:
    """The issue ids per project, read through the windowed paging (checks it ran)."""
    found: dict[str, set[int]] = {}
    for page in source.pages(None):
        found.setdefault(page.partition, set()).update(i.issue_id for i in page.issues)
    return found
