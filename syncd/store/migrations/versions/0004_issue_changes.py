"""Keep issues' histories: the changes of the kept fields, each issue's assignee, and how far
each issue's history is complete.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "issue_changes",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("history_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("source", "history_id", "field", name="pk_issue_changes"),
    )
    op.create_index(
        "ix_issue_changes_source_issue_id_changed_at",
        "issue_changes",
        ["source", "issue_id", "changed_at"],
    )
    with op.batch_alter_table("issues") as table:
        table.add_column(sa.Column("assignee", sa.String(length=255), nullable=True))
        table.add_column(sa.Column("history_through", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("issues") as table:
        table.drop_column("history_through")
        table.drop_column("assignee")
    op.drop_index("ix_issue_changes_source_issue_id_changed_at", table_name="issue_changes")
    op.drop_table("issue_changes")
