"""Issues as syncd sees them, and the classification decision made for each one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = ["Decision", "Issue", "StatusCategory", "WorkClass", "ensure_utc"]


def ensure_utc(moment: datetime) -> datetime:
    """Return *moment* in UTC; naive datetimes are refused, never guessed."""
    if moment.tzinfo is UTC:
        return moment  # the common case: parsed and stored times are UTC already
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)


class StatusCategory(StrEnum):
    """Jira's workflow-independent status categories (keys as the API sends them)."""

    NEW = "new"
    IN_PROGRESS = "indeterminate"
    DONE = "done"
    UNDEFINED = "undefined"


class WorkClass(StrEnum):
    """The top-level split an organisation agrees on."""

    PRODUCT = "product"
    TECHNOLOGY = "technology"
    UNCLASSIFIED = "unclassified"


@dataclass(frozen=True, slots=True)
class Issue:
    """One Jira issue, normalised from its raw payload.

    Identity is ``(source, issue_id)``: the numeric Jira id survives a move between projects,
    the key does not. ``raw`` keeps the payload as fetched so that changed rules or field
    choices can re-derive everything without polling Jira again; it takes no part in equality.
    ``assignee`` is the assignee's account id (Cloud) or user key (Data Center): it tells whose
    time an issue takes, and never leaves the store (no metric, log line or page shows it).
    """

    source: str
    issue_id: int
    key: str
    project: str
    issue_type: str
    summary: str
    status: str
    status_category: StatusCategory
    created: datetime
    updated: datetime
    resolved: datetime | None = None
    priority: str | None = None
    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    parent_key: str | None = None
    epic_key: str | None = None
    story_points: float | None = None
    time_spent_seconds: int | None = None
    sprints: tuple[str, ...] = ()
    team: str | None = None
    assignee: str | None = None
    custom: Mapping[str, Any] = field(default_factory=dict, compare=False)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("created", "updated"):
            object.__setattr__(self, name, ensure_utc(getattr(self, name)))
        if self.resolved is not None:
            object.__setattr__(self, "resolved", ensure_utc(self.resolved))


@dataclass(frozen=True, slots=True)
class Decision:
    """How one issue was classified, and why.

    ``rule_id`` is the rule that matched (``None`` for an unclassified issue),
    ``ruleset_version`` the content hash of the rule set, and ``path`` the inheritance chain
    the decision came through, starting with the issue itself (e.g. ``("SHOP-7", "SHOP-2")``
    when a sub-task inherits its parent's decision).
    """

    source: str
    issue_id: int
    work_class: WorkClass
    category: str | None
    key_result: str | None
    rule_id: str | None
    ruleset_version: str
    path: tuple[str, ...]
    reason: str
