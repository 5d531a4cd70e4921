"""Builders for the store tests: a hand-moved clock, issues and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.core.domain import Issue, Page, StatusCategory

SOURCE = "jira"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class FixedClock:
    """A clock tests can move by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_issue(issue_id: int, *, minutes: int = 0, **changes: Any) -> Issue:
    """An issue updated *minutes* after T0; keyword arguments override any field."""
    project = changes.pop("project", "SHOP")
    values: dict[str, Any] = {
        "source": SOURCE,
        "issue_id": issue_id,
        "key": f"{project}-{issue_id}",
        "project": project,
        "issue_type": "Story",
        "summary": f"Issue {issue_id}",
        "status": "In Progress",
        "status_category": StatusCategory.IN_PROGRESS,
        "created": T0 - timedelta(days=30),
        "updated": T0 + timedelta(minutes=minutes),
        "labels": ("feature",),
        "components": ("Cart",),
        "story_points": 3.0,
        "sprints": ("Sprint 1",),
        "team": "checkout",
        "custom": {"customfield_10016": 3.0},
        "raw": {"id": str(issue_id), "fields": {"summary": f"Issue {issue_id}"}},
    }
    values.update(changes)
    return Issue(**values)


def page_of(*issues: Issue, number: int = 0, **extra: Any) -> Page:
    """A page of *issues* in partition SHOP."""
    return Page(partition="SHOP", number=number, issues=tuple(issues), **extra)
