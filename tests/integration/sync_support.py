"""Builders for end-to-end sync tests: an emulator with a pinned clock, a store, a source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.jira.config import JiraSourceConfig
from connectors.jira.emulator import Clock, IssueRecord, JiraEmulator, generate_organisation
from connectors.jira.source import JiraSource
from syncd.app.sync import SyncEngine
from syncd.core.domain import Issue
from syncd.store import Store, create_store_engine, upgrade

ORG_NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
PROJECTS = ("SHOP", "GROW", "MOB", "PLAT", "DATA")


@dataclass
class Rig:
    """An emulator, a store and an engine sharing the emulator's clock."""

    emulator: JiraEmulator
    store: Store
    engine: SyncEngine
    source: JiraSource
    url: str

    def advance(self, **delta: float) -> None:
        """Move the shared clock forward."""
        self.emulator.clock.advance(timedelta(**delta).total_seconds())


def source_config(url: str, **overrides: Any) -> JiraSourceConfig:
    """A Jira source over the emulator, small pages so that a sync spans many of them."""
    values: dict[str, Any] = {
        "name": "acme",
        "url": url,
        "auth": {"method": "none"},
        "projects": PROJECTS,
        "page_size": 40,
        "overlap_minutes": 5,
        "concurrency": 3,
        "request_timeout_seconds": 5,
        "max_attempts": 5,
    }
    values.update(overrides)
    return JiraSourceConfig.model_validate(values)


def make_rig(database_url: str, mode: str, *, issues: int = 400, **emulator_options: Any) -> Rig:
    """Start an emulator in *mode* (caller stops it) over a freshly migrated store."""
    org = generate_organisation(issues=issues, seed=11, now=ORG_NOW)
    clock = Clock(pinned=ORG_NOW + timedelta(hours=1))
    emulator = JiraEmulator(org, mode, clock=clock, **emulator_options)
    url = emulator.start()
    engine = create_store_engine(database_url)
    upgrade(engine)
    store = Store(engine)
    source = JiraSource(source_config(url), None, sleep=lambda _: None, clock=clock.now)
    return Rig(emulator, store, SyncEngine(store, clock=clock.now), source, url)


def visible_records(emulator: JiraEmulator) -> dict[int, IssueRecord]:
    """Every issue the emulator's search can see, by id."""
    state = emulator.state
    records = {}
    for project in state.visible_projects():
        for issue_id in state.project_ids(project.key):
            record = state.get(issue_id)
            if record is not None:
                records[issue_id] = record
    return records


def comparable_record(record: IssueRecord) -> tuple[Any, ...]:
    """The emulator's truth for the fields the store must reproduce exactly."""
    return (
        record.key,
        record.project,
        record.issue_type,
        record.summary,
        record.status,
        record.priority,
        tuple(sorted(record.labels)),
        tuple(sorted(record.components)),
        record.updated_ms,
        record.resolved_ms,
        record.story_points,
        record.time_spent,
    )


def comparable_issue(issue: Issue) -> tuple[Any, ...]:
    """The same fields as stored."""
    return (
        issue.key,
        issue.project,
        issue.issue_type,
        issue.summary,
        issue.status,
        issue.priority,
        tuple(sorted(issue.labels)),
        tuple(sorted(issue.components)),
        _ms(issue.updated),
        _ms(issue.resolved) if issue.resolved else None,
        issue.story_points,
        issue.time_spent_seconds,
    )


def stored_issues(store: Store) -> dict[int, tuple[Any, ...]]:
    """What the store holds (live issues only), comparable with the emulator."""
    return {issue.issue_id: comparable_issue(issue) for issue in store.iter_issues()}


def emulator_issues(emulator: JiraEmulator) -> dict[int, tuple[Any, ...]]:
    """What the emulator holds, comparable with the store."""
    return {issue_id: comparable_record(r) for issue_id, r in visible_records(emulator).items()}


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)
