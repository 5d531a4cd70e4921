"""Per-source status for ``syncd status`` and the health endpoints."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, union
from sqlalchemy.engine import Connection

from syncd.core.domain import RunKind, RunOutcome
from syncd.store.schema import issues, rejected_records, roadmap_sources, sync_runs, sync_state

__all__ = [
    "QuarantinedRecord",
    "RoadmapStatus",
    "RunSummary",
    "SourceStatus",
    "quarantined_records",
    "recent_runs",
    "roadmap_statuses",
    "source_statuses",
]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One sync run as recorded: kind, times, outcome and counts."""

    run_id: int
    source: str
    kind: RunKind
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome
    pages: int
    issues_fetched: int
    issues_inserted: int
    issues_updated: int
    issues_unchanged: int
    rejected: int
    deleted: int
    lost_partitions: tuple[str, ...]
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (timestamps as ISO 8601 strings)."""
        return dict(_jsonable(asdict(self)))


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What the store holds for one source and how its syncs went."""

    source: str
    issues_stored: int
    issues_deleted: int
    watermark: datetime | None
    last_census_at: datetime | None
    last_success_at: datetime | None
    last_run: RunSummary | None
    quarantined: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (timestamps as ISO 8601 strings)."""
        return dict(_jsonable(asdict(self)))


def source_statuses(connection: Connection) -> list[SourceStatus]:
    """One status per source known to the store, ordered by source name."""
    names = union(
        select(sync_state.c.source), select(issues.c.source), select(sync_runs.c.source)
    ).subquery()
    sources = sorted(connection.execute(select(names.c.source)).scalars())
    return [_status(connection, source) for source in sources]


def recent_runs(connection: Connection, source: str | None, limit: int) -> list[RunSummary]:
    """The *limit* most recent runs, newest first."""
    statement = select(sync_runs).order_by(sync_runs.c.run_id.desc()).limit(limit)
    if source is not None:
        statement = statement.where(sync_runs.c.source == source)
    return [_summary(row) for row in connection.execute(statement)]


def _status(connection: Connection, source: str) -> SourceStatus:
    deleted = issues.c.deleted_at.is_not(None)
    counts = connection.execute(
        select(
            func.count().filter(~deleted).label("live"),
            func.count().filter(deleted).label("gone"),
        ).where(issues.c.source == source)
    ).one()
    state = connection.execute(
        select(sync_state.c.watermark, sync_state.c.last_census_at).where(
            sync_state.c.source == source
        )
    ).one_or_none()
    last_success = connection.execute(
        select(func.max(sync_runs.c.finished_at)).where(
            sync_runs.c.source == source, sync_runs.c.outcome == RunOutcome.SUCCESS.value
        )
    ).scalar_one()
    quarantined = connection.execute(
        select(func.count()).where(rejected_records.c.source == source)
    ).scalar_one()
    runs = recent_runs(connection, source, 1)
    return SourceStatus(
        source=source,
        issues_stored=int(counts.live),
        issues_deleted=int(counts.gone),
        watermark=state.watermark if state else None,
        last_census_at=state.last_census_at if state else None,
        last_success_at=last_success,
        last_run=runs[0] if runs else None,
        quarantined=int(quarantined),
    )


def _summary(row: Row[Any]) -> RunSummary:
    values = row._asdict()
    values.pop("epoch")
    values["lost_partitions"] = tuple(values["lost_partitions"])
    values["kind"], values["outcome"] = RunKind(row.kind), RunOutcome(row.outcome)
    return RunSummary(**values)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class RoadmapStatus:
    """The last good state of one roadmap export: when it loaded, its items and bad rows."""

    source: str
    items: int
    rejected: int
    content_hash: str
    loaded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (timestamps as ISO 8601 strings)."""
        return dict(_jsonable(asdict(self)))


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    """One record kept out of the data: where it came from (``reference``: an issue id or an
    export's line) and why, with a bounded excerpt."""

    source: str
    run_id: int | None
    reference: str
    reason: str
    excerpt: str
    recorded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (timestamps as ISO 8601 strings)."""
        return dict(_jsonable(asdict(self)))


def roadmap_statuses(connection: Connection) -> list[RoadmapStatus]:
    """One status per roadmap export that ever loaded, ordered by source name."""
    rows = connection.execute(select(roadmap_sources).order_by(roadmap_sources.c.source))
    return [
        RoadmapStatus(
            row.source, row.item_count, row.rejected_count, row.content_hash, row.loaded_at
        )
        for row in rows
    ]


def quarantined_records(
    connection: Connection, source: str | None, limit: int
) -> list[QuarantinedRecord]:
    """The *limit* most recently quarantined records, newest first."""
    statement = select(rejected_records).order_by(rejected_records.c.id.desc()).limit(limit)
    if source is not None:
        statement = statement.where(rejected_records.c.source == source)
    return [
        QuarantinedRecord(
            row.source, row.run_id, row.reference, row.reason, row.excerpt, row.recorded_at
        )
        for row in connection.execute(statement)
    ]
