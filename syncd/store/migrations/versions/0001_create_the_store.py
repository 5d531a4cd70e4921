"""Create the store: issues and their history, sync state and runs, quarantine, decisions,
roadmap items, OKRs, agreements and analytics snapshots.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 03:11:37.539507
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agreements",
        sa.Column("agreement_id", sa.String(length=255), nullable=False),
        sa.Column("work_class", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=255), nullable=True),
        sa.Column("team", sa.String(length=255), nullable=True),
        sa.Column("min_share", sa.Float(), nullable=True),
        sa.Column("max_share", sa.Float(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", name=op.f("pk_agreements")),
    )
    op.create_table(
        "decision_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), nullable=False),
        sa.Column("work_class", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=True),
        sa.Column("key_result", sa.String(length=255), nullable=True),
        sa.Column("rule_id", sa.String(length=255), nullable=True),
        sa.Column("ruleset_version", sa.String(length=255), nullable=False),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_history")),
    )
    with op.batch_alter_table("decision_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_history_source_issue_id"), ["source", "issue_id"], unique=False
        )

    op.create_table(
        "decisions",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("work_class", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=True),
        sa.Column("key_result", sa.String(length=255), nullable=True),
        sa.Column("rule_id", sa.String(length=255), nullable=True),
        sa.Column("ruleset_version", sa.String(length=255), nullable=False),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "issue_id", name=op.f("pk_decisions")),
    )
    op.create_table(
        "issue_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("project", sa.String(length=100), nullable=False),
        sa.Column("status_category", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("story_points", sa.Float(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_history")),
    )
    with op.batch_alter_table("issue_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_history_key"), ["key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_issue_history_source_issue_id"), ["source", "issue_id"], unique=False
        )

    op.create_table(
        "issues",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("project", sa.String(length=100), nullable=False),
        sa.Column("issue_type", sa.String(length=255), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=255), nullable=False),
        sa.Column("status_category", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=255), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("parent_key", sa.String(length=100), nullable=True),
        sa.Column("epic_key", sa.String(length=100), nullable=True),
        sa.Column("story_points", sa.Float(), nullable=True),
        sa.Column("time_spent_seconds", sa.BigInteger(), nullable=True),
        sa.Column("sprints", sa.JSON(), nullable=False),
        sa.Column("team", sa.String(length=255), nullable=True),
        sa.Column("custom", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("source", "issue_id", name=op.f("pk_issues")),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issues_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_issues_project"), ["project"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_issues_source_deleted_at"), ["source", "deleted_at"], unique=False
        )

    op.create_table(
        "okr_objectives",
        sa.Column("objective_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("objective_id", name=op.f("pk_okr_objectives")),
    )
    op.create_table(
        "rejected_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_records")),
    )
    with op.batch_alter_table("rejected_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rejected_records_source_run_id"), ["source", "run_id"], unique=False
        )

    op.create_table(
        "roadmap_items",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("item_id", sa.String(length=255), nullable=False),
        sa.Column("item_type", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=255), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("team", sa.String(length=255), nullable=True),
        sa.Column("jira_keys", sa.JSON(), nullable=False),
        sa.Column("objective", sa.String(length=255), nullable=True),
        sa.Column("key_result", sa.String(length=255), nullable=True),
        sa.Column("hint", sa.String(length=32), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("source", "item_id", name=op.f("pk_roadmap_items")),
    )
    op.create_table(
        "roadmap_sources",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_roadmap_sources")),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
    )
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_snapshots_computed_at"), ["computed_at"], unique=False)

    op.create_table(
        "sync_runs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("issues_fetched", sa.Integer(), nullable=False),
        sa.Column("issues_inserted", sa.Integer(), nullable=False),
        sa.Column("issues_updated", sa.Integer(), nullable=False),
        sa.Column("issues_unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("lost_partitions", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_runs_source_started_at"), ["source", "started_at"], unique=False
        )

    op.create_table(
        "sync_state",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("pages_committed", sa.Integer(), nullable=False),
        sa.Column("max_updated_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_census_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "okr_key_results",
        sa.Column("key_result_id", sa.String(length=255), nullable=False),
        sa.Column("objective_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("field", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["okr_objectives.objective_id"],
            name=op.f("fk_okr_key_results_objective_id_okr_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_result_id", name=op.f("pk_okr_key_results")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("okr_key_results")
    op.drop_table("sync_state")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_runs_source_started_at"))

    op.drop_table("sync_runs")
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshots_computed_at"))

    op.drop_table("snapshots")
    op.drop_table("roadmap_sources")
    op.drop_table("roadmap_items")
    with op.batch_alter_table("rejected_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_records_source_run_id"))

    op.drop_table("rejected_records")
    op.drop_table("okr_objectives")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issues_source_deleted_at"))
        batch_op.drop_index(batch_op.f("ix_issues_project"))
        batch_op.drop_index(batch_op.f("ix_issues_key"))

    op.drop_table("issues")
    with op.batch_alter_table("issue_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_history_source_issue_id"))
        batch_op.drop_index(batch_op.f("ix_issue_history_key"))

    op.drop_table("issue_history")
    op.drop_table("decisions")
    with op.batch_alter_table("decision_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_history_source_issue_id"))

    op.drop_table("decision_history")
    op.drop_table("agreements")
