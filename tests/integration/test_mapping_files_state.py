"""A refused edit of the mapping files is visible: on the pipeline of every replica, on
/metrics, and in ``syncd status`` with every problem."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

import mappings.examples
from syncd.app.mapping_files import load_mapping_files
from syncd.app.pipeline import Pipeline
from syncd.cli import main
from syncd.metrics import MappingFilesCollector
from syncd.service.config import load_config
from syncd.service.wiring import open_store

BUNDLED = Path(mappings.examples.__file__).parent
_BROKEN = "\n  - id: [broken\n"


def _touch_later(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """A configuration with a copy of the bundled rules, over an empty SQLite store."""
    rules = tmp_path / "rules.yaml"
    rules.write_text((BUNDLED / "rules.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "syncd.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "store": {"url": f"sqlite:///{tmp_path / 'syncd.db'}"},
                "mappings": {"rules": str(rules)},
            }
        ),
        encoding="utf-8",
    )
    return path


def test_a_refused_edit_shows_on_the_pipeline_and_its_metrics_until_fixed(
    config_path: Path,
) -> None:
    """Invalid: valid 0, the loaded time and rule set of the set still in use, the problems.
    A follower (which never refreshes) sees it too; a valid edit sets valid back to 1 with a
    new load time and rule-set hash."""
    config = load_config(config_path)
    clock = [datetime(2026, 11, 2, 9, 0, tzinfo=UTC)]
    store = open_store(config)
    files = load_mapping_files(config.mapping_paths())
    pipeline = Pipeline(store, files, config.analytics, clock=lambda: clock[0])
    registry = CollectorRegistry()
    MappingFilesCollector(registry, lambda: pipeline.mapping_files)
    started, version = clock[0], files.rule_set.version
    rules = config.mapping_paths().rules
    assert rules is not None
    original = rules.read_text(encoding="utf-8")

    clock[0] += timedelta(hours=1)
    _touch_later(rules, original + _BROKEN)
    pipeline.follow()
    state = pipeline.mapping_files
    assert (state.valid, state.loaded_at, state.ruleset) == (False, started, version)
    assert any("rules.yaml" in problem for problem in state.problems)
    value = registry.get_sample_value
    assert value("syncd_mapping_files_valid") == 0.0
    assert value("syncd_mapping_files_loaded_timestamp_seconds") == started.timestamp()
    assert value("syncd_rule_set_info", {"version": version}) == 1.0

    clock[0] += timedelta(hours=1)
    head, tail = original.split("rules:\n", 1)
    extra = (
        "  - id: bugs-are-ktlo\n"
        "    when: {issue_type: Bug}\n"
        "    then: {work_class: technology, category: ktlo}\n"
    )
    _touch_later(rules, head + "rules:\n" + extra + tail)
    pipeline.refresh()
    state = pipeline.mapping_files
    assert state.valid
    assert state.loaded_at == clock[0]
    assert state.ruleset != version
    assert value("syncd_mapping_files_valid") == 1.0
    store.engine.dispose()


def test_status_lists_every_problem_of_invalid_mapping_files(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``syncd status --format json`` says the files on disk are invalid, with each problem
    and its place, and exits 0 (it reports; the service keeps its last valid set)."""
    config = load_config(config_path)
    open_store(config).engine.dispose()
    rules = config.mapping_paths().rules
    assert rules is not None
    rules.write_text(rules.read_text(encoding="utf-8") + _BROKEN, encoding="utf-8")

    assert main(["status", "--config", str(config_path), "--format", "json"]) == 0
    files = json.loads(capsys.readouterr().out)["mapping_files"]
    assert files["valid"] is False
    assert files["rule_set"] is None
    assert files["problems"]
    assert all("rules.yaml:" in problem for problem in files["problems"])
    assert files["decided_with"] == {}

    assert main(["status", "--config", str(config_path)]) == 0
    table = capsys.readouterr().out
    assert "INVALID" in table
    assert files["problems"][0] in table
