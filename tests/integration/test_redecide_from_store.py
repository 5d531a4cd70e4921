"""Changing the rules re-decides stored issues from the store, without polling Jira again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sync_support import make_rig

import mappings.examples
from syncd.app.mapping_files import load_mapping_files
from syncd.app.pipeline import Pipeline
from syncd.core.domain import Decision
from syncd.service.config import Config, load_config
from syncd.store import Store

BUNDLED = Path(mappings.examples.__file__).parent


def _config(folder: Path, store_url: str, rules: Path) -> Config:
    data: dict[str, Any] = {
        "store": {"url": store_url},
        "mappings": {
            "rules": str(rules),
            "okrs": str(BUNDLED / "okrs.yaml"),
            "agreements": str(BUNDLED / "agreements.yaml"),
            "teams": str(BUNDLED / "teams.yaml"),
        },
    }
    path = folder / f"syncd-{rules.stem}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_config(path)


def _stricter_rules(folder: Path) -> Path:
    """The bundled rules with bugs counted as technology (KTLO) instead of product."""
    text = (BUNDLED / "rules.yaml").read_text(encoding="utf-8")
    extra = (
        "  - id: bugs-are-ktlo\n"
        "    when: {issue_type: Bug}\n"
        "    then: {work_class: technology, category: ktlo}\n"
    )
    marker = "rules:\n"
    head, tail = text.split(marker, 1)
    path = folder / "rules-b.yaml"
    path.write_text(head + marker + extra + tail, encoding="utf-8")
    return path


def _decisions(store: Store) -> dict[tuple[str, int], Decision]:
    return {(d.source, d.issue_id): d for d in store.iter_decisions()}


def test_redeciding_after_a_rules_change_equals_a_fresh_sync_with_the_new_rules(
    tmp_path: Path, database_url: str
) -> None:
    """Re-deciding stored issues under new rules gives exactly the decisions a fresh sync and
    decide with those rules gives, and sends no request to Jira."""
    rig = make_rig(database_url, "cloud", issues=500)
    fresh = make_rig(f"sqlite:///{tmp_path / 'fresh.db'}", "cloud", issues=500)
    try:
        new_rules = _stricter_rules(tmp_path)
        rig.engine.sync(rig.source)
        bundled_config = _config(tmp_path, database_url, BUNDLED / "rules.yaml")
        before = Pipeline(
            rig.store, load_mapping_files(bundled_config.mapping_paths()), bundled_config.analytics
        )
        before.refresh()
        old = _decisions(rig.store)
        requests_before = len(rig.emulator.requests)

        changed_config = _config(tmp_path, database_url, new_rules)
        redecided = Pipeline(
            rig.store, load_mapping_files(changed_config.mapping_paths()), changed_config.analytics
        )
        redecided.refresh()

        fresh.engine.sync(fresh.source)
        fresh_config = _config(tmp_path, f"sqlite:///{tmp_path / 'fresh.db'}", new_rules)
        from_scratch = Pipeline(
            fresh.store, load_mapping_files(fresh_config.mapping_paths()), fresh_config.analytics
        )
        from_scratch.refresh()

        assert len(rig.emulator.requests) == requests_before
        assert _decisions(rig.store) == _decisions(fresh.store)
        changed = [k for k, d in _decisions(rig.store).items() if d.rule_id == "bugs-are-ktlo"]
        assert changed, "the new rule decided no issue: the test would prove nothing"
        assert all(old[key].rule_id != "bugs-are-ktlo" for key in changed)
    finally:
        rig.emulator.stop()
        fresh.emulator.stop()
