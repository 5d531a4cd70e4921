"""Re-deciding stored issues as ``Pipeline.refresh`` does, with its phases timed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["refresh_phases"]

_R = TypeVar("_R")


def refresh_phases(config_path: Path) -> dict[str, Any]:
    """Time one ``Pipeline.refresh`` under *config_path*'s rules: total, decide, snapshot.

    Deciding is the own verdicts taken while issues stream in (``LineageDecider.add``) plus
    their resolution along inheritance links (``LineageDecider.decisions``, consumed as the
    decisions are written); both are timed where the pipeline calls them, so the figures are
    parts of the same refresh, not separate runs.
    """
    import syncd.app.pipeline as pipeline_module
    from mappings import LineageDecider
    from syncd.app.mapping_files import load_mapping_files
    from syncd.app.pipeline import Pipeline
    from syncd.service.config import load_config
    from syncd.service.logs import configure_logging
    from syncd.service.wiring import open_store

    configure_logging("warning")
    config = load_config(config_path)
    store = open_store(config)
    phases: dict[str, float] = {}
    LineageDecider.add = _timed(LineageDecider.add, "decide_seconds", phases)  # type: ignore[method-assign]
    LineageDecider._decision = _timed(  # type: ignore[method-assign]
        LineageDecider._decision, "decide_seconds", phases
    )
    pipeline_module.compute_snapshot = _timed(  # type: ignore[attr-defined]
        pipeline_module.compute_snapshot, "snapshot_seconds", phases
    )
    pipeline = Pipeline(store, load_mapping_files(config.mapping_paths()), config.analytics)
    started = time.perf_counter()
    pipeline.refresh()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, **phases}


def _timed(function: Callable[..., _R], name: str, into: dict[str, float]) -> Callable[..., _R]:
    def timed(*args: Any, **kwargs: Any) -> _R:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            into[name] = into.get(name, 0.0) + time.perf_counter() - started

    return timed
