"""Explaining one issue reads only its lineage, and gives the decision a refresh stored.

Generated organisations (tests/backfill/test_backfill_sweep.py's: re-parented, moved between
projects so that keys change, parents and epics missing or forming cycles) are stored, some
issues deleted by a census, and refreshed; then every live issue is explained from
``Store.get_lineage`` alone, as ``syncd explain`` and the web's issue page do.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappings import explain
from syncd.app.pipeline import Pipeline
from syncd.core.domain import Decision
from syncd.store import Store, create_store_engine, upgrade
from syncd.web.reading import MappingView, ViewSources, explain_issue
from tests.backfill.test_backfill_sweep import ANALYTICS, BEGIN, _files, organisations
from tests.integration.test_refresh_standing import Organisation, _as_of, _census, _write
from tests.store.store_builders import T0, make_issue, page_of

LATER = BEGIN + timedelta(days=40)


def _unstamped(decision: Decision) -> Decision:
    return replace(decision, ruleset_version="")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisation=organisations(), gone=st.sets(st.integers(1, 12), max_size=3))
def test_explaining_from_the_lineage_gives_the_stored_decision(
    organisation: Organisation, gone: set[int], tmp_path_factory: Any
) -> None:
    """For every live issue: the decision explained from the issue and the live issues it
    may inherit from equals the one a refresh of every stored issue stored."""
    files = _files(tmp_path_factory.mktemp("files"))
    store = Store(create_store_engine(f"sqlite:///{tmp_path_factory.mktemp('s') / 'x.db'}"))
    upgrade(store.engine)
    stored = _as_of(organisation, LATER)
    if not stored:
        return
    _write(store, stored)
    _census(store, [issue for issue, _ in stored if issue.issue_id not in gone])
    Pipeline(store, files, ANALYTICS, clock=lambda: LATER).refresh()

    decided = {(d.source, d.issue_id): d for d in store.iter_decisions()}
    live = list(store.iter_issues())
    assert len(decided) == len(live)
    items = list(store.iter_roadmap_items())
    for issue in live:
        answer = explain(
            issue.key,
            store.get_lineage(issue),
            items,
            files.rule_set,
            teams=files.teams,
            key_results=files.key_result_ids,
            source=issue.source,
        )
        assert answer.issue.issue_id == issue.issue_id
        expected = decided[issue.source, issue.issue_id]
        assert _unstamped(answer.decision) == _unstamped(expected)


def _explained(store: Store, files: Any, key: str) -> Any:
    """``syncd explain KEY`` as the command and the web's issue page read it."""
    issue = store.get_issue_by_key(key, "jira")
    assert issue is not None
    return explain(
        issue.key,
        store.get_lineage(issue),
        list(store.iter_roadmap_items()),
        files.rule_set,
        teams=files.teams,
        key_results=files.key_result_ids,
        source=issue.source,
    )


def test_a_key_two_live_issues_hold_is_explained_as_the_refresh_names_it(
    tmp_path: Path,
) -> None:
    """Two live issues hold SHOP-1 (the greater id updated earlier): explaining SHOP-1, and
    its child, gives the decisions the refresh stored, which name SHOP-1 by the greater id."""
    files = _files(tmp_path)
    store = Store(create_store_engine(f"sqlite:///{tmp_path / 'syncd.db'}"))
    upgrade(store.engine)
    written = (
        make_issue(1, key="SHOP-1", labels=("feature",), minutes=50),
        make_issue(2, key="SHOP-1", labels=("tech-debt",), minutes=10),
        make_issue(3, key="SHOP-3", labels=(), parent_key="SHOP-1", minutes=5),
    )
    store.write_page("jira", store.begin_run("jira", "incremental"), page_of(*written))
    Pipeline(store, files, ANALYTICS, clock=lambda: T0 + timedelta(days=1)).refresh()
    stored = {d.issue_id: d for d in store.iter_decisions()}

    parent, child = _explained(store, files, "SHOP-1"), _explained(store, files, "SHOP-3")

    assert parent.issue.issue_id == 2
    assert _unstamped(parent.decision) == _unstamped(stored[2])
    assert child.decision.path == ("SHOP-3", "SHOP-1")
    assert _unstamped(child.decision) == _unstamped(stored[3])


def test_an_issue_is_explained_by_the_key_it_had_before_a_move(tmp_path: Path) -> None:
    """SHOP-1 moved and is PLAT-1 now: asked by its former key, the command's path and the
    web's issue page both explain PLAT-1, under its current key (the page answered a former
    key with an error)."""
    files = _files(tmp_path)
    store = Store(create_store_engine(f"sqlite:///{tmp_path / 'syncd.db'}"))
    upgrade(store.engine)
    run = store.begin_run("jira", "incremental")
    store.write_page("jira", run, page_of(make_issue(1)))
    store.write_page("jira", run, page_of(make_issue(1, minutes=5, project="PLAT")))
    Pipeline(store, files, ANALYTICS, clock=lambda: T0 + timedelta(days=1)).refresh()
    stored = _unstamped(next(iter(store.iter_decisions())))
    view = MappingView(files.rule_set, files.teams, files.key_result_ids)

    answer = _explained(store, files, "SHOP-1")
    page = explain_issue(ViewSources(store, lambda: None, lambda: view), "jira", "SHOP-1")

    assert answer.issue.key == "PLAT-1"
    assert _unstamped(answer.decision) == stored
    assert page is not None
    assert page[0].issue.key == "PLAT-1"
    assert _unstamped(page[0].decision) == stored
