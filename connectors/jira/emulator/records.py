"""The emulator's compact, mode-independent values: one record per issue, plus the
organisation's teams, projects, sprints, quarters and key results.

Times are integer epoch milliseconds in UTC: a 200,000-issue organisation stays small and
sorts and compares fast; rendering turns them into Jira's ``yyyy-MM-ddTHH:mm:ss.SSS±HHMM``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "Component",
    "IssueRecord",
    "KeyResultRecord",
    "ObjectiveRecord",
    "Project",
    "Quarter",
    "Sprint",
    "Team",
    "from_ms",
    "to_ms",
]


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone")
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """The UTC datetime of epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@dataclass(frozen=True, slots=True)
class IssueRecord:
    """One issue, in the form both modes render from.

    ``parent_id`` is the epic of a standard issue or the parent of a sub-task; ``team`` is
    the Team custom field (None when unset: the project's team then applies); ``assignee``
    the assignee's account id (``connectors.jira.emulator.people``), None when unassigned.
    """

    id: int
    project: str
    number: int
    issue_type: str
    summary: str
    status: str
    priority: str
    created_ms: int
    updated_ms: int
    resolved_ms: int | None
    resolution: str | None
    labels: tuple[str, ...]
    components: tuple[str, ...]
    parent_id: int | None
    team: str | None
    story_points: float | None
    time_spent: int | None
    sprint_ids: tuple[int, ...]
    assignee: str | None = None

    @property
    def key(self) -> str:
        """The issue key, e.g. ``SHOP-12``."""
        return f"{self.project}-{self.number}"


@dataclass(frozen=True, slots=True)
class Component:
    """A project component."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Team:
    """A team; ``id`` is the Cloud team id, ``option_id`` the Data Center select option."""

    name: str
    id: str
    option_id: int


@dataclass(frozen=True, slots=True)
class Project:
    """A Jira project owned by one team; ``kind`` is product, mixed or technology, and
    ``issue_share`` the part of the organisation's issues created in it."""

    id: int
    key: str
    name: str
    team: str
    kind: str
    board_id: int
    components: tuple[Component, ...]
    issue_share: float


@dataclass(frozen=True, slots=True)
class Sprint:
    """A two-week sprint on a project's board; ``state`` is closed, active or future."""

    id: int
    board_id: int
    project: str
    name: str
    sequence: int
    start_ms: int
    end_ms: int
    complete_ms: int | None
    state: str


@dataclass(frozen=True, slots=True)
class Quarter:
    """A calendar quarter, e.g. ``2026Q3``, as a half-open UTC interval."""

    name: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class KeyResultRecord:
    """A key result issues link to with a ``kr:<id>`` label, e.g. ``SHOP-KR1``."""

    id: str
    team: str
    project: str
    quarter: str
    title: str


@dataclass(frozen=True, slots=True)
class ObjectiveRecord:
    """A team's objective for one quarter and the ids of its key results."""

    id: str
    team: str
    quarter: str
    title: str
    key_results: tuple[str, ...]
