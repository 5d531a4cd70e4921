"""Roadmap items, replaced per source as a whole snapshot of the last good export.

The caller parses the whole export first and calls ``replace_roadmap_items`` only with a
parsed snapshot; the replacement is one transaction, so a broken export never destroys the
last good state. The export's rejected rows go to the shared quarantine with no run id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, func, select, update
from sqlalchemy.engine import Connection

from syncd.core.domain import RejectedRecord, RoadmapItem
from syncd.store.dialect import insert_for
from syncd.store.issues import quarantine
from syncd.store.schema import rejected_records, roadmap_items, roadmap_sources

__all__ = [
    "confirm_roadmap_source",
    "iter_roadmap_items",
    "replace_roadmap_items",
    "roadmap_confirmed",
    "roadmap_source_hash",
]


def replace_roadmap_items(
    connection: Connection,
    source: str,
    items: Iterable[RoadmapItem],
    *,
    rejected: Iterable[RejectedRecord],
    content_hash: str,
    now: datetime,
) -> int:
    """Replace *source*'s items and quarantined rows, within the caller's transaction.

    Returns the number of items stored. Items of another source are refused.
    """
    rows = [_row(source, item) for item in items]
    connection.execute(delete(roadmap_items).where(roadmap_items.c.source == source))
    connection.execute(
        delete(rejected_records).where(
            rejected_records.c.source == source, rejected_records.c.run_id.is_(None)
        )
    )
    if rows:
        connection.execute(roadmap_items.insert(), rows)
    quarantined = quarantine(connection, rejected, None, now)
    values = {
        "content_hash": content_hash,
        "loaded_at": now,
        "confirmed_at": now,
        "item_count": len(rows),
        "rejected_count": quarantined,
    }
    statement = insert_for(connection, roadmap_sources).values(source=source, **values)
    connection.execute(
        statement.on_conflict_do_update(index_elements=[roadmap_sources.c.source], set_=values)
    )
    return len(rows)


def roadmap_source_hash(connection: Connection, source: str) -> str | None:
    """The content hash of *source*'s last loaded export, or ``None`` when never loaded."""
    value: str | None = connection.execute(
        select(roadmap_sources.c.content_hash).where(roadmap_sources.c.source == source)
    ).scalar_one_or_none()
    return value


def confirm_roadmap_source(connection: Connection, source: str, now: datetime) -> bool:
    """Record that *source*'s export was read good at *now* and found unchanged; ``False``
    when the export was never loaded (nothing to confirm)."""
    done = connection.execute(
        update(roadmap_sources).where(roadmap_sources.c.source == source).values(confirmed_at=now)
    )
    return bool(done.rowcount)


def roadmap_confirmed(connection: Connection) -> dict[str, datetime]:
    """When each loaded export was last read good (loaded, or found unchanged)."""
    rows = connection.execute(
        select(
            roadmap_sources.c.source,
            func.coalesce(roadmap_sources.c.confirmed_at, roadmap_sources.c.loaded_at),
        )
    )
    return {str(source): moment for source, moment in rows}


def iter_roadmap_items(engine: Engine, source: str | None) -> Iterator[RoadmapItem]:
    """Stream stored roadmap items, ordered by source and item id."""
    statement = select(roadmap_items).order_by(roadmap_items.c.source, roadmap_items.c.item_id)
    if source is not None:
        statement = statement.where(roadmap_items.c.source == source)
    with engine.connect() as connection:
        for row in connection.execution_options(yield_per=1000).execute(statement):
            yield _to_item(row)


def _row(source: str, item: RoadmapItem) -> dict[str, Any]:
    if item.source != source:
        raise ValueError(f"roadmap item {item.item_id} belongs to {item.source!r}, not {source!r}")
    return {
        "source": item.source,
        "item_id": item.item_id,
        "item_type": item.item_type,
        "title": item.title,
        "parent_id": item.parent_id,
        "status": item.status,
        "start_date": item.start,
        "end_date": item.end,
        "team": item.team,
        "jira_keys": list(item.jira_keys),
        "objective": item.objective,
        "key_result": item.key_result,
        "hint": item.hint,
        "raw": dict(item.raw),
    }


def _to_item(row: Row[Any]) -> RoadmapItem:
    return RoadmapItem(
        source=row.source,
        item_id=row.item_id,
        item_type=row.item_type,
        title=row.title,
        parent_id=row.parent_id,
        status=row.status,
        start=row.start_date,
        end=row.end_date,
        team=row.team,
        jira_keys=tuple(row.jira_keys),
        objective=row.objective,
        key_result=row.key_result,
        hint=row.hint,
        raw=row.raw,
    )
