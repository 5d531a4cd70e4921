"""BulkStatement: rows reach the table exactly once, with the statement's own conflict rule,
however many batches one transaction writes (SQLite: driver executemany; PostgreSQL: copied
through a staging table)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select
from store_builders import SOURCE, T0

from syncd.store.bulk import BulkStatement
from syncd.store.schema import issue_history

_COLUMNS = ("source", "issue_id", "key", "project", "status_category", "updated_at")
_INSERT = BulkStatement(
    issue_history, (*_COLUMNS, "change", "recorded_at"), lambda _: issue_history.insert()
)


def _row(issue_id: int, change: str, key: str = "SHOP-1") -> dict[str, object]:
    return {
        "source": SOURCE,
        "issue_id": issue_id,
        "key": key,
        "project": "SHOP",
        "status_category": "new",
        "updated_at": T0 + timedelta(minutes=issue_id),
        "change": change,
        "recorded_at": T0,
    }


def test_batches_in_one_transaction_are_each_written_once(engine: Engine) -> None:
    with engine.begin() as connection:
        _INSERT.execute(connection, [_row(1, "created"), _row(2, "created")])
        _INSERT.execute(connection, [_row(3, "created")])
    with engine.begin() as connection:
        _INSERT.execute(connection, [_row(1, "updated", key="SHOP-1\tkept\nwhole")])
    with engine.connect() as connection:
        rows = connection.execute(
            select(issue_history.c.issue_id, issue_history.c.change, issue_history.c.key).order_by(
                issue_history.c.id
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        (1, "created", "SHOP-1"),
        (2, "created", "SHOP-1"),
        (3, "created", "SHOP-1"),
        (1, "updated", "SHOP-1\tkept\nwhole"),
    ]


def test_a_rolled_back_batch_leaves_nothing_behind(engine: Engine) -> None:
    """The first batch of a session rolls back (with, on PostgreSQL, its staging table)."""
    try:
        with engine.begin() as connection:
            _INSERT.execute(connection, [_row(1, "created")])
            raise RuntimeError("the page failed")
    except RuntimeError:
        pass
    with engine.begin() as connection:
        _INSERT.execute(connection, [_row(2, "created")])
    with engine.connect() as connection:
        ids = connection.execute(select(issue_history.c.issue_id)).scalars().all()
        assert ids == [2]
        assert connection.execute(select(func.count()).select_from(issue_history)).scalar() == 1
