"""Keep issues' raw payloads apart from their rows (``syncd.store.payloads``).

Existing payloads are moved, as the JSON text they are, in batches in (source, issue id)
order; the downgrade moves them back (compressed ones decompressed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_BATCH = 2000


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "issue_payloads",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("source", "issue_id", name="pk_issue_payloads"),
    )
    connection = op.get_bind()
    raw = "raw::text" if connection.dialect.name == "postgresql" else "raw"
    insert = sa.text(
        "INSERT INTO issue_payloads (source, issue_id, payload)"
        " VALUES (:source, :issue_id, :payload)"
    ).bindparams(sa.bindparam("payload", type_=sa.LargeBinary()))
    for batch in _batches(connection, raw):
        rows = [
            {"source": source, "issue_id": issue_id, "payload": doc.encode()}
            for source, issue_id, doc in batch
        ]
        connection.execute(insert, rows)
    op.execute("ALTER TABLE issues DROP COLUMN raw")


def downgrade() -> None:
    """Revert this revision."""
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    # SQLite adds a NOT NULL column only with a default; PostgreSQL's is dropped again below.
    op.add_column("issues", sa.Column("raw", sa.JSON(), nullable=False, server_default="{}"))
    value = "CAST(:raw AS json)" if postgresql else ":raw"
    update = sa.text(
        f"UPDATE issues SET raw = {value} WHERE source = :source AND issue_id = :issue_id"  # noqa: S608 - fixed names
    )
    for batch in _batches(connection, "payload", table="issue_payloads"):
        rows = [
            {"source": source, "issue_id": issue_id, "raw": _text(payload)}
            for source, issue_id, payload in batch
        ]
        connection.execute(update, rows)
    if postgresql:
        op.alter_column("issues", "raw", server_default=None)
    op.drop_table("issue_payloads")


def _text(payload: bytes) -> str:
    """The JSON text of a stored payload, plain or zlib-compressed (``syncd.store.payloads``)."""
    return (payload if payload[:1] == b"{" else zlib.decompress(payload)).decode()


def _batches(connection: sa.Connection, column: str, table: str = "issues") -> Iterator[list[Any]]:
    """Every ``(source, issue_id, column)`` of *table*, a batch at a time in key order (each
    batch read whole before the caller writes)."""
    query = sa.text(
        f"SELECT source, issue_id, {column} FROM {table}"  # noqa: S608 - fixed names
        " WHERE source > :source OR (source = :source AND issue_id > :issue_id)"
        " ORDER BY source, issue_id LIMIT :limit"
    )
    after: dict[str, object] = {"source": "", "issue_id": -(2**63), "limit": _BATCH}
    while batch := list(connection.execute(query, after)):
        yield batch
        after = {**after, "source": batch[-1][0], "issue_id": batch[-1][1]}
