"""Roadmap items: the plan, as exported by Productboard, Aha! or a spreadsheet.

A ``RoadmapFeed`` is the seam between a roadmap connector and the application, as ``Source``
is for Jira: each poll yields a ``RoadmapSnapshot`` of the whole export, or ``None`` when the
export is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from syncd.core.domain.okr import KeyResult, Objective
from syncd.core.domain.sync import RejectedRecord

__all__ = ["RoadmapFeed", "RoadmapItem", "RoadmapSnapshot"]


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


@dataclass(frozen=True, slots=True)
class RoadmapSnapshot:
    """Everything a roadmap source holds at one point, to replace its stored items at once.

    When ``fatal`` is ``None`` the caller replaces the source's items, rejected records and
    content hash in one transaction. When it is set, the export is unusable: the caller keeps
    the last good state, does **not** store ``content_hash``, and reports ``fatal`` (the next
    poll reads the export again). ``origin`` is the file or URL (without its query) read.
    """

    source: str
    content_hash: str
    items: tuple[RoadmapItem, ...]
    objectives: tuple[Objective, ...]
    key_results: tuple[KeyResult, ...]
    rejected: tuple[RejectedRecord, ...]
    fatal: str | None
    warnings: tuple[str, ...] = ()
    origin: str = ""

    @property
    def ok(self) -> bool:
        """True when the snapshot may replace the source's stored state."""
        return self.fatal is None


class RoadmapFeed(Protocol):
    """A roadmap export that syncd polls (``connectors.roadmap.RoadmapSource`` provides it)."""

    @property
    def name(self) -> str:
        """The source's configured name; part of every stored roadmap item's identity."""
        ...

    def poll(self, previous_hash: str | None) -> RoadmapSnapshot | None:
        """The export's snapshot, or ``None`` when its content hash is still *previous_hash*.

        Raises ``SourceError`` when the export cannot be reached; a readable but unusable
        export comes back as a snapshot with ``fatal`` set.
        """
        ...
