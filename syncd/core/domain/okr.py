"""Objectives, key results and the agreed share of work (the organisation's agreement)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "AGREEMENT_WEIGHTING",
    "AGREEMENT_WINDOW",
    "ORGANISATION",
    "Agreement",
    "KeyResult",
    "Measure",
    "Objective",
    "Subject",
    "names_the_organisation",
]

ORGANISATION = "all"
"""What the analytics call the whole organisation where they would name a team; no team may
be called so (``names_the_organisation``), or its work would merge with everyone's."""

AGREEMENT_WINDOW = "90d"
"""The window an agreement is judged on when it names none: long enough that a few issues
more or less do not swing the share, short enough to act on within the quarter."""

AGREEMENT_WEIGHTING = "issues"
"""The weighting an agreement is judged on when it names none: the only one every Jira has."""


def names_the_organisation(team: str) -> bool:
    """Whether *team* would be read as the whole organisation (``all``, in any case, padded)."""
    return team.strip().casefold() == ORGANISATION


class Measure(StrEnum):
    """How a key result's progress is counted from the work linked to it."""

    ISSUE_COUNT = "issue_count"
    STORY_POINTS = "story_points"
    FIELD_SUM = "field_sum"


@dataclass(frozen=True, slots=True)
class Objective:
    """A qualitative goal for a period; key results measure it."""

    objective_id: str
    title: str
    teams: tuple[str, ...]
    period_start: date
    period_end: date


@dataclass(frozen=True, slots=True)
class KeyResult:
    """A measurable outcome: ``target`` units of ``measure`` over the objective's period.

    ``field`` names the numeric custom field summed when ``measure`` is ``FIELD_SUM``.
    """

    key_result_id: str
    objective_id: str
    title: str
    teams: tuple[str, ...]
    period_start: date
    period_end: date
    measure: Measure
    target: float
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """What an agreement constrains: a work class (``technology``) or a category (``tech_debt``)."""

    work_class: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        if (self.work_class is None) == (self.category is None):
            raise ValueError("a subject names exactly one of work_class or category")

    @property
    def label(self) -> str:
        """The name used in metric labels and reports."""
        return self.work_class or self.category or ""


@dataclass(frozen=True, slots=True)
class Agreement:
    """An agreed share band for a subject, org-wide (``team is None``) or for one team.

    In force from ``valid_from`` (inclusive) to ``valid_to`` (exclusive; ``None`` = open).
    At least one of ``min_share`` and ``max_share`` is set; both lie in [0, 1]. ``window``
    and ``weighting`` name the share the agreement is judged on (alerts fire on that one;
    the others are context).
    """

    agreement_id: str
    subject: Subject
    team: str | None
    min_share: float | None
    max_share: float | None
    valid_from: date
    valid_to: date | None
    owner: str
    note: str = ""
    window: str = AGREEMENT_WINDOW
    weighting: str = AGREEMENT_WEIGHTING

    def in_force_on(self, day: date) -> bool:
        """True when the agreement applies on *day*."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)
