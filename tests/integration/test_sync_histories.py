"""Histories end to end: a sync stores every issue's history with its page on SQLite and
PostgreSQL, and issues stored without one get it from ``Source.histories``."""

from __future__ import annotations

import pytest

from connectors.jira.emulator import JiraEmulator
from connectors.jira.source import JiraSource
from syncd.store import Store
from tests.integration.sync_support import make_rig, source_config
from tests.jira.changelog_support import comparable, expected_changes


def _stored(store: Store) -> dict[int, list]:
    return {issue.issue_id: comparable(found) for issue, found in store.iter_issue_histories()}


def _source(emulator: JiraEmulator, **settings: object) -> JiraSource:
    config = source_config(emulator.url, **settings)
    return JiraSource(config, None, sleep=lambda _: None, clock=emulator.clock.now)


@pytest.mark.parametrize("mode", ["cloud", "dc"])
def test_a_sync_stores_each_issues_whole_history_with_it(database_url: str, mode: str) -> None:
    rig = make_rig(database_url, mode, dc_inline_changelog=2)
    try:
        report = rig.engine.sync(rig.source, full=True)
        expected = expected_changes(rig.emulator)
    finally:
        rig.emulator.stop()
    assert report.outcome == "success"
    assert _stored(rig.store) == expected
    assert rig.store.issues_lacking_history("acme") == []


def test_issues_stored_without_history_get_it_without_being_fetched_again(
    database_url: str,
) -> None:
    rig = make_rig(database_url, "cloud")
    try:
        rig.engine.sync(_source(rig.emulator, changelog=False), full=True)
        lacking = rig.store.issues_lacking_history("acme", limit=10_000)
        versions = dict(lacking)
        rig.emulator.reset_log()
        found = [
            (issue_id, versions[issue_id], changes)
            for issue_id, changes in rig.source.histories(list(versions))
        ]
        marked = rig.store.complete_histories("acme", found)
        expected = expected_changes(rig.emulator)
        searched = [r for r in rig.emulator.requests if "search" in r.path]
    finally:
        rig.emulator.stop()
    assert len(lacking) == len(expected) == marked
    assert _stored(rig.store) == expected
    assert rig.store.issues_lacking_history("acme") == []
    assert searched == []


@pytest.mark.parametrize("mode", ["cloud", "dc"])
def test_the_next_sync_completes_histories_the_store_lacks(database_url: str, mode: str) -> None:
    """Issues synced while histories were off get them at the next successful sync, without
    a full re-sync: the engine asks the source for exactly the lacking issues' histories."""
    rig = make_rig(database_url, mode)
    try:
        rig.engine.sync(_source(rig.emulator, changelog=False), full=True)
        lacking = len(rig.store.issues_lacking_history("acme", limit=10_000))
        rig.emulator.reset_log()
        report = rig.engine.sync(rig.source)
        expected = expected_changes(rig.emulator)
        fetched = report.counts.issues_fetched
    finally:
        rig.emulator.stop()
    assert lacking == len(expected) > 0
    assert fetched < lacking, "an incremental sync, not a full one"
    assert _stored(rig.store) == expected
    assert rig.store.issues_lacking_history("acme") == []
