"""Sync runs and the per-source cursor (``sync_state``).

The watermark is the start time of the last complete run, never the largest ``updated``
seen. It moves only through a compare-and-set on ``epoch``: every ``begin_run`` bumps the
epoch, so a run that was overtaken by a newer one (a stale writer) cannot move the cursor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.engine import Connection

from syncd.core.domain import RunCounts, RunKind, RunOutcome
from syncd.core.errors import StoreError
from syncd.store.dialect import insert_for
from syncd.store.schema import sync_runs, sync_state
from syncd.store.types import UtcDateTime

__all__ = [
    "SyncProgress",
    "begin_run",
    "finish_run",
    "last_run_id",
    "record_page",
    "require_current_run",
    "sync_progress",
    "watermark",
]

_ERROR_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """A source's cursor row: watermark, the run in progress and how far it got."""

    source: str
    watermark: datetime | None
    run_id: int | None
    pages_committed: int
    max_updated_seen: datetime | None
    last_census_at: datetime | None
    epoch: int


def begin_run(connection: Connection, source: str, kind: RunKind, now: datetime) -> int:
    """Record a new running run and make it the source's current run; return its id.

    A run of the same source still marked ``running`` has been overtaken (its process died,
    or it lost the writer lock): it is closed as a failure now, so that no run stays
    ``running`` for good, and its own late ``finish_run`` changes nothing.
    """
    inserted = connection.execute(
        sync_runs.insert().values(
            source=source,
            kind=RunKind(kind).value,
            epoch=0,
            started_at=now,
            outcome=RunOutcome.RUNNING.value,
            lost_partitions=[],
            **dict.fromkeys(asdict(RunCounts()), 0),
        )
    )
    if inserted.inserted_primary_key is None:  # pragma: no cover - both backends return it
        raise StoreError("the new sync run got no id")
    run_id = inserted.inserted_primary_key[0]
    connection.execute(
        insert_for(connection, sync_state)
        .values(source=source, pages_committed=0, epoch=0)
        .on_conflict_do_nothing(index_elements=[sync_state.c.source])
    )
    epoch = connection.execute(
        update(sync_state)
        .where(sync_state.c.source == source)
        .values(
            epoch=sync_state.c.epoch + 1,
            run_id=run_id,
            pages_committed=0,
            max_updated_seen=None,
        )
        .returning(sync_state.c.epoch)
    ).scalar_one()
    connection.execute(update(sync_runs).where(sync_runs.c.run_id == run_id).values(epoch=epoch))
    connection.execute(
        update(sync_runs)
        .where(
            sync_runs.c.source == source,
            sync_runs.c.outcome == RunOutcome.RUNNING.value,
            sync_runs.c.run_id != run_id,
        )
        .values(outcome=RunOutcome.FAILURE.value, finished_at=now, error=_overtaken(int(run_id)))
    )
    return int(run_id)


def last_run_id(connection: Connection) -> int:
    """The greatest run id begun so far, 0 before the first run."""
    found = connection.execute(select(func.max(sync_runs.c.run_id))).scalar_one()
    return int(found or 0)


def require_current_run(connection: Connection, source: str, run_id: int) -> None:
    """Raise ``StoreError`` unless *run_id* is *source*'s run in progress (fencing)."""
    current = connection.execute(
        select(sync_state.c.run_id).where(sync_state.c.source == source)
    ).scalar_one_or_none()
    if current != run_id:
        raise StoreError(_not_current(source, run_id))


def record_page(
    connection: Connection,
    source: str,
    run_id: int,
    *,
    max_updated: datetime | None,
    counts: RunCounts,
) -> None:
    """Count one committed page against the run and the cursor, in the caller's transaction.

    Raises ``StoreError`` when *run_id* is not the source's current run, so a stale writer's
    page is rolled back with everything else it wrote.
    """
    newest = {"source_": source, "run_": run_id, "newest_": max_updated}
    claimed = connection.execute(_PAGE_PROGRESS, newest)
    if claimed.rowcount != 1:
        raise StoreError(_not_current(source, run_id))
    added = {f"add_{name}": value for name, value in asdict(counts).items()}
    connection.execute(_RUN_PROGRESS, {"run_": run_id, **added})


def _page_progress() -> Any:
    # A NULL newest (an empty page) leaves max_updated_seen as it is: both branches keep it.
    state = sync_state.c
    newest = bindparam("newest_", type_=UtcDateTime())
    return (
        update(sync_state)
        .where(state.source == bindparam("source_"), state.run_id == bindparam("run_"))
        .values(
            pages_committed=state.pages_committed + 1,
            max_updated_seen=case(
                (or_(state.max_updated_seen.is_(None), state.max_updated_seen < newest), newest),
                else_=state.max_updated_seen,
            ),
        )
    )


def _run_progress() -> Any:
    runs = sync_runs.c
    names = [field.name for field in fields(RunCounts)]
    return (
        update(sync_runs)
        .where(runs.run_id == bindparam("run_"))
        .values({name: runs[name] + bindparam(f"add_{name}") for name in names})
    )


def finish_run(
    connection: Connection,
    run_id: int,
    outcome: RunOutcome,
    *,
    watermark: datetime | None,
    error: str | None,
    counts: RunCounts | None,
    now: datetime,
) -> bool:
    """Close *run_id*; move the watermark to *watermark* when given and the run is current.

    Returns whether the watermark moved: ``False`` when none was given, or when a newer run
    began in the meantime (the compare-and-set on ``epoch`` failed).
    """
    if RunOutcome(outcome) is RunOutcome.RUNNING:
        raise ValueError("finish_run needs a final outcome, not 'running'")
    row = connection.execute(
        select(sync_runs.c.source, sync_runs.c.epoch, sync_runs.c.outcome, sync_runs.c.error).where(
            sync_runs.c.run_id == run_id
        )
    ).one_or_none()
    if row is None:
        raise StoreError(f"sync run {run_id} does not exist")
    if row.outcome != RunOutcome.RUNNING:
        if (row.error or "").startswith(_OVERTAKEN):
            return False  # closed when a newer run began; the late result is not recorded
        raise StoreError(f"sync run {run_id} already finished ({row.outcome})")
    values: dict[str, object] = {
        "finished_at": now,
        "outcome": RunOutcome(outcome).value,
        "error": error[:_ERROR_LIMIT] if error else None,
    }
    if counts is not None:
        values.update(asdict(counts))
    connection.execute(update(sync_runs).where(sync_runs.c.run_id == run_id).values(**values))
    if watermark is None:
        connection.execute(
            update(sync_state)
            .where(sync_state.c.source == row.source, sync_state.c.run_id == run_id)
            .values(run_id=None)
        )
        return False
    moved = connection.execute(
        update(sync_state)
        .where(sync_state.c.source == row.source, sync_state.c.epoch == row.epoch)
        .values(watermark=watermark, epoch=sync_state.c.epoch + 1, run_id=None)
    )
    return moved.rowcount == 1


def watermark(connection: Connection, source: str) -> datetime | None:
    """The incremental lower bound for *source*, or ``None`` before its first complete run."""
    value: datetime | None = connection.execute(
        select(sync_state.c.watermark).where(sync_state.c.source == source)
    ).scalar_one_or_none()
    return value


def sync_progress(connection: Connection, source: str) -> SyncProgress | None:
    """*source*'s cursor row, or ``None`` when it never ran."""
    row = connection.execute(select(sync_state).where(sync_state.c.source == source)).one_or_none()
    return None if row is None else SyncProgress(**row._asdict())


_OVERTAKEN = "overtaken by run "


def _overtaken(run_id: int) -> str:
    return f"{_OVERTAKEN}{run_id}: its process ended or lost the writer lock before finishing"


def _not_current(source: str, run_id: int) -> str:
    return (
        f"sync run {run_id} is no longer the current run of {source!r}: "
        "another writer began a newer run, so this one may not write"
    )


# Built once: record_page runs for every page of every sync.
_PAGE_PROGRESS = _page_progress()
_RUN_PROGRESS = _run_progress()
