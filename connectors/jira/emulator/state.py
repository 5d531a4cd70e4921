"""The mutable in-memory Jira behind the emulator: issues by id, per-project indexes, each
issue's history, and the mutations tests use (edit, create, move, delete, revoke, restore).

Every mutation stamps ``updated`` with the emulator clock, appends a history entry for the
fields Jira records (status, resolution, assignee, parent, team, project and key), and bumps
``version``, which invalidates cached search results. Reads at a moment before the last
change (``horizon_ms``: a clock pinned in the organisation's past) see every issue as it
stood then (``as_of``). A moved issue keeps answering to its old keys, as in Jira. All access
goes through one re-entrant lock because the HTTP server answers requests on several threads.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from connectors.jira.emulator.catalog import ISSUE_TYPES, STATUSES
from connectors.jira.emulator.clock import Clock
from connectors.jira.emulator.history import (
    KEY,
    HistoryEntry,
    edit_items,
    record_as_of,
    visible_entries,
)
from connectors.jira.emulator.org import Organisation
from connectors.jira.emulator.people import API_USER
from connectors.jira.emulator.records import IssueRecord, Project

__all__ = ["EDITABLE_FIELDS", "JiraState", "UnknownIssueError"]

EDITABLE_FIELDS = frozenset(
    {
        "summary",
        "status",
        "priority",
        "labels",
        "components",
        "parent_id",
        "team",
        "story_points",
        "time_spent",
        "sprint_ids",
        "issue_type",
        "resolution",
        "assignee",
    }
)
_SNAPSHOT_DEPTH = 8


class UnknownIssueError(KeyError):
    """The issue id does not exist (never did, or was deleted)."""


class JiraState:
    """Issues and projects of one emulated Jira, safe to use from several threads."""

    def __init__(self, org: Organisation, clock: Clock) -> None:
        self.clock = clock
        self.org = org
        self.lock = threading.RLock()
        self.version = 0
        self.projects: dict[str, Project] = {p.key: p for p in org.projects}
        self._issues: dict[int, IssueRecord] = {i.id: i for i in org.issues}
        self._by_key: dict[str, int] = {i.key: i.id for i in org.issues}
        self._changelog: dict[int, tuple[HistoryEntry, ...]] = dict(org.histories)
        entries = [e for history in self._changelog.values() for e in history]
        self._next_history_id = max((e.id for e in entries), default=9999) + 1
        self.horizon_ms = max(
            [*(e.created_ms for e in entries), *(i.created_ms for i in org.issues)], default=0
        )
        for issue_id, history in self._changelog.items():
            for old_key in _former_keys(history):
                self._by_key.setdefault(old_key, issue_id)
        self._members: dict[str, list[int]] = {key: [] for key in self.projects}
        for issue in org.issues:  # creation order is also created-then-key order
            self._members[issue.project].append(issue.id)
        self._sorted: set[str] = set(self._members)
        self._numbers = {
            key: max((self._issues[i].number for i in ids), default=0)
            for key, ids in self._members.items()
        }
        self._next_id = max(self._issues, default=9999) + 1
        self._hidden: set[str] = set()
        self._snapshots: dict[int, list[tuple[int, IssueRecord | None]]] = {}

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state lock (re-entrant) for a consistent read."""
        with self.lock:
            yield

    # -- reads -------------------------------------------------------------------------
    def visible_projects(self) -> list[Project]:
        """Projects the API user can see, in key order of creation."""
        with self.lock:
            return [p for key, p in self.projects.items() if key not in self._hidden]

    def is_visible(self, project: str) -> bool:
        """Whether the API user can browse *project*."""
        return project in self.projects and project not in self._hidden

    def get(self, issue_id: int) -> IssueRecord | None:
        """The current record of a visible issue, or None."""
        with self.lock:
            record = self._issues.get(issue_id)
            if record is None or record.project in self._hidden:
                return None
            return record

    def record(self, issue_id: int) -> IssueRecord | None:
        """The current record of an issue, visible or not; None when there is none."""
        with self.lock:
            return self._issues.get(issue_id)

    def find(self, id_or_key: str) -> IssueRecord | None:
        """A visible issue by numeric id or key, or None."""
        with self.lock:
            issue_id = (
                int(id_or_key) if id_or_key.isdigit() else self._by_key.get(id_or_key.upper())
            )
            return None if issue_id is None else self.get(issue_id)

    def project_ids(self, project: str) -> list[int]:
        """Ids of *project*'s issues ordered by (created, key); callers must not mutate it."""
        with self.lock:
            if project not in self._sorted:
                issues = self._issues
                self._members[project].sort(key=lambda i: (issues[i].created_ms, issues[i].number))
                self._sorted.add(project)
            return self._members[project]

    def as_of(self, issue_id: int, moment_ms: int) -> IssueRecord | None:
        """The issue as it stood at *moment_ms* (None if created later), visible or not."""
        with self.lock:
            record = self._issues.get(issue_id)
            for changed_ms, previous in reversed(self._snapshots.get(issue_id, [])):
                if changed_ms <= moment_ms:
                    break
                record = previous
            if record is not None and moment_ms < self.horizon_ms:
                record = record_as_of(record, self._changelog.get(issue_id, ()), moment_ms)
            return record

    def record_at(self, issue_id: int, moment_ms: int) -> IssueRecord | None:
        """The issue as the API user saw it at *moment_ms*: None if it did not exist then or
        its project is hidden."""
        with self.lock:
            if moment_ms >= self.horizon_ms:
                return self.get(issue_id)
            record = self.as_of(issue_id, moment_ms)
            return record if record is not None and self.is_visible(record.project) else None

    def history(self, issue_id: int, moment_ms: int | None = None) -> list[HistoryEntry]:
        """The issue's history entries made at or before *moment_ms*, oldest first."""
        with self.lock:
            return list(visible_entries(self._changelog.get(issue_id, ()), moment_ms))

    def changed_since(self, moment_ms: int) -> bool:
        """Whether any issue changed after *moment_ms* (cheap check for stale reads)."""
        with self.lock:
            return any(h[-1][0] > moment_ms for h in self._snapshots.values() if h)

    # -- mutations ---------------------------------------------------------------------
    def edit(self, issue_id: int, **changes: Any) -> IssueRecord:
        """Change fields of an issue (names as in :class:`IssueRecord`); bumps ``updated``.

        Moving into a done status resolves the issue (resolution Done unless given);
        moving out of one clears the resolution.
        """
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"cannot edit {sorted(unknown)}; editable: {sorted(EDITABLE_FIELDS)}")
        with self.lock:
            record = self._require(issue_id)
            now = max(self.clock.now_ms(), self._last_change(record))
            for name in ("labels", "components", "sprint_ids"):
                if name in changes:
                    changes[name] = tuple(changes[name])
            if "status" in changes:
                changes.update(self._resolution_for(record, changes, now))
            if "issue_type" in changes and changes["issue_type"] not in ISSUE_TYPES:
                raise ValueError(f"unknown issue type {changes['issue_type']!r}")
            return self._replace(record, updated_ms=now, **changes)

    def create(
        self,
        project: str,
        issue_type: str,
        *,
        summary: str | None = None,
        status: str = "To Do",
        labels: Iterable[str] = (),
        **fields: Any,
    ) -> int:
        """Create an issue in *project* at the clock's time; return its new id."""
        if issue_type not in ISSUE_TYPES:
            raise ValueError(f"unknown issue type {issue_type!r}")
        with self.lock:
            if project not in self.projects:
                raise ValueError(f"unknown project {project!r}")
            now = self.clock.now_ms()
            self._numbers[project] += 1
            record = IssueRecord(
                id=self._next_id,
                project=project,
                number=self._numbers[project],
                issue_type=issue_type,
                summary=summary or f"New {issue_type.lower()}",
                status="To Do",
                priority="Medium",
                created_ms=now,
                updated_ms=now,
                resolved_ms=None,
                resolution=None,
                labels=tuple(labels),
                components=(),
                parent_id=None,
                team=None,
                story_points=None,
                time_spent=None,
                sprint_ids=(),
            )
            self._next_id += 1
            self._store(record, previous=None)
            self._members[project].append(record.id)
            self._sorted.discard(project)
            if status != "To Do" or fields:
                self.edit(record.id, status=status, **fields)
                self._snapshots[record.id][-1:] = []  # one creation, not create + edit
            return record.id

    def move(self, issue_id: int, to_project: str) -> str:
        """Move an issue to another project: same id, a new key; the old key still finds it."""
        with self.lock:
            record = self._require(issue_id)
            if to_project not in self.projects:
                raise ValueError(f"unknown project {to_project!r}")
            self._numbers[to_project] += 1
            self._members[record.project].remove(issue_id)
            moved = self._replace(
                record,
                project=to_project,
                number=self._numbers[to_project],
                components=(),
                updated_ms=max(self.clock.now_ms(), self._last_change(record)),
            )
            self._members[to_project].append(issue_id)
            self._sorted.discard(to_project)
            return moved.key

    def delete(self, issue_id: int) -> None:
        """Delete an issue and, as Jira does, its sub-tasks."""
        with self.lock:
            record = self._require(issue_id)
            for child in [
                i
                for i in self._issues.values()
                if i.parent_id == issue_id and i.issue_type == "Sub-task"
            ]:
                self.delete(child.id)
            del self._issues[issue_id]
            for key in [key for key, owner in self._by_key.items() if owner == issue_id]:
                del self._by_key[key]
            self._members[record.project].remove(issue_id)
            self._snapshots.pop(issue_id, None)
            self._changelog.pop(issue_id, None)
            self.version += 1

    def revoke(self, project: str) -> None:
        """Take away the API user's Browse permission on *project*."""
        with self.lock:
            if project not in self.projects:
                raise ValueError(f"unknown project {project!r}")
            self._hidden.add(project)
            self.version += 1

    def restore(self, project: str) -> None:
        """Give back the Browse permission on *project*."""
        with self.lock:
            self._hidden.discard(project)
            self.version += 1

    # -- helpers -----------------------------------------------------------------------
    def _require(self, issue_id: int) -> IssueRecord:
        record = self._issues.get(issue_id)
        if record is None:
            raise UnknownIssueError(issue_id)
        return record

    def _replace(self, record: IssueRecord, **changes: Any) -> IssueRecord:
        new = dataclasses.replace(record, **changes)
        self._store(new, previous=record)
        items = edit_items(record, new)
        if items:
            entry = HistoryEntry(self._next_history_id, new.updated_ms, API_USER.account_id, items)
            self._next_history_id += 1
            self._changelog[new.id] = (*self._changelog.get(new.id, ()), entry)
            self.horizon_ms = max(self.horizon_ms, new.updated_ms)
        return new

    def _store(self, record: IssueRecord, previous: IssueRecord | None) -> None:
        self._issues[record.id] = record
        self._by_key[record.key] = record.id
        snapshots = self._snapshots.setdefault(record.id, [])
        snapshots.append((record.updated_ms, previous))
        del snapshots[:-_SNAPSHOT_DEPTH]
        self.horizon_ms = max(self.horizon_ms, record.created_ms)
        self.version += 1

    def _last_change(self, record: IssueRecord) -> int:
        history = self._changelog.get(record.id, ())
        return max(record.created_ms, history[-1].created_ms if history else 0)

    @staticmethod
    def _resolution_for(record: IssueRecord, changes: dict[str, Any], now: int) -> dict[str, Any]:
        status = STATUSES.get(changes["status"])
        if status is None:
            raise ValueError(f"unknown status {changes['status']!r}; known: {sorted(STATUSES)}")
        if status.category != "done":
            return {"resolution": None, "resolved_ms": None}
        if record.resolved_ms is not None:
            return {}
        return {"resolution": changes.get("resolution") or "Done", "resolved_ms": now}


def _former_keys(history: Iterable[HistoryEntry]) -> Iterator[str]:
    for entry in history:
        for item in entry.items:
            if item.kind == KEY and item.before:
                yield str(item.before)
