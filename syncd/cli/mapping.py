"""Commands about decisions and drift: explain, rules check/diff, refresh, report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncd.cli.options import add_config_option, add_wait_option, config_from, say_waiting

if TYPE_CHECKING:
    from syncd.app.rules_preview import ShareChange

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add this module's commands to the ``syncd`` parser."""
    explain_cmd = commands.add_parser("explain", help="why an issue got its decision")
    explain_cmd.add_argument("key", help="the issue key (now or before a move), e.g. SHOP-12")
    explain_cmd.add_argument("--source", default=None, help="the source, when several hold the key")
    add_config_option(explain_cmd)
    explain_cmd.set_defaults(handler=_explain)

    rules = commands.add_parser("rules", help="check a rule file, or preview its effect")
    actions = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check", help="every problem in a rule file with its line; exit 2 if any"
    )
    check.add_argument("file", type=Path)
    add_config_option(check)
    check.set_defaults(handler=_rules_check)
    diff = actions.add_parser(
        "diff", help="dry run: what a new rule file would change, per team and window"
    )
    diff.add_argument("file", type=Path)
    diff.add_argument("--limit", type=int, default=50, help="changed issues to list")
    add_config_option(diff)
    diff.set_defaults(handler=_rules_diff)

    refresh = commands.add_parser(
        "refresh",
        help="re-read roadmap exports, re-decide stored issues and recompute the snapshot "
        "(Jira is not polled)",
    )
    add_config_option(refresh)
    add_wait_option(refresh)
    refresh.set_defaults(handler=_refresh)

    report = commands.add_parser(
        "report", help="are we keeping our agreement? shares against bands, per team"
    )
    report.add_argument("--team", default=None)
    report.add_argument("--window", default=None)
    report.add_argument("--format", choices=["table", "json"], default="table")
    report.add_argument(
        "--as-of",
        type=_day,
        default=None,
        metavar="DATE",
        help="every figure as it stood at the end of DATE (YYYY-MM-DD, UTC), from the histories",
    )
    add_config_option(report)
    report.set_defaults(handler=_report)


def _explain(args: argparse.Namespace) -> int:
    from mappings import explain
    from syncd.service.wiring import mapping_files, open_store

    config = config_from(args)
    files = mapping_files(config)
    store = open_store(config, upgrade=False)
    issue = store.get_issue_by_key(args.key, args.source)
    if issue is None:
        print(f"syncd: no stored issue has the key {args.key}", file=sys.stderr)
        return 1
    answer = explain(
        issue.key,
        store.get_lineage(issue),
        store.iter_roadmap_items(),
        files.rule_set,
        teams=files.teams,
        key_results=files.key_result_ids,
        source=issue.source,
    )
    print(answer.render())
    return 0


def _rules_check(args: argparse.Namespace) -> int:
    from mappings import check_rule_file, load_rule_set
    from syncd.service.wiring import mapping_files

    known = None
    if args.config is not None:
        known = mapping_files(config_from(args)).key_result_ids
    problems = check_rule_file(args.file, known)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 2
    rule_set = load_rule_set(args.file, known)
    print(f"{args.file}: valid ({len(rule_set.rules)} rules, version {rule_set.version})")
    return 0


def _rules_diff(args: argparse.Namespace) -> int:
    from mappings import load_rule_set
    from syncd.app.rules_preview import preview_rules
    from syncd.service.wiring import mapping_files, open_store

    config = config_from(args)
    files = mapping_files(config)
    new = load_rule_set(args.file, files.key_result_ids)
    store = open_store(config, upgrade=False)
    preview = preview_rules(store, files, new, config.analytics, datetime.now(UTC))
    print(preview.decisions.render(limit=args.limit))
    print(_render_share_changes(preview.shares))
    return 0


def _render_share_changes(changes: Sequence[ShareChange]) -> str:
    if not changes:
        return "no share would change"
    lines = ["share changes (completed work, per weighting):"]
    for change in changes:
        subject = change.work_class + (f"/{change.category}" if change.category else "")
        lines.append(
            f"  {change.team:<12} {change.window:<8} {change.weighting:<12} {subject:<24} "
            f"{_share(change.before)} → {_share(change.after)} ({change.delta:+.1%})"
        )
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1%}"


def _refresh(args: argparse.Namespace) -> int:
    from syncd.service.wiring import open_store, pipeline_for, writing

    config = config_from(args)
    store = open_store(config)
    pipeline = pipeline_for(config, store)
    with writing(store, "syncd refresh", wait=args.wait, on_wait=say_waiting):
        snapshot = pipeline.refresh()
    moment = snapshot.computed_at.isoformat(timespec="seconds")
    print(f"re-decided stored issues; snapshot of {moment} saved")
    return 0


def _report(args: argparse.Namespace) -> int:
    from syncd.analytics import Snapshot
    from syncd.app.as_of import snapshot_as_of
    from syncd.cli.report import render_report
    from syncd.service.wiring import mapping_files, open_store

    config = config_from(args)
    store = open_store(config, upgrade=False)
    context: dict[str, str] = {}
    if args.as_of is not None:
        files = mapping_files(config)
        snapshot = snapshot_as_of(store, files, config.analytics, args.as_of)
        context = {
            "as_of": args.as_of.isoformat(),
            "rules": f"current rules (rule set {files.rule_set.version}), applied to the "
            "issues as they stood then",
        }
    else:
        stored = store.latest_snapshot()
        if stored is None:
            print(
                "syncd: no snapshot yet: run `syncd sync --once` or the service first",
                file=sys.stderr,
            )
            return 1
        snapshot = Snapshot.from_dict(stored[1])
    try:
        print(
            render_report(
                snapshot, team=args.team, window=args.window, fmt=args.format, context=context
            )
        )
    except ValueError as error:
        print(f"syncd: {error}", file=sys.stderr)
        return 2
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
