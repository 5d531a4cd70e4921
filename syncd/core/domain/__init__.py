"""The domain model every other layer speaks: issues, decisions, OKRs, roadmap items, sync pages
and the vocabulary of sync runs.

Values are frozen, slotted dataclasses; every datetime is timezone-aware UTC. Nothing here
knows about HTTP, SQL or YAML.
"""

from __future__ import annotations

from syncd.core.domain.history import FieldChange, HistoryField
from syncd.core.domain.okr import (
    AGREEMENT_WEIGHTING,
    AGREEMENT_WINDOW,
    ORGANISATION,
    Agreement,
    KeyResult,
    Measure,
    Objective,
    Subject,
    names_the_organisation,
)
from syncd.core.domain.roadmap import RoadmapFeed, RoadmapItem, RoadmapSnapshot
from syncd.core.domain.runs import RunCounts, RunKind, RunOutcome
from syncd.core.domain.sync import Census, Page, RejectedRecord, Source
from syncd.core.domain.work import Decision, Issue, StatusCategory, WorkClass, ensure_utc

__all__ = [
    "AGREEMENT_WEIGHTING",
    "AGREEMENT_WINDOW",
    "ORGANISATION",
    "Agreement",
    "Census",
    "Decision",
    "FieldChange",
    "HistoryField",
    "Issue",
    "KeyResult",
    "Measure",
    "Objective",
    "Page",
    "RejectedRecord",
    "RoadmapFeed",
    "RoadmapItem",
    "RoadmapSnapshot",
    "RunCounts",
    "RunKind",
    "RunOutcome",
    "Source",
    "StatusCategory",
    "Subject",
    "WorkClass",
    "ensure_utc",
    "names_the_organisation",
]
