"""Index deleted issues only: the index over every issue's (source, deleted_at) misled
PostgreSQL's planner into reading a whole source for each page's id look-up.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 09:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_DELETED = sa.text("deleted_at IS NOT NULL")


def upgrade() -> None:
    """Apply this revision."""
    op.drop_index("ix_issues_source_deleted_at", table_name="issues")
    op.create_index(
        "ix_issues_deleted",
        "issues",
        ["source"],
        postgresql_where=_DELETED,
        sqlite_where=_DELETED,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_issues_deleted", table_name="issues")
    op.create_index("ix_issues_source_deleted_at", "issues", ["source", "deleted_at"])
