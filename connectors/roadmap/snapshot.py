"""What one read of a roadmap export produces: a parse result, then a source's snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from syncd.domain import KeyResult, Objective, RejectedRecord, RoadmapItem

__all__ = ["Parsed", "RoadmapSnapshot"]


@dataclass(frozen=True, slots=True)
class Parsed:
    """The outcome of parsing one payload.

    ``fatal`` is set when the payload as a whole cannot be used (an unreadable header, no
    readable row, invalid JSON); what was parsed is still returned so it can be reported.
    """

    items: tuple[RoadmapItem, ...] = ()
    objectives: tuple[Objective, ...] = ()
    key_results: tuple[KeyResult, ...] = ()
    rejected: tuple[RejectedRecord, ...] = ()
    warnings: tuple[str, ...] = ()
    fatal: str | None = None


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
