"""``report --as-of D`` equals the report of a store synced at D.

One emulator serves an organisation with its histories. A store synced at the present (SQLite
and PostgreSQL) is asked for its figures as of the end of a past day; a second store is synced
with the emulator's clock at that instant, and its pipeline refreshes at the same instant. The
two must agree on every share, forecast, drift and capacity figure, in every team, window and
weighting.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import mappings.examples
from connectors.jira.source import JiraSource
from mappings.config import MappingsConfig
from syncd.analytics import AnalyticsConfig, Snapshot
from syncd.app.as_of import end_of, snapshot_as_of
from syncd.app.mapping_files import MappingFiles, load_mapping_files
from syncd.app.pipeline import Pipeline
from syncd.app.sync import SyncEngine
from syncd.store import Store, create_store_engine, upgrade
from tests.integration.sync_support import ORG_NOW, make_rig, source_config

_EXAMPLES = Path(mappings.examples.__file__).parent
_DAYS_BACK = (3, 40)
"""A day in the present week and one six weeks back: different windows, agreements, people."""


def _files() -> MappingFiles:
    names = ("rules", "okrs", "agreements", "teams")
    return load_mapping_files(MappingsConfig(**{n: _EXAMPLES / f"{n}.yaml" for n in names}))


def _figures(snapshot: Snapshot) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    shares = {
        ("share", r.team, r.work_class, r.category, r.window, r.weighting): (
            r.completed,
            r.in_progress,
            r.share,
            r.forecast_share,
            r.band_min,
            r.band_max,
            r.agreement_id,
            r.drift,
            r.recovery_needed,
        )
        for r in snapshot.shares
    }
    capacity = {
        ("capacity", r.team, r.window): (r.allocated, r.unallocated) for r in snapshot.capacity
    }
    return {**shares, **capacity}


def _close(left: tuple[Any, ...], right: tuple[Any, ...]) -> bool:
    """Equal, floats to summation order (the two stores list issues in different orders)."""
    return all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        if isinstance(a, float) and isinstance(b, float)
        else a == b
        for a, b in zip(left, right, strict=True)
    )


@pytest.mark.parametrize("days_back", _DAYS_BACK)
def test_as_of_a_past_day_equals_a_store_synced_that_day(
    database_url: str, tmp_path: Path, days_back: int
) -> None:
    day: date = (ORG_NOW - timedelta(days=days_back)).date()
    moment = end_of(day)
    files, analytics = _files(), AnalyticsConfig()
    rig = make_rig(database_url, "cloud", issues=300)
    try:
        rig.engine.sync(rig.source, full=True)
        rebuilt = snapshot_as_of(rig.store, files, analytics, day)

        rig.emulator.clock.set(moment)
        engine = create_store_engine(f"sqlite:///{tmp_path / 'then.db'}")
        upgrade(engine)
        then_store = Store(engine)
        config = source_config(rig.url)
        source = JiraSource(config, None, sleep=lambda _: None, clock=lambda: moment)
        report = SyncEngine(then_store, clock=lambda: moment).sync(source, full=True)
        assert report.outcome.value == "success"
        synced_then = Pipeline(then_store, files, analytics, clock=lambda: moment).refresh()
    finally:
        rig.emulator.stop()

    expected, found = _figures(synced_then), _figures(rebuilt)
    assert expected, "the organisation had work by then"
    assert set(found) == set(expected)
    differing = {k: (found[k], expected[k]) for k in expected if not _close(found[k], expected[k])}
    assert differing == {}
    assert rebuilt.computed_at == synced_then.computed_at == moment
