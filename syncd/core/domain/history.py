"""An issue's history: the changes of the fields syncd reconstructs the past from.

Jira's changelog says, for every change, which field moved from which value to which and
when. syncd keeps the changes of the fields below (nothing else), append-only, one
``FieldChange`` per field per history entry. Values are the ones ``Issue`` holds for that
field: a status name, a status category key, an assignee's account id (Cloud) or user key
(Data Center), a resolution name (``None`` while unresolved), an issue key, a project key, a
team value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from syncd.core.domain.work import ensure_utc

__all__ = ["FieldChange", "HistoryField"]


class HistoryField(StrEnum):
    """The fields whose changes syncd keeps."""

    STATUS = "status"
    STATUS_CATEGORY = "status_category"
    ASSIGNEE = "assignee"
    RESOLUTION = "resolution"
    PARENT = "parent"
    EPIC = "epic"
    PROJECT = "project"
    KEY = "key"
    TEAM = "team"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's change in one entry of an issue's history.

    Identity is ``(source, history_id, field)``: Jira numbers history entries per instance,
    so a change read twice (an overlap window, a replay) is stored once. ``before`` and
    ``after`` are ``None`` where the field was empty.
    """

    source: str
    issue_id: int
    history_id: int
    changed_at: datetime
    field: HistoryField
    before: str | None
    after: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "changed_at", ensure_utc(self.changed_at))
