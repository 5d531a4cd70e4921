"""Roadmap exports (Productboard, Aha!, generic CSV/JSON) read into roadmap items and OKRs.

``RoadmapSource(config).poll(previous_hash)`` returns ``None`` when the export is unchanged,
else a ``RoadmapSnapshot`` to replace the source's stored items in one transaction (or, when
``fatal`` is set, to report while the last good state is kept); ``mappings.join_okrs`` adds
exported objectives and key results to the configured OKR model. docs/roadmap-formats.md describes
each accepted format; ``samples/`` holds one file per format.

The names below are loaded when first used: a command that only reads the configuration
(``connectors.roadmap.config``) does not pay for the HTTP client and the readers.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.roadmap.fetch import ExportTooLarge, auth_secrets
    from connectors.roadmap.parsed import Parsed
    from connectors.roadmap.source import RoadmapSource

__all__ = [
    "SAMPLES",
    "ExportTooLarge",
    "Parsed",
    "RoadmapSource",
    "auth_secrets",
]

SAMPLES = Path(__file__).parent / "samples"

_HOMES = {
    "ExportTooLarge": "connectors.roadmap.fetch",
    "auth_secrets": "connectors.roadmap.fetch",
    "Parsed": "connectors.roadmap.parsed",
    "RoadmapSource": "connectors.roadmap.source",
}


if not TYPE_CHECKING:  # type checkers read the names from the imports above

    def __getattr__(name: str) -> Any:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        globals()[name] = value
        return value
