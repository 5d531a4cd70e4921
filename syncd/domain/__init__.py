"""The domain model every other layer speaks: issues, decisions, OKRs, roadmap items, sync pages.

Values are frozen, slotted dataclasses; every datetime is timezone-aware UTC. Nothing here
knows about HTTP, SQL or YAML.
"""

from __future__ import annotations

from syncd.domain.okr import Agreement, KeyResult, Measure, Objective, Subject
from syncd.domain.roadmap import RoadmapItem
from syncd.domain.sync import Census, Page, RejectedRecord, Source
from syncd.domain.work import (
    Decision,
    Issue,
    StatusCategory,
    WorkClass,
    ensure_utc,
)

__all__ = [
    "Agreement",
    "Census",
    "Decision",
    "Issue",
    "KeyResult",
    "Measure",
    "Objective",
    "Page",
    "RejectedRecord",
    "RoadmapItem",
    "Source",
    "StatusCategory",
    "Subject",
    "WorkClass",
    "ensure_utc",
]
