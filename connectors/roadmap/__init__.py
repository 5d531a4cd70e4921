"""Roadmap exports (Productboard, Aha!, generic CSV/JSON) read into roadmap items and OKRs.

``RoadmapSource(config).poll(previous_hash)`` returns ``None`` when the export is unchanged,
else a ``RoadmapSnapshot`` to replace the source's stored items in one transaction (or, when
``fatal`` is set, to report while the last good state is kept); ``mappings.join_okrs`` adds
exported objectives and key results to the configured OKR model. docs/roadmap-formats.md describes
each accepted format; ``samples/`` holds one file per format.
"""

from __future__ import annotations

from pathlib import Path

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
