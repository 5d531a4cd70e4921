"""Capacity and as-of figures from histories kept in a real store (SQLite and PostgreSQL).

The week of tests/analytics/test_capacity.py, written through the store: Ann has PLAT-1
(technology, Mon 09:00 - Wed 17:00) and PLAT-2 (product, Tue 10:00 - Thu 12:00); Bob has
PLAT-3 (technology, Mon 09:00 - Fri 12:00). By Saturday: technology 2 + 5 = 7 person-days,
product 2. As of the end of Wednesday: Ann Mon 1 (PLAT-1), Tue and Wed 1/2 each; Bob Mon-Wed
1 each: technology 1 + 1/2 + 1/2 + 3 = 5, product 1; one issue (PLAT-1) completed.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import yaml

from syncd.analytics import Snapshot
from syncd.app.as_of import snapshot_as_of
from syncd.app.mapping_files import load_mapping_files
from syncd.app.pipeline import Pipeline
from syncd.core.domain import Issue, Page
from syncd.service.config import Config, load_config
from syncd.service.wiring import open_store
from tests.analytics.capacity_builders import CREATED, Story, at

RULES = """format: 1
name: week
settings: {inheritance: {enabled: false}}
rules:
  - id: tech
    when: {labels: [tech]}
    then: {work_class: technology}
  - id: product
    when: {labels: [product]}
    then: {work_class: product}
"""


def _week() -> list[tuple[Story, str]]:
    one = Story("PLAT-1", CREATED, "ann").start(at(2)).finish(at(4, 17))
    two = Story("PLAT-2", CREATED, "ann").start(at(3, 10)).finish(at(5, 12))
    three = Story("PLAT-3", CREATED, "bob").start(at(2)).finish(at(6, 12))
    return [(one, "tech"), (two, "product"), (three, "tech")]


def _config(folder: Path, store_url: str) -> Config:
    rules = folder / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    path = folder / "syncd.yaml"
    data = {"store": {"url": store_url}, "mappings": {"rules": str(rules)}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_config(path)


def _store_week(config: Config, stories: list[tuple[Story, str]]) -> None:
    store = open_store(config)
    issues: list[Issue] = [
        dataclasses.replace(story.issue(), labels=(label,), source="acme")
        for story, label in stories
    ]
    changes = tuple(
        dataclasses.replace(change, source="acme")
        for story, _ in stories
        for change in story.changes()
    )
    run = store.begin_run("acme", "full")
    store.write_page(
        "acme", run, Page("PLAT", 0, tuple(issues), changes=changes, history_complete=True)
    )


def _capacity_shares(snapshot: Snapshot, window: str) -> dict[tuple[str, str], float | None]:
    return {
        (row.team, row.work_class): row.share
        for row in snapshot.shares
        if row.weighting == "capacity" and row.window == window and not row.category
    }


def test_the_refresh_computes_capacity_from_the_stored_histories(
    database_url: str, tmp_path: Path
) -> None:
    """A refresh on Saturday: platform's technology share of capacity is 7 of 9 person-days,
    its people's days add up to 9, none unallocated."""
    config = _config(tmp_path, database_url)
    _store_week(config, _week())
    store = open_store(config)
    files = load_mapping_files(config.mapping_paths())
    pipeline = Pipeline(store, files, config.analytics, clock=lambda: at(7, 0))

    snapshot = pipeline.refresh()

    shares = _capacity_shares(snapshot, "30d")
    assert shares[("PLAT", "technology")] == 7 / 9
    assert shares[("all", "technology")] == 7 / 9
    row = next(r for r in snapshot.capacity if r.team == "PLAT" and r.window == "30d")
    assert (row.allocated, row.unallocated) == (9.0, 0.0)
    phases = pipeline.last_phases
    assert phases is not None
    assert 0 < phases.capacity_seconds < phases.seconds


def test_as_of_wednesday_rebuilds_the_week_from_the_histories(
    database_url: str, tmp_path: Path
) -> None:
    """`report --as-of` the Wednesday: capacity 5 of 6 technology, one completed issue
    (PLAT-1, resolved Wednesday 17:00), two issues in progress."""
    config = _config(tmp_path, database_url)
    _store_week(config, _week())
    store = open_store(config)
    files = load_mapping_files(config.mapping_paths())

    snapshot = snapshot_as_of(store, files, config.analytics, date(2026, 11, 4))

    assert _capacity_shares(snapshot, "30d")[("PLAT", "technology")] == 5 / 6
    by_issues = {
        (row.work_class, row.window): (row.completed, row.in_progress)
        for row in snapshot.shares
        if row.weighting == "issues" and row.team == "PLAT" and not row.category
    }
    assert by_issues[("technology", "30d")] == (1.0, 1.0)
    assert by_issues[("product", "30d")] == (0.0, 1.0)
