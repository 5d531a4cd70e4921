"""The mutable in-memory Jira behind the emulator: issues by id, per-project indexes, and
the mutations tests use (edit, create, move, delete, revoke, restore).

Every mutation stamps ``updated`` with the emulator clock and bumps ``version``, which
invalidates cached search results. All access goes through one re-entrant lock because the
HTTP server answers requests on several threads.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from connectors.jira.emulator.catalog import ISSUE_TYPES, STATUSES
from connectors.jira.emulator.clock import Clock
from connectors.jira.emulator.org import Organisation
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
    }
)
_HISTORY_DEPTH = 8


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
        self._history: dict[int, list[tuple[int, IssueRecord | None]]] = {}

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
        """The issue as it stood at *moment_ms* (None if created later), for stale reads."""
        with self.lock:
            record = self._issues.get(issue_id)
            for changed_ms, previous in reversed(self._history.get(issue_id, [])):
                if changed_ms <= moment_ms:
                    break
                record = previous
            return record

    def changed_since(self, moment_ms: int) -> bool:
        """Whether any issue changed after *moment_ms* (cheap check for stale reads)."""
        with self.lock:
            return any(h[-1][0] > moment_ms for h in self._history.values() if h)

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
            now = max(self.clock.now_ms(), record.created_ms)
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
                self._history[record.id][-1:] = []  # one creation, not create + edit
            return record.id

    def move(self, issue_id: int, to_project: str) -> str:
        """Move an issue to another project: same id, a new key; the old key is gone."""
        with self.lock:
            record = self._require(issue_id)
            if to_project not in self.projects:
                raise ValueError(f"unknown project {to_project!r}")
            self._numbers[to_project] += 1
            self._members[record.project].remove(issue_id)
            del self._by_key[record.key]
            moved = self._replace(
                record,
                project=to_project,
                number=self._numbers[to_project],
                components=(),
                updated_ms=self.clock.now_ms(),
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
            del self._by_key[record.key]
            self._members[record.project].remove(issue_id)
            self._history.pop(issue_id, None)
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
        return new

    def _store(self, record: IssueRecord, previous: IssueRecord | None) -> None:
        self._issues[record.id] = record
        self._by_key[record.key] = record.id
        history = self._history.setdefault(record.id, [])
        history.append((record.updated_ms, previous))
        del history[:-_HISTORY_DEPTH]
        self.version += 1

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
