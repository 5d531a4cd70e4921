"""Record what each agreement is judged on (window and weighting), and when each roadmap
export was last read good, changed or not.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("agreements") as table:
        table.add_column(
            sa.Column("judged_window", sa.String(length=32), nullable=False, server_default="90d")
        )
        table.add_column(
            sa.Column(
                "judged_weighting", sa.String(length=32), nullable=False, server_default="issues"
            )
        )
    op.add_column(
        "roadmap_sources", sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True)
    )
    # An export loaded before this revision was last known good when it loaded.
    op.execute("UPDATE roadmap_sources SET confirmed_at = loaded_at")


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("roadmap_sources", "confirmed_at")
    with op.batch_alter_table("agreements") as table:
        table.drop_column("judged_weighting")
        table.drop_column("judged_window")
