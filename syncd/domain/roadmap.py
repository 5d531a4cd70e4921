"""Roadmap items: the plan, as exported by Productboard, Aha! or a spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["RoadmapItem"]


@dataclass(frozen=True, slots=True)
class RoadmapItem:
    """One feature, epic or initiative from a roadmap export.

    ``jira_keys`` links the item to Jira (usually epics); ``key_result`` ties it to an OKR.
    ``hint`` is an optional ``product``/``technology`` hint the export carries.
    """

    source: str
    item_id: str
    item_type: str
    title: str
    parent_id: str | None = None
    status: str | None = None
    start: date | None = None
    end: date | None = None
    team: str | None = None
    jira_keys: tuple[str, ...] = ()
    objective: str | None = None
    key_result: str | None = None
    hint: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
