"""The drill-down index read from a real store (SQLite and PostgreSQL) adds up to the
snapshot the pipeline computed from that store, in every weighting including capacity."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

import mappings.examples
from connectors.jira.emulator import JiraEmulator, generate_organisation
from syncd.app.pipeline import Pipeline
from syncd.app.sync import SyncEngine
from syncd.service.config import load_config
from syncd.service.wiring import jira_sources, mapping_files, open_store
from syncd.web.drilldown import Figure
from syncd.web.reading import MappingView, ViewSources, build_index

_BUNDLED = Path(mappings.examples.__file__).parent


def test_the_index_of_a_synced_store_adds_up_to_its_snapshot(
    tmp_path: Path, database_url: str
) -> None:
    """Sync a seeded organisation, refresh, index: every share row's completed amount is the
    sum of the listed weights of its figure."""
    org = generate_organisation(issues=300, seed=5, now=datetime.now(UTC))
    with JiraEmulator(org, "cloud") as emulator:
        path = tmp_path / "syncd.yaml"
        document = {
            "store": {"url": database_url},
            "sources": {
                "jira": [
                    {
                        "name": "acme",
                        "url": emulator.url,
                        "auth": {"method": "none"},
                        "projects": ["SHOP", "GROW", "MOB", "PLAT", "DATA"],
                    }
                ]
            },
            "mappings": {
                name: str(_BUNDLED / f"{name}.yaml")
                for name in ("rules", "okrs", "agreements", "teams")
            },
        }
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        config = load_config(path)
        store = open_store(config)
        (source,) = jira_sources(config, stop=threading.Event())
        SyncEngine(store).sync(source, full=True)
        files = mapping_files(config)
        snapshot = Pipeline(store, files, config.analytics).refresh()
    sources = ViewSources(
        store,
        lambda: snapshot,
        lambda: MappingView(files.rule_set, files.teams, files.key_result_ids),
        capacity=config.analytics.capacity,
    )
    index = build_index(sources, snapshot)
    expected = {
        Figure(r.team, r.window, r.work_class, r.category, r.weighting): r.completed
        for r in snapshot.shares
    }
    assert {r.weighting for r in snapshot.shares} == {
        "capacity",
        "issues",
        "story_points",
        "time_spent",
    }
    assert any(amount > 0 for f, amount in expected.items() if f.weighting == "capacity")
    assert {figure: index.total(figure) for figure in expected} == pytest.approx(expected)
