"""``syncd refresh`` keeps the objectives and key results a roadmap export brought.

A refresh re-decides stored issues and recomputes the snapshot without polling Jira. It
used to build its pipeline without the configured exports, so the OKR model it stored was
the OKR file alone: an exported key result vanished from ``okr_key_results`` and from the
snapshot until the next sync. It now reads the exports as the service does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import connectors.roadmap
import mappings.examples
from syncd.analytics import Snapshot
from syncd.cli import main
from syncd.service.config import load_config
from syncd.service.wiring import open_store
from syncd.store import Store

BUNDLED = Path(mappings.examples.__file__).parent
SAMPLE = Path(connectors.roadmap.__file__).parent / "samples" / "productboard-api.json"
EXPORTED = "GROW-KR7"  # defined by the export only
EXPORTED_TITLE = "Lift week-one activation to 45%"
SHARED = "GROW-KR4"  # defined by the OKR file and, with another title, by the export
FILE_TITLE = "Referral programme"


def _export(path: Path) -> None:
    """The sample export with its key result renamed to an id the OKR file does not define,
    plus a key result whose id the file does define."""
    document: dict[str, Any] = json.loads(
        SAMPLE.read_text(encoding="utf-8").replace(SHARED, EXPORTED)
    )
    shared = {"id": SHARED, "name": "Another title", "objective": {"id": "GROW-O2"}}
    document["keyResults"]["data"].append({**shared, "targetValue": 3})
    path.write_text(json.dumps(document), encoding="utf-8")


def _configure(folder: Path, database_url: str) -> Path:
    export = folder / "productboard.json"
    _export(export)
    data = {
        "store": {"url": database_url},
        "sources": {
            "roadmaps": [{"name": "pb", "format": "productboard_json", "path": str(export)}]
        },
        "mappings": {"rules": str(BUNDLED / "rules.yaml"), "okrs": str(BUNDLED / "okrs.yaml")},
    }
    path = folder / "syncd.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _key_results(store: Store) -> dict[str, str]:
    """Stored key result id → title."""
    return {k.key_result_id: k.title for k in store.key_results()}


def _in_snapshot(store: Store) -> set[str]:
    stored = store.latest_snapshot()
    assert stored is not None
    return {row.key_result for row in Snapshot.from_dict(stored[1]).key_results}


@pytest.mark.parametrize("export_after_import", ["unchanged", "unreadable"])
def test_refresh_keeps_the_key_results_an_export_brought(
    tmp_path: Path, database_url: str, export_after_import: str
) -> None:
    """Import a Productboard JSON export, then ``syncd refresh``: its key result is still
    stored and in the snapshot, whether the export is read again or cannot be read (then the
    stored model is kept); the OKR file's definition of a shared id wins either way."""
    path = _configure(tmp_path, database_url)
    assert main(["sync", "--once", "--config", str(path)]) == 0
    store = open_store(load_config(path), upgrade=False)
    items = [item.item_id for item in store.iter_roadmap_items("pb")]
    assert len(items) == 2
    assert _key_results(store)[EXPORTED] == EXPORTED_TITLE
    if export_after_import == "unreadable":
        (tmp_path / "productboard.json").unlink()

    assert main(["refresh", "--config", str(path)]) == 0

    stored = _key_results(store)
    assert stored[EXPORTED] == EXPORTED_TITLE
    assert stored[SHARED] == FILE_TITLE
    assert {EXPORTED, SHARED} <= _in_snapshot(store)
    assert [item.item_id for item in store.iter_roadmap_items("pb")] == items
