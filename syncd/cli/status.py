"""``syncd status``: what the store holds per source, roadmap exports, the quarantine, and
whether the mapping files on disk are valid (a running service keeps its last valid set)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.table import Table

from syncd.cli.console import text_console
from syncd.cli.options import config_from
from syncd.core.errors import RuleSetError
from syncd.service.config import Config
from syncd.service.wiring import mapping_files, open_store
from syncd.store import QuarantinedRecord, RoadmapStatus, SourceStatus, Store

__all__ = ["show_status"]


def show_status(args: argparse.Namespace) -> int:
    """Print the status of every source, roadmap export, the latest quarantined records and
    the mapping files (invalid ones listed with every problem; the exit code stays 0)."""
    config = config_from(args)
    store = open_store(config, upgrade=False)
    sources, roadmaps = store.status(), store.roadmap_status()
    rejected = store.quarantined(limit=args.rejected) if args.rejected > 0 else []
    files = _mapping_files(config, store)
    if args.format == "json":
        document = {
            "sources": [status.to_dict() for status in sources],
            "roadmaps": [status.to_dict() for status in roadmaps],
            "quarantined": [record.to_dict() for record in rejected],
            "mapping_files": files,
        }
        print(json.dumps(document, indent=2))
        return 0
    # Off a terminal (a pipe, a log), do not squeeze the tables into 80 columns.
    console = text_console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
    console.print(_mapping_table(files))
    for problem in files["problems"]:
        console.print(f"  - {problem}", highlight=False)
    console.print(_sources_table(sources))
    if roadmaps:
        console.print(_roadmaps_table(roadmaps))
    if rejected:
        console.print(_quarantine_table(rejected))
    return 0


def _sources_table(statuses: list[SourceStatus]) -> Table:
    table = Table(title="sources")
    for column in (
        "source",
        "issues",
        "deleted",
        "quarantined",
        "watermark",
        "last run",
        "outcome",
    ):
        table.add_column(column)
    for status in statuses:
        run = status.last_run
        table.add_row(
            status.source,
            str(status.issues_stored),
            str(status.issues_deleted),
            str(status.quarantined),
            status.watermark.isoformat(timespec="seconds") if status.watermark else "-",
            f"{run.kind} #{run.run_id}" if run else "-",
            (run.outcome + (f": {run.error}" if run.error else "")) if run else "-",
        )
    return table


def _roadmaps_table(statuses: list[RoadmapStatus]) -> Table:
    table = Table(title="roadmap exports (last good state)")
    for column in ("source", "items", "quarantined rows", "loaded at", "content"):
        table.add_column(column)
    for status in statuses:
        table.add_row(
            status.source,
            str(status.items),
            str(status.rejected),
            status.loaded_at.isoformat(timespec="seconds"),
            status.content_hash[:12],
        )
    return table


def _quarantine_table(records: list[QuarantinedRecord]) -> Table:
    table = Table(title="quarantined records (newest first)")
    for column in ("source", "where", "reason"):
        table.add_column(column)
    for record in records:
        table.add_row(record.source, record.reference, record.reason)
    return table


def _mapping_files(config: Config, store: Store) -> dict[str, Any]:
    """The mapping files on disk as the service would read them now, and the rule sets the
    stored decisions were made with (the set a running service has in use)."""
    try:
        files = mapping_files(config)
    except RuleSetError as error:
        valid, ruleset, problems = False, None, [str(problem) for problem in error.problems]
    else:
        valid, ruleset, problems = True, files.rule_set.version, []
    return {
        "valid": valid,
        "rule_set": ruleset,
        "problems": problems,
        "decided_with": store.decided_rulesets(),
    }


def _mapping_table(files: dict[str, Any]) -> Table:
    table = Table(title="mapping files")
    table.add_column("on disk")
    table.add_column("rule set")
    table.add_column("stored decisions made with")
    decided = ", ".join(f"{version} ({count})" for version, count in files["decided_with"].items())
    table.add_row(
        "valid" if files["valid"] else "INVALID (the service keeps its last valid set)",
        files["rule_set"] or "-",
        decided or "-",
    )
    return table
