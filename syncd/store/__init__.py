"""The store: issues with their history, sync state and runs, quarantine, decisions, roadmap
items, OKRs, agreements and analytics snapshots, on SQLite (default) or PostgreSQL.

Contracts others rely on:

- ``Store.write_page`` is one transaction: the page's issues (deduplicated by id, newest
  version kept), their raw payloads (``issue_payloads``), their history, its quarantined
  records and the cursor's progress commit together or not at all. An older version never
  overwrites a newer one, so replays and overlap windows are harmless.
- The watermark moves only in ``finish_run`` and only by compare-and-set on the source's
  epoch, so a run overtaken by a newer one cannot move it.
- ``apply_census`` deletes nothing unless the census is complete, and never in partitions
  the source lost access to. Deletions are soft (``deleted_at``) and undone when an issue
  reappears.
- ``WriterLock`` picks the single writer (advisory lock on PostgreSQL; on SQLite a file lock,
  and one replica only).
- Engines hide bound parameters; messages show the URL without its password.
"""

from __future__ import annotations

from syncd.store.census import CensusResult
from syncd.store.decisions import DecisionCounts, DecisionRecord
from syncd.store.engine import check_store_url, create_store_engine, display_url
from syncd.store.issues import PageCounts
from syncd.store.lock import WriterLock, this_process
from syncd.store.migrate import (
    check_schema,
    current_revision,
    ensure_current,
    head_revision,
    upgrade,
)
from syncd.store.runs import SyncProgress
from syncd.store.schema import metadata
from syncd.store.status import QuarantinedRecord, RoadmapStatus, RunSummary, SourceStatus
from syncd.store.store import Store

__all__ = [
    "CensusResult",
    "DecisionCounts",
    "DecisionRecord",
    "PageCounts",
    "QuarantinedRecord",
    "RoadmapStatus",
    "RunSummary",
    "SourceStatus",
    "Store",
    "SyncProgress",
    "WriterLock",
    "check_schema",
    "check_store_url",
    "create_store_engine",
    "current_revision",
    "display_url",
    "ensure_current",
    "head_revision",
    "metadata",
    "this_process",
    "upgrade",
]
