"""``syncd status``: what the store holds per source, roadmap exports and the quarantine."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from syncd.cli.options import config_from
from syncd.service.wiring import open_store
from syncd.store import QuarantinedRecord, RoadmapStatus, SourceStatus

__all__ = ["add_status_options", "show_status"]


def add_status_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``syncd status``."""
    parser.add_argument("--format", choices=["table", "json"], default="table")
    parser.add_argument(
        "--rejected",
        type=int,
        default=20,
        metavar="N",
        help="list the N most recently quarantined records with their reason (default 20)",
    )


def show_status(args: argparse.Namespace) -> int:
    """Print the status of every source, roadmap export and the latest quarantined records."""
    store = open_store(config_from(args), upgrade=False)
    sources, roadmaps = store.status(), store.roadmap_status()
    rejected = store.quarantined(limit=args.rejected) if args.rejected > 0 else []
    if args.format == "json":
        document = {
            "sources": [status.to_dict() for status in sources],
            "roadmaps": [status.to_dict() for status in roadmaps],
            "quarantined": [record.to_dict() for record in rejected],
        }
        print(json.dumps(document, indent=2))
        return 0
    # Off a terminal (a pipe, a log), do not squeeze the tables into 80 columns.
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
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
