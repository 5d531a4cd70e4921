"""Deletion detection: apply an ids-only census of a source to the stored issues.

Incremental queries never see deletions. A complete census soft-deletes the live issues of
each swept partition (a Jira project) whose ids it no longer contains, and restores
soft-deleted issues whose ids are visible again. Partitions the source lost access to are
left alone (lost access is not mass deletion), and an incomplete census deletes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, select, update
from sqlalchemy.engine import Connection

from syncd.core.domain import Census
from syncd.store.dialect import chunked
from syncd.store.issues import history_row
from syncd.store.runs import require_current_run
from syncd.store.schema import issue_history, issues, sync_runs, sync_state

__all__ = ["CensusResult", "apply_census"]

_IN_LIMIT = 5000
_HISTORY_COLUMNS = (
    issues.c.source,
    issues.c.issue_id,
    issues.c.key,
    issues.c.project,
    issues.c.status_category,
    issues.c.updated_at,
    issues.c.resolved_at,
    issues.c.story_points,
)


@dataclass(frozen=True, slots=True)
class CensusResult:
    """What a census changed: issues soft-deleted and restored, partitions lost.

    ``complete`` is false when the census was partial and so deleted nothing.
    """

    deleted: int
    restored: int
    lost: tuple[str, ...]
    complete: bool


def apply_census(
    connection: Connection, source: str, run_id: int, census: Census, now: datetime
) -> CensusResult:
    """Apply *census* within the caller's transaction; see the module docstring."""
    require_current_run(connection, source, run_id)
    lost = tuple(sorted(census.lost))
    connection.execute(
        update(sync_runs).where(sync_runs.c.run_id == run_id).values(lost_partitions=list(lost))
    )
    if not census.complete:
        return CensusResult(deleted=0, restored=0, lost=lost, complete=False)
    gone: list[RowMapping] = []
    for partition, seen in census.ids.items():
        if partition not in census.lost:
            gone.extend(
                row
                for row in _live_in(connection, source, partition)
                if row["issue_id"] not in seen
            )
    visible = frozenset().union(*census.ids.values())
    back = [row for row in _soft_deleted(connection, source) if row["issue_id"] in visible]
    _mark(connection, source, gone, deleted_at=now, change="deleted", run_id=run_id, now=now)
    _mark(connection, source, back, deleted_at=None, change="restored", run_id=run_id, now=now)
    connection.execute(
        update(sync_runs)
        .where(sync_runs.c.run_id == run_id)
        .values(deleted=sync_runs.c.deleted + len(gone))
    )
    connection.execute(
        update(sync_state).where(sync_state.c.source == source).values(last_census_at=now)
    )
    return CensusResult(deleted=len(gone), restored=len(back), lost=lost, complete=True)


def _live_in(connection: Connection, source: str, partition: str) -> Sequence[RowMapping]:
    statement = select(*_HISTORY_COLUMNS).where(
        issues.c.source == source, issues.c.project == partition, issues.c.deleted_at.is_(None)
    )
    return connection.execute(statement).mappings().all()


def _soft_deleted(connection: Connection, source: str) -> Sequence[RowMapping]:
    statement = select(*_HISTORY_COLUMNS).where(
        issues.c.source == source, issues.c.deleted_at.is_not(None)
    )
    return connection.execute(statement).mappings().all()


def _mark(
    connection: Connection,
    source: str,
    rows: Sequence[RowMapping],
    *,
    deleted_at: datetime | None,
    change: str,
    run_id: int,
    now: datetime,
) -> None:
    for batch in chunked(rows, _IN_LIMIT):
        ids = [row["issue_id"] for row in batch]
        connection.execute(
            update(issues)
            .where(issues.c.source == source, issues.c.issue_id.in_(ids))
            .values(deleted_at=deleted_at, run_id=run_id)
        )
        history = [history_row(row, change, run_id, now) for row in batch]
        connection.execute(issue_history.insert(), history)
