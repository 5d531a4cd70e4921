"""Analytics snapshots: precomputed payloads served by ``/metrics``, newest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from syncd.store.schema import snapshots

__all__ = ["latest_snapshot", "save_snapshot"]


def save_snapshot(
    connection: Connection,
    computed_at: datetime,
    payload: dict[str, Any],
    keep: int,
    max_age: timedelta | None,
) -> int:
    """Store a snapshot, then keep only the newest *keep* (and none older than *max_age*).

    The snapshot just saved is always kept. Returns how many old snapshots were removed.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1: the newest snapshot is always kept")
    inserted = connection.execute(
        snapshots.insert().values(computed_at=computed_at, payload=payload)
    )
    new_id = inserted.inserted_primary_key[0] if inserted.inserted_primary_key else None
    newest = (
        select(snapshots.c.id)
        .order_by(snapshots.c.computed_at.desc(), snapshots.c.id.desc())
        .limit(keep)
    )
    kept = {row.id for row in connection.execute(newest)} | {new_id}
    stale = delete(snapshots).where(snapshots.c.id.not_in(kept))
    if max_age is not None:
        old = delete(snapshots).where(
            snapshots.c.computed_at < computed_at - max_age, snapshots.c.id != new_id
        )
        removed_old = connection.execute(old).rowcount
    else:
        removed_old = 0
    return removed_old + connection.execute(stale).rowcount


def latest_snapshot(connection: Connection) -> tuple[datetime, dict[str, Any]] | None:
    """The newest snapshot as ``(computed_at, payload)``, or ``None`` before the first one."""
    row = connection.execute(
        select(snapshots.c.computed_at, snapshots.c.payload)
        .order_by(snapshots.c.computed_at.desc(), snapshots.c.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (row.computed_at, row.payload)
