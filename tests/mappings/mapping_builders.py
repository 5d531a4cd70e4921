"""Small builders of domain values for the mapping tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from syncd.core.domain import Issue, RoadmapItem, StatusCategory

CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
_ids = iter(range(10_000, 10_000_000))


def issue(key: str, issue_type: str = "Story", **fields: Any) -> Issue:
    """An issue with sensible defaults; *fields* override any ``Issue`` field."""
    project = key.split("-", maxsplit=1)[0]
    values: dict[str, Any] = {
        "source": "acme",
        "issue_id": next(_ids),
        "key": key,
        "project": project,
        "issue_type": issue_type,
        "summary": f"{issue_type} {key}",
        "status": "Done",
        "status_category": StatusCategory.DONE,
        "created": CREATED,
        "updated": CREATED,
    }
    values.update(fields)
    return Issue(**values)


def roadmap(item_id: str, *keys: str, **fields: Any) -> RoadmapItem:
    """A roadmap feature linked to Jira *keys*."""
    return RoadmapItem(
        "productboard", item_id, "feature", f"Feature {item_id}", jira_keys=keys, **fields
    )
