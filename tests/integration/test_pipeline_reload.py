"""The running service picks up edited mapping files, and refuses broken ones safely."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from sync_support import make_rig

import mappings.examples
from syncd.app.mapping_files import load_mapping_files
from syncd.app.pipeline import Pipeline
from syncd.service.config import Config, load_config

BUNDLED = Path(mappings.examples.__file__).parent
EXTRA_RULE = (
    "  - id: bugs-are-ktlo\n"
    "    when: {issue_type: Bug}\n"
    "    then: {work_class: technology, category: ktlo}\n"
)


def _with_extra_rule(text: str) -> str:
    head, tail = text.split("rules:\n", 1)
    return head + "rules:\n" + EXTRA_RULE + tail


def _touch_later(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_an_edited_rule_file_is_used_at_the_next_refresh_and_a_broken_one_is_refused(
    tmp_path: Path,
) -> None:
    """Editing the rules while the service runs re-decides with them at the next refresh; a
    broken edit is reported and the last valid rules stay in force."""
    rules = tmp_path / "rules.yaml"
    original = (BUNDLED / "rules.yaml").read_text(encoding="utf-8")
    rules.write_text(original, encoding="utf-8")
    config_path = tmp_path / "syncd.yaml"
    store_url = f"sqlite:///{tmp_path / 'syncd.db'}"
    config_path.write_text(
        yaml.safe_dump({"store": {"url": store_url}, "mappings": {"rules": str(rules)}}),
        encoding="utf-8",
    )
    rig = make_rig(store_url, "cloud", issues=300)
    try:
        rig.engine.sync(rig.source)
        config = load_config(config_path)
        pipeline = Pipeline(rig.store, load_mapping_files(config.mapping_paths()), config.analytics)
        pipeline.refresh()
        rule_ids = {d.rule_id for d in rig.store.iter_decisions()}
        assert "bugs-are-ktlo" not in rule_ids

        _touch_later(rules, _with_extra_rule(original))
        pipeline.refresh()
        edited = {d.rule_id for d in rig.store.iter_decisions()}

        _touch_later(rules, original + "\n  - id: [broken\n")
        pipeline.refresh()
        after_broken = {d.rule_id for d in rig.store.iter_decisions()}
    finally:
        rig.emulator.stop()

    assert "bugs-are-ktlo" in edited
    assert after_broken == edited


def test_a_refresh_times_its_own_phases(tmp_path: Path) -> None:
    """After a refresh, ``last_phases`` holds its decide and snapshot times, both parts of
    the whole refresh's time (the benchmark reads them instead of patching the pipeline)."""
    store_url = f"sqlite:///{tmp_path / 'syncd.db'}"
    rig = make_rig(store_url, "cloud", issues=300)
    try:
        rig.engine.sync(rig.source)
        config = _bundled_config(tmp_path, store_url)
        pipeline = Pipeline(rig.store, load_mapping_files(config.mapping_paths()), config.analytics)
        assert pipeline.last_phases is None
        pipeline.refresh()
    finally:
        rig.emulator.stop()

    phases = pipeline.last_phases
    assert phases is not None
    assert phases.decide_seconds > 0
    assert phases.snapshot_seconds > 0
    assert phases.decide_seconds + phases.snapshot_seconds < phases.seconds


def _bundled_config(folder: Path, store_url: str) -> Config:
    """A configuration of the bundled rules over *store_url*."""
    path = folder / "bundled.yaml"
    rules = str(BUNDLED / "rules.yaml")
    path.write_text(
        yaml.safe_dump({"store": {"url": store_url}, "mappings": {"rules": rules}}),
        encoding="utf-8",
    )
    return load_config(path)
