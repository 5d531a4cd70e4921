"""Commands that run the service: check-config, db upgrade, sync, run, status."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from syncd.cli.options import add_config_option, add_wait_option, config_from, say_waiting
from syncd.core.domain import RunOutcome
from syncd.core.redaction import redact

if TYPE_CHECKING:
    from syncd.app.pipeline import Pipeline
    from syncd.app.sync import RunReport
    from syncd.core.domain import Source
    from syncd.store import Store

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add this module's commands to the ``syncd`` parser."""
    check = commands.add_parser(
        "check-config", help="validate the configuration; exit 2 listing every problem"
    )
    add_config_option(check)
    check.set_defaults(handler=_check_config)

    db = commands.add_parser("db", help="store administration")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_commands.add_parser(
        "upgrade", help="migrate the store's schema to this version"
    )
    add_config_option(db_upgrade)
    db_upgrade.set_defaults(handler=_db_upgrade)

    sync = commands.add_parser("sync", help="sync every source once")
    add_config_option(sync)
    sync.add_argument(
        "--once", action="store_true", help="run one cycle and exit (the default for this command)"
    )
    sync.add_argument(
        "--full", action="store_true", help="ignore the watermark and fetch everything"
    )
    sync.add_argument(
        "--source", action="append", default=None, help="only this source (repeatable)"
    )
    sync.add_argument(
        "--census", action="store_true", help="also sweep ids for deletions and lost access"
    )
    add_wait_option(sync)
    sync.set_defaults(handler=_sync)

    run = commands.add_parser("run", help="run the service: sync on intervals, serve /metrics")
    add_config_option(run)
    run.set_defaults(handler=_run)

    status = commands.add_parser("status", help="what the store holds, per source")
    add_config_option(status)
    status.add_argument("--format", choices=["table", "json"], default="table")
    status.add_argument(
        "--rejected",
        type=int,
        default=20,
        metavar="N",
        help="list the N most recently quarantined records with their reason (default 20)",
    )
    status.set_defaults(handler=_status)


def _check_config(args: argparse.Namespace) -> int:
    from syncd.service.wiring import mapping_files

    config = config_from(args)
    # The mapping files are part of what a service starts on: a team named like the
    # organisation, or an agreement judged on a window not computed, must stop a deploy here.
    files = mapping_files(config)
    print(
        f"{config.path}: valid ({len(config.sources.jira)} Jira source(s)); "
        f"mapping files valid (rule set {files.rule_set.version})"
    )
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from syncd.service.wiring import migrate_store
    from syncd.store import create_store_engine, display_url

    config = config_from(args)
    engine = create_store_engine(config.store_url())
    migrate_store(engine)
    print(f"store at {display_url(engine.url)} is up to date")
    return 0


def _sync(args: argparse.Namespace) -> int:
    from syncd.service.wiring import jira_sources, open_store, pipeline_for, writing

    config = config_from(args)
    store = open_store(config)
    stop = threading.Event()
    wanted = set(args.source or [])
    sources = jira_sources(config, stop=stop, only=lambda name: not wanted or name in wanted)
    pipeline = pipeline_for(config, store)
    with writing(store, "syncd sync", wait=args.wait, on_wait=say_waiting):
        failed = _sync_sources(store, sources, pipeline, args, stop)
    return 1 if failed else 0


def _sync_sources(
    store: Store,
    sources: Sequence[Source],
    pipeline: Pipeline,
    args: argparse.Namespace,
    stop: threading.Event,
) -> bool:
    """Sync (and sweep, with ``--census``) each source, then refresh; whether a run failed."""
    from syncd.app.sync import SyncEngine
    from syncd.cli.progress import page_progress

    failed = False
    with page_progress() as on_page:
        engine = SyncEngine(store, stop=stop, on_page=on_page)
        for source in sources:
            reports = [engine.sync(source, full=args.full)]
            if args.census:
                reports.append(engine.census(source))
            for report in reports:
                if report.outcome == RunOutcome.FAILURE:
                    failed = True
                    _say_failed(report)
    pipeline.refresh()
    return failed


def _say_failed(report: RunReport) -> None:
    # The log lines are for machines; a person running the command gets one plain line.
    print(
        f"syncd: {report.kind} run #{report.run_id} failed: {redact(report.error or 'no reason')}",
        file=sys.stderr,
    )


def _status(args: argparse.Namespace) -> int:
    from syncd.cli.status import show_status

    return show_status(args)


def _run(args: argparse.Namespace) -> int:
    from syncd.service.run import build_service, serve

    return serve(build_service(config_from(args)))
