"""A refresh after a refresh reads only what runs changed, and gives the figures of a refresh
from scratch.

Generated organisations (tests/backfill/test_backfill_sweep.py's: issues created, started,
finished, reopened, reassigned, re-parented, moved between projects and teams) are stored as
they stood at a first moment and refreshed; then a run writes what changed by a later moment
(new issues, later versions with their history) and the same pipeline refreshes again; then
another run and a census that deletes some issues and restores others, and a third refresh.
Each snapshot, and the last refresh's stored decisions,
must be those of a new pipeline refreshing the same store from scratch (amounts to a relative
1e-9: the running sums are exact, a refresh from scratch adds floats in turn), and it must
have read only the issues the later runs wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncd.analytics.history import issue_as_of
from syncd.analytics.settings import Weighting
from syncd.app.mapping_files import MappingFiles
from syncd.app.pipeline import Pipeline
from syncd.core.domain import Census, FieldChange, Issue, Page
from syncd.store import Store, create_store_engine, upgrade
from tests.backfill.same_figures import assert_same_figures
from tests.backfill.test_backfill_sweep import ANALYTICS, BEGIN, _files, organisations
from tests.integration.sync_support import make_rig, visible_records

FIRST = BEGIN + timedelta(days=12)
"""The stored organisation as it stood then is refreshed first."""
MIDDLE = BEGIN + timedelta(days=26)
"""Then again after a run, which starts the capacity weighting's sweep."""
LATER = BEGIN + timedelta(days=40)
Organisation = list[tuple[Issue, tuple[FieldChange, ...]]]
_FILES: list[MappingFiles] = []


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _as_of(organisation: Organisation, moment: datetime) -> Organisation:
    """Each issue created by *moment* as it stood then, with the history it had then."""
    found = []
    for issue, changes in organisation:
        then = issue_as_of(issue, changes, moment)
        if then is not None:
            found.append((then, tuple(c for c in changes if c.changed_at <= moment)))
    return found


def _write(store: Store, issues: Sequence[tuple[Issue, tuple[FieldChange, ...]]]) -> None:
    run = store.begin_run("jira", "incremental")
    page = Page(
        "ALL",
        0,
        tuple(issue for issue, _ in issues),
        changes=tuple(change for _, changes in issues for change in changes),
        history_complete=True,
    )
    store.write_page("jira", run, page)


def _write_new(store: Store, before: Organisation, after: Organisation) -> Organisation:
    """Write the issues of *after* that are new or changed since *before*; which."""
    versions = {(issue.issue_id, issue.updated) for issue, _ in before}
    written = [(i, c) for i, c in after if (i.issue_id, i.updated) not in versions]
    if written:
        _write(store, written)
    return written


def _census(store: Store, live: Sequence[Issue]) -> None:
    """A complete census that sees only *live* (every project of the organisation swept)."""
    run = store.begin_run("jira", "census")
    projects = {"SHOP", "GROW", "MOB", "PLAT"}
    ids = {p: frozenset(i.issue_id for i in live if i.project == p) for p in projects}
    store.apply_census("jira", run, Census(ids, frozenset(), complete=True))


def _decisions(store: Store) -> list[Any]:
    return sorted(store.iter_decisions(), key=lambda d: (d.source, d.issue_id))


def _refreshed_from_scratch(url: str, files: MappingFiles, now: datetime) -> tuple[Any, Any]:
    store = Store(create_store_engine(url))
    pipeline = Pipeline(store, files, ANALYTICS, clock=lambda: now)
    return pipeline.refresh(), _decisions(store)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    organisation=organisations(),
    gone=st.sets(st.integers(min_value=1, max_value=12), max_size=3),
    back=st.sets(st.integers(min_value=1, max_value=12), max_size=2),
)
def test_a_refresh_after_runs_equals_a_refresh_from_scratch(
    organisation: Organisation, gone: set[int], back: set[int], tmp_path_factory: Any
) -> None:
    """Whatever changed between two refreshes (new issues, new versions and histories,
    parents and epics coming and going, deletions and restorations), each later refresh of a
    pipeline (the second starts the capacity sweep, the third brings it up to date) equals a
    refresh from scratch of the same store, and reads only what changed."""
    if not _FILES:
        _FILES.append(_files(tmp_path_factory.mktemp("files")))
    files = _FILES[0]
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'syncd.db'}"
    engine = create_store_engine(url)
    upgrade(engine)
    store = Store(engine)
    clock = _Clock(FIRST)
    pipeline = Pipeline(store, files, ANALYTICS, clock=clock, reread_after=timedelta(days=365))

    before = _as_of(organisation, FIRST)
    _write(store, before)
    if before:
        _census(store, [i for i, _ in before if i.issue_id not in back])
    pipeline.refresh()

    middle = _as_of(organisation, MIDDLE)
    _write_new(store, before, middle)
    clock.now = MIDDLE
    assert_same_figures(pipeline.refresh(), _refreshed_from_scratch(url, files, MIDDLE)[0])

    after = _as_of(organisation, LATER)
    written = _write_new(store, middle, after)
    live = [issue for issue, _ in after if issue.issue_id not in gone]
    _census(store, live)
    clock.now = LATER
    snapshot = pipeline.refresh()
    decisions = _decisions(store)

    assert pipeline.last_phases is not None
    restored = {i.issue_id for i, _ in before} & back
    assert pipeline.last_phases.issues_read <= len(written) + len(restored)
    expected_snapshot, expected_decisions = _refreshed_from_scratch(url, files, LATER)
    assert_same_figures(snapshot, expected_snapshot)
    assert decisions == expected_decisions

    # Nothing written, the windows moved on: what they took in or let go of is re-counted.
    for days in (3, 9, 30):
        clock.now = LATER + timedelta(days=days)
        assert_same_figures(pipeline.refresh(), _refreshed_from_scratch(url, files, clock.now)[0])
        assert pipeline.last_phases.issues_read == 0


@pytest.mark.parametrize("weightings", [ANALYTICS.weightings, ("issues", "story_points")])
def test_a_service_refresh_after_a_sync_reads_what_the_sync_wrote(
    tmp_path: Path, database_url: str, weightings: tuple[Weighting, ...]
) -> None:
    """Against the emulator on each backend, with and without the capacity weighting: after
    edits in Jira (statuses, labels, parents, a move, a deletion, a creation), an incremental
    sync and a census, the next refresh reads only the issues those runs wrote and equals a
    refresh from scratch; once ``reread_after`` has passed, a refresh reads every issue
    again."""
    rig = make_rig(database_url, "cloud", issues=300)
    analytics = ANALYTICS.model_copy(update={"weightings": weightings})
    try:
        files = _files(tmp_path)
        now = rig.emulator.clock.now
        pipeline = Pipeline(rig.store, files, analytics, clock=now, reread_after=timedelta(days=1))
        rig.engine.sync(rig.source)
        pipeline.refresh()
        assert pipeline.last_phases is not None
        stored = pipeline.last_phases.issues_read
        assert stored == rig.store.count_issues()

        rig.advance(minutes=30)
        ids = sorted(visible_records(rig.emulator))
        rig.emulator.edit(ids[0], status="Done")
        rig.emulator.edit(ids[1], labels=["tech-debt", "kr:PLAT-KR1"])
        rig.emulator.edit(ids[2], parent_id=ids[3])
        rig.emulator.edit(ids[3], status="In Progress", labels=["feature"])
        rig.emulator.move(ids[4], "PLAT")
        rig.emulator.delete(ids[5])
        rig.emulator.create("SHOP", "Story", labels=["feature"])
        rig.advance(minutes=30)
        rig.engine.sync(rig.source)
        rig.engine.census(rig.source)
        snapshot = pipeline.refresh()
        decisions = _decisions(rig.store)

        assert pipeline.last_phases.issues_read <= 6  # five edited or moved, one new
        from_scratch = Pipeline(rig.store, files, analytics, clock=now)
        assert_same_figures(snapshot, from_scratch.refresh())
        assert decisions == _decisions(rig.store)

        rig.advance(days=1)
        pipeline.refresh()
        assert pipeline.last_phases.issues_read == rig.store.count_issues() != stored
    finally:
        rig.emulator.stop()
