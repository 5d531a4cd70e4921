"""``syncd backfill``: the drift series of past days, as OpenMetrics for ``promtool tsdb
create-blocks-from openmetrics`` (docs/deploy.md, "Backfilling history").

Bad ranges, steps and labels are refused together (exit 2) before anything is read. The file
is written beside *FILE* and renamed into place only when complete, so an interrupted run
leaves no half-written document where promtool would read it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from syncd.app.backfill_range import LIVE_MARGIN, plan_backfill
from syncd.cli.options import add_config_option, config_from
from syncd.core.errors import ConfigError, Problem

__all__ = ["register"]

_STEP = re.compile(r"^(\d+)([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_LABEL = re.compile(r"^([a-zA-Z_]\w*)=(.*)$")


def register(commands: Any) -> None:
    """Add ``syncd backfill`` to the ``syncd`` parser."""
    backfill = commands.add_parser(
        "backfill",
        help="write the drift series of past days as OpenMetrics, for promtool to turn into "
        "Prometheus blocks",
    )
    backfill.add_argument(
        "--from", dest="first", type=_day, required=True, metavar="DATE", help="first day (UTC)"
    )
    backfill.add_argument(
        "--to",
        dest="last",
        type=_day,
        default=None,
        metavar="DATE",
        help=f"last day (UTC); default: the latest day that ended at least {_hours(LIVE_MARGIN)} "
        "hours ago (Prometheus is still writing the period after it)",
    )
    backfill.add_argument(
        "--step",
        type=_step,
        default=timedelta(days=1),
        metavar="N{d,h,m}",
        help="one sample per series at the end of each step (default 1d)",
    )
    backfill.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a label to add to every series, such as the job label Prometheus gives the live "
        "scrape (repeatable)",
    )
    backfill.add_argument(
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="the OpenMetrics document to write",
    )
    backfill.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="compute parts of the range in up to N processes side by side, each holding "
        "its own copy of the figures in memory (default: the processors available)",
    )
    add_config_option(backfill)
    backfill.set_defaults(handler=_backfill)


def _backfill(args: argparse.Namespace) -> int:
    from syncd.cli.progress import step_progress
    from syncd.service.backfill import available_cpus, write_backfill
    from syncd.service.wiring import open_store

    labels = _labels(args.label)
    config = config_from(args)
    store = open_store(config, upgrade=False)
    try:
        now = datetime.now(UTC)
        span = plan_backfill(args.first, args.last, args.step, now, store.count_issues())
    finally:
        store.engine.dispose()
    partial = args.output.with_name(f".{args.output.name}.partial")
    try:
        with step_progress(len(span), "backfill") as advance, partial.open("wb") as output:
            steps = write_backfill(
                config,
                tuple(span.moments()),
                output,
                labels=labels,
                jobs=args.jobs or available_cpus(),
                log_level=args.log_level or config.log_level,
                on_step=lambda moment: advance(f"{moment:%Y-%m-%d %H:%M}"),
            )
        os.replace(partial, args.output)
    finally:
        partial.unlink(missing_ok=True)
    print(
        f"{args.output}: {steps} steps of {_described(args.step)} from {span.first} to "
        f"{span.last}; next: promtool tsdb create-blocks-from openmetrics {args.output} DATA_DIR",
        file=sys.stderr,
    )
    return 0


def _labels(given: list[str]) -> dict[str, str]:
    from syncd.metrics.snapshot_families import CATALOGUE

    series_labels = {label for family in CATALOGUE for label in family.labels}
    labels: dict[str, str] = {}
    problems: list[Problem] = []
    for text in given:
        match = _LABEL.match(text)
        if match is None:
            problems.append(Problem("backfill", "--label", f"{text!r} is not NAME=VALUE"))
        elif match.group(1).startswith("__") or match.group(1) in series_labels:
            problems.append(
                Problem("backfill", "--label", f"{match.group(1)!r} is reserved or a series label")
            )
        else:
            labels[match.group(1)] = match.group(2)
    if problems:
        raise ConfigError("cannot backfill with these labels", problems)
    return labels


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _step(text: str) -> timedelta:
    match = _STEP.match(text)
    if match is None or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"not a step such as 1d, 6h or 30m: {text!r}") from None
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _described(step: timedelta) -> str:
    return f"{step.days}d" if step == timedelta(days=step.days) else str(step)


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g}"
