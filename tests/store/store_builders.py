"""Builders for the store tests: a hand-moved clock, issues and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from syncd.core.domain import Issue, Page, StatusCategory
from syncd.store import migrate

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


def migrate_to(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with *down*, downgrade) the store behind *engine* to *revision*, in one
    transaction as ``syncd db upgrade`` does."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).with_name("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
