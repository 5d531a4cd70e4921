"""Small builders for hand-computed analytics cases; every default is stated here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from syncd.analytics import AnalyticsConfig, ShareRow, Snapshot, WindowConfig, WorkItem
from syncd.core.domain import Agreement, Decision, Issue, StatusCategory, Subject, WorkClass

NOW = datetime(2025, 5, 20, 12, 0, tzinfo=UTC)
"""Tuesday in Q2 2025: 30d = [Apr 20 12:00, May 20 12:00), quarter = [Apr 1, Jul 1)."""

DONE = StatusCategory.DONE
IN_PROGRESS = StatusCategory.IN_PROGRESS
TODO = StatusCategory.NEW
PRODUCT = WorkClass.PRODUCT
TECH = WorkClass.TECHNOLOGY
UNCLASSIFIED = WorkClass.UNCLASSIFIED
IN_30D = datetime(2025, 5, 10, 9, 0, tzinfo=UTC)

_counter = iter(range(1, 1_000_000))


def item(
    work_class: WorkClass,
    category: str | None = None,
    *,
    team: str = "checkout",
    status: StatusCategory = DONE,
    resolved: datetime | None = IN_30D,
    points: float | None = None,
    seconds: int | None = None,
    key_result: str | None = None,
    custom: Mapping[str, Any] | None = None,
    deleted: bool = False,
) -> WorkItem:
    """A work item; done and resolved inside every default window unless told otherwise."""
    number = next(_counter)
    issue = Issue(
        source="jira",
        issue_id=number,
        key=f"SHOP-{number}",
        project="SHOP",
        issue_type="Story",
        summary=f"issue {number}",
        status=str(status),
        status_category=status,
        created=datetime(2025, 1, 1, tzinfo=UTC),
        updated=NOW,
        resolved=resolved,
        story_points=points,
        time_spent_seconds=seconds,
        custom=dict(custom or {}),
    )
    decision = Decision(
        source="jira",
        issue_id=number,
        work_class=work_class,
        category=category,
        key_result=key_result,
        rule_id=None if work_class is UNCLASSIFIED else "rule",
        ruleset_version="v1",
        path=(issue.key,),
        reason="test",
    )
    return WorkItem.of(issue, decision, team, deleted)


def agreement(
    agreement_id: str,
    *,
    work_class: str | None = None,
    category: str | None = None,
    team: str | None = None,
    low: float | None = None,
    high: float | None = None,
    valid_from: date = date(2025, 1, 1),
    valid_to: date | None = None,
) -> Agreement:
    """An agreement on a work class or a category, org-wide unless *team* is given."""
    return Agreement(
        agreement_id=agreement_id,
        subject=Subject(work_class=work_class, category=category),
        team=team,
        min_share=low,
        max_share=high,
        valid_from=valid_from,
        valid_to=valid_to,
        owner="cto",
    )


def config(*windows: WindowConfig, weightings: tuple[str, ...] | None = None) -> AnalyticsConfig:
    """The default configuration, or the given windows and weightings."""
    values: dict[str, Any] = {}
    if windows:
        values["windows"] = windows
    if weightings is not None:
        values["weightings"] = weightings
    return AnalyticsConfig(**values)


def share(
    snapshot: Snapshot,
    work_class: str,
    *,
    category: str = "",
    team: str = "all",
    window: str = "30d",
    weighting: str = "issues",
) -> ShareRow:
    """The one share row with these labels."""
    found = [
        row
        for row in snapshot.shares
        if (row.team, row.work_class, row.category, row.window, row.weighting)
        == (team, work_class, category, window, weighting)
    ]
    assert len(found) == 1, found
    return found[0]
