"""The store's tables, as SQLAlchemy Core metadata; the migrations must produce exactly this.

Every timestamp column is ``UtcDateTime``. Issues are keyed by ``(source, issue_id)``: the
numeric Jira id survives a move between projects, the key does not.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
)

from syncd.store.types import StorableString, StorableText, UtcDateTime

__all__ = [
    "agreements",
    "decision_history",
    "decisions",
    "issue_changes",
    "issue_history",
    "issue_payloads",
    "issues",
    "metadata",
    "okr_key_results",
    "okr_objectives",
    "rejected_records",
    "roadmap_items",
    "roadmap_sources",
    "snapshots",
    "sync_runs",
    "sync_state",
]

# Named constraints keep migrations reproducible on both backends.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_SOURCE = 100
_KEY = 100
_NAME = 255

issues = Table(
    "issues",
    metadata,
    Column("source", StorableString(_SOURCE), primary_key=True),
    Column("issue_id", BigInteger, primary_key=True, autoincrement=False),
    Column("key", StorableString(_KEY), nullable=False),
    Column("project", StorableString(_KEY), nullable=False),
    Column("issue_type", StorableString(_NAME), nullable=False),
    Column("summary", StorableText, nullable=False),
    Column("status", StorableString(_NAME), nullable=False),
    Column("status_category", StorableString(32), nullable=False),
    Column("priority", StorableString(_NAME)),
    Column("labels", JSON, nullable=False),
    Column("components", JSON, nullable=False),
    Column("parent_key", StorableString(_KEY)),
    Column("epic_key", StorableString(_KEY)),
    Column("story_points", Float),
    Column("time_spent_seconds", BigInteger),
    Column("sprints", JSON, nullable=False),
    Column("team", StorableString(_NAME)),
    Column("assignee", StorableString(_NAME)),
    Column("custom", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("synced_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime),
    Column("run_id", Integer),
    # The issue's kept history is complete up to this version of the issue; NULL or older
    # than updated_at: the next sync fetches its history again.
    Column("history_through", UtcDateTime),
    Index(None, "key"),
    Index(None, "project"),
)
# Deleted issues only. An index over every issue's source would offer PostgreSQL's planner,
# before statistics exist (a first sync), a cheap-looking path for the page's id look-up
# (``source = … AND issue_id IN …``) that reads every issue of the source: quadratic.
Index(
    "ix_issues_deleted",
    issues.c.source,
    postgresql_where=issues.c.deleted_at.is_not(None),
    sqlite_where=issues.c.deleted_at.is_not(None),
)

# Each issue's payload as fetched, apart from the issue's row: it is most of a stored issue's
# bytes and only showing a whole issue reads it (``syncd.store.payloads``).
issue_payloads = Table(
    "issue_payloads",
    metadata,
    Column("source", StorableString(_SOURCE), primary_key=True),
    Column("issue_id", BigInteger, primary_key=True, autoincrement=False),
    Column("payload", LargeBinary, nullable=False),
)

issue_history = Table(
    "issue_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", StorableString(_SOURCE), nullable=False),
    Column("issue_id", BigInteger, nullable=False),
    Column("change", StorableString(16), nullable=False),
    Column("key", StorableString(_KEY), nullable=False),
    Column("project", StorableString(_KEY), nullable=False),
    Column("status_category", StorableString(32), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    Column("story_points", Float),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("run_id", Integer),
    Index(None, "source", "issue_id"),
    Index(None, "key"),
)

issue_changes = Table(
    "issue_changes",
    metadata,
    Column("source", StorableString(_SOURCE), primary_key=True),
    Column("history_id", BigInteger, primary_key=True, autoincrement=False),
    Column("field", StorableString(32), primary_key=True),
    Column("issue_id", BigInteger, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("before", StorableText),
    Column("after", StorableText),
    Index(None, "source", "issue_id", "changed_at"),
)
"""Jira's history of the kept fields: append-only, one row per field per history entry."""

sync_state = Table(
    "sync_state",
    metadata,
    Column("source", StorableString(_SOURCE), primary_key=True),
    Column("watermark", UtcDateTime),
    Column("run_id", Integer),
    Column("pages_committed", Integer, nullable=False),
    Column("max_updated_seen", UtcDateTime),
    Column("last_census_at", UtcDateTime),
    Column("epoch", Integer, nullable=False),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("run_id", Integer, primary_key=True),
    Column("source", StorableString(_SOURCE), nullable=False),
    Column("kind", StorableString(16), nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("outcome", StorableString(16), nullable=False),
    Column("pages", Integer, nullable=False),
    Column("issues_fetched", Integer, nullable=False),
    Column("issues_inserted", Integer, nullable=False),
    Column("issues_updated", Integer, nullable=False),
    Column("issues_unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("deleted", Integer, nullable=False),
    Column("lost_partitions", JSON, nullable=False),
    Column("error", StorableText),
    Index(None, "source", "started_at"),
)

rejected_records = Table(
    "rejected_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", StorableString(_SOURCE), nullable=False),
    Column("run_id", Integer),
    Column("reference", StorableString(_NAME), nullable=False),
    Column("reason", StorableText, nullable=False),
    Column("excerpt", StorableText, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index(None, "source", "run_id"),
)

_DECISION_COLUMNS = (
    ("work_class", StorableString(32), False),
    ("category", StorableString(_NAME), True),
    ("key_result", StorableString(_NAME), True),
    ("rule_id", StorableString(_NAME), True),
    ("ruleset_version", StorableString(_NAME), False),
    ("path", JSON, False),
    ("reason", StorableText, False),
    ("decided_at", UtcDateTime, False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("source", StorableString(_SOURCE), primary_key=True),
    Column("issue_id", BigInteger, primary_key=True, autoincrement=False),
    *(Column(name, kind, nullable=null) for name, kind, null in _DECISION_COLUMNS),
)

decision_history = Table(
    "decision_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", StorableString(_SOURCE), nullable=False),
    Column("issue_id", BigInteger, nullable=False),
    *(Column(name, kind, nullable=null) for name, kind, null in _DECISION_COLUMNS),
    Index(None, "source", "issue_id"),
)

roadmap_items = Table(
    "roadmap_items",
    metadata,
    Column("source", StorableString(_SOURCE), primary_key=True),
    Column("item_id", StorableString(_NAME), primary_key=True),
    Column("item_type", StorableString(_NAME), nullable=False),
    Column("title", StorableText, nullable=False),
    Column("parent_id", StorableString(_NAME)),
    Column("status", StorableString(_NAME)),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("team", StorableString(_NAME)),
    Column("jira_keys", JSON, nullable=False),
    Column("objective", StorableString(_NAME)),
    Column("key_result", StorableString(_NAME)),
    Column("hint", StorableString(32)),
    Column("raw", JSON, nullable=False),
)

roadmap_sources = Table(
    "roadmap_sources",
    metadata,
    Column("source", StorableString(_SOURCE), primary_key=True),
    Column("content_hash", StorableString(128), nullable=False),
    Column("loaded_at", UtcDateTime, nullable=False),
    # The last good read: a load, or a poll that found the export unchanged.
    Column("confirmed_at", UtcDateTime),
    Column("item_count", Integer, nullable=False),
    Column("rejected_count", Integer, nullable=False),
)

okr_objectives = Table(
    "okr_objectives",
    metadata,
    Column("objective_id", StorableString(_NAME), primary_key=True),
    Column("title", StorableText, nullable=False),
    Column("teams", JSON, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
)

okr_key_results = Table(
    "okr_key_results",
    metadata,
    Column("key_result_id", StorableString(_NAME), primary_key=True),
    Column(
        "objective_id",
        StorableString(_NAME),
        ForeignKey("okr_objectives.objective_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("title", StorableText, nullable=False),
    Column("teams", JSON, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("measure", StorableString(32), nullable=False),
    Column("target", Float, nullable=False),
    Column("field", StorableString(_NAME)),
)

agreements = Table(
    "agreements",
    metadata,
    Column("agreement_id", StorableString(_NAME), primary_key=True),
    Column("work_class", StorableString(32)),
    Column("category", StorableString(_NAME)),
    Column("team", StorableString(_NAME)),
    Column("min_share", Float),
    Column("max_share", Float),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("owner", StorableString(_NAME), nullable=False),
    Column("note", StorableText, nullable=False),
    Column("judged_window", StorableString(32), nullable=False, server_default="90d"),
    Column("judged_weighting", StorableString(32), nullable=False, server_default="issues"),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("computed_at", UtcDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Index(None, "computed_at"),
)
