"""Helpers for the roadmap tests: configurations and one-shot polls of bytes on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.roadmap import RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from syncd.core.domain import RoadmapSnapshot

PRODUCTBOARD_HEADER = (
    "Feature ID,Feature name,Feature type,Parent feature ID,Status,Timeframe start,"
    "Timeframe end,Team,Jira issue key,Objectives,Key results,Investment"
)


def config(
    path: Path, export_format: str = "productboard_csv", **extra: Any
) -> RoadmapSourceConfig:
    """A roadmap source configuration reading *path*."""
    return RoadmapSourceConfig.model_validate(
        {"name": "roadmap", "format": export_format, "path": path, **extra}
    )


def poll_bytes(
    tmp_path: Path, content: bytes, export_format: str = "productboard_csv", **extra: Any
) -> RoadmapSnapshot:
    """Write *content* to a file and poll it once as a fresh source."""
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    snapshot = RoadmapSource(config(path, export_format, **extra)).poll(None)
    assert snapshot is not None
    return snapshot


def productboard(*rows: str, header: str = PRODUCTBOARD_HEADER) -> str:
    """A Productboard-style CSV text with *rows* under *header* (CRLF line ends)."""
    return "\r\n".join((header, *rows)) + "\r\n"


def reasons(snapshot: RoadmapSnapshot) -> list[tuple[str, str]]:
    """(reference, reason) of every quarantined record."""
    return [(record.reference, record.reason) for record in snapshot.rejected]
