"""Re-deciding stored issues as ``Pipeline.refresh`` does, with its phases timed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["refresh_phases"]


def refresh_phases(config_path: Path) -> dict[str, Any]:
    """Time one ``Pipeline.refresh`` under *config_path*'s rules: total, decide, snapshot.

    The figures are the refresh's own phases (``Pipeline.last_phases``): deciding is the own
    verdicts taken while issues stream in plus their resolution along inheritance links, both
    timed where the pipeline calls them, so they are parts of the same refresh.
    """
    from syncd.app.mapping_files import load_mapping_files
    from syncd.app.pipeline import Pipeline
    from syncd.service.config import load_config
    from syncd.service.logs import configure_logging
    from syncd.service.wiring import open_store

    configure_logging("warning")
    config = load_config(config_path)
    store = open_store(config)
    pipeline = Pipeline(store, load_mapping_files(config.mapping_paths()), config.analytics)
    pipeline.refresh()
    phases = pipeline.last_phases
    assert phases is not None
    return {
        "seconds": phases.seconds,
        "decide_seconds": phases.decide_seconds,
        "capacity_seconds": phases.capacity_seconds,
        "snapshot_seconds": phases.snapshot_seconds,
    }
