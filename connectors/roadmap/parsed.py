"""What parsing one roadmap payload produces (the source turns it into a ``RoadmapSnapshot``)."""

from __future__ import annotations

from dataclasses import dataclass

from syncd.core.domain import KeyResult, Objective, RejectedRecord, RoadmapItem

__all__ = ["Parsed"]


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
