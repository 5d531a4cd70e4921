"""The vocabulary of sync runs: what a run does, how it ended, and what it counted.

One definition for the engine, the store, the metrics and the CLI. The values are the strings
stored in ``sync_runs`` and exported as metric labels, so they never change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

__all__ = ["RunCounts", "RunKind", "RunOutcome"]


class RunKind(StrEnum):
    """What a run does: fetch changes since the watermark, fetch everything, or sweep ids."""

    INCREMENTAL = "incremental"
    FULL = "full"
    CENSUS = "census"


class RunOutcome(StrEnum):
    """How a run ended (``running`` until it is finished).

    ``partial``: stopped, or the source's paging was unstable, so the watermark did not move;
    ``failure``: the run could not complete (its error says why).
    """

    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    PARTIAL = "partial"

    @classmethod
    def final(cls) -> tuple[RunOutcome, ...]:
        """Every outcome a finished run can have, in declaration order."""
        return tuple(outcome for outcome in cls if outcome is not cls.RUNNING)


@dataclass(frozen=True, slots=True)
class RunCounts:
    """A run's totals (or one page's share of them); ``+`` adds them field by field."""

    pages: int = 0
    issues_fetched: int = 0
    issues_inserted: int = 0
    issues_updated: int = 0
    issues_unchanged: int = 0
    rejected: int = 0
    deleted: int = 0

    def __add__(self, other: RunCounts) -> RunCounts:
        """The field-by-field sum of two counts."""
        return RunCounts(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(RunCounts))
        )
