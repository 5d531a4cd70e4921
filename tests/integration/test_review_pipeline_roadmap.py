"""A roadmap export's key results survive a restart while the export cannot be read.

Roadmap items are stored, but the objectives and key results an export brought were held
only in the process's memory: a new process (a restart, or a follower taking the lead) whose
first read of the export failed replaced the stored OKR model without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import connectors.roadmap
import mappings.examples
from syncd.app.mapping_files import load_mapping_files
from syncd.app.pipeline import Pipeline
from syncd.service.config import Config, load_config
from syncd.service.wiring import open_store, roadmap_sources

BUNDLED = Path(mappings.examples.__file__).parent
SAMPLES = Path(connectors.roadmap.__file__).parent / "samples"
EXPORTED_KEY_RESULT = "GROW-KR7"  # defined by the export only, not by the OKR file


def _config(folder: Path) -> Config:
    export = folder / "productboard.json"
    sample = (SAMPLES / "productboard-api.json").read_text(encoding="utf-8")
    export.write_text(sample.replace("GROW-KR4", EXPORTED_KEY_RESULT), encoding="utf-8")
    data: dict[str, Any] = {
        "store": {"url": f"sqlite:///{folder / 'syncd.db'}"},
        "sources": {
            "roadmaps": [{"name": "pb", "format": "productboard_json", "path": str(export)}]
        },
        "mappings": {
            "rules": str(BUNDLED / "rules.yaml"),
            "okrs": str(BUNDLED / "okrs.yaml"),
        },
    }
    path = folder / "syncd.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_config(path)


def _pipeline(config: Config) -> Pipeline:
    return Pipeline(
        open_store(config),
        load_mapping_files(config.mapping_paths()),
        config.analytics,
        roadmap_sources(config),
    )


def test_exported_key_results_stay_when_a_new_process_cannot_read_the_export(
    tmp_path: Path,
) -> None:
    """The stored model keeps the export's key result, and the snapshot still shows it."""
    config = _config(tmp_path)
    first = _pipeline(config)
    first.refresh()
    assert EXPORTED_KEY_RESULT in {k.key_result_id for k in first._store.key_results()}

    (tmp_path / "productboard.json").unlink()
    restarted = _pipeline(config)
    snapshot = restarted.refresh()

    stored = {k.key_result_id for k in restarted._store.key_results()}
    assert EXPORTED_KEY_RESULT in stored
    assert EXPORTED_KEY_RESULT in {row.key_result for row in snapshot.key_results}
    assert len(list(restarted._store.iter_roadmap_items(source="pb"))) == 2


def test_an_export_read_again_is_the_authority_for_its_key_results(tmp_path: Path) -> None:
    """Once the export is read again, a key result it no longer holds leaves the model."""
    config = _config(tmp_path)
    _pipeline(config).refresh()
    export = tmp_path / "productboard.json"
    text = export.read_text(encoding="utf-8").replace(EXPORTED_KEY_RESULT, "GROW-KR9")
    export.write_text(text, encoding="utf-8")

    restarted = _pipeline(config)
    restarted.refresh()

    stored = {k.key_result_id for k in restarted._store.key_results()}
    assert "GROW-KR9" in stored
    assert EXPORTED_KEY_RESULT not in stored
