"""Explaining one issue reads only its lineage, and gives the decision a refresh stored.

Generated organisations (tests/backfill/test_backfill_sweep.py's: re-parented, moved between
projects so that keys change, parents and epics missing or forming cycles) are stored, some
issues deleted by a census, and refreshed; then every live issue is explained from
``Store.get_lineage`` alone, as ``syncd explain`` and the web's issue page do.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappings import explain
from syncd.app.pipeline import Pipeline
from syncd.core.domain import Decision
from syncd.store import Store, create_store_engine, upgrade
from tests.backfill.test_backfill_sweep import ANALYTICS, BEGIN, _files, organisations
from tests.integration.test_refresh_standing import Organisation, _as_of, _census, _write

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
