"""``syncd report``: are we keeping our agreement? Shares against bands, per team and window.

``render_report(snapshot, team=None, window=None, fmt="table")`` returns text ready to print:
a table per team for terminals, or stable JSON (sorted keys, every number a float or null) for
scripts. Rows are each work class as a whole, plus every category that has an agreement.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from rich.table import Table

from syncd.analytics import CoverageRow, ShareRow, Snapshot
from syncd.cli.console import text_console

__all__ = ["render_report"]

_UNITS = {"issues": "issues", "story_points": "pts", "time_spent": "h", "capacity": "person-days"}
_ABSENT = "n/a"


def render_report(
    snapshot: Snapshot,
    team: str | None = None,
    window: str | None = None,
    fmt: Literal["table", "json"] = "table",
    context: Mapping[str, str] | None = None,
) -> str:
    """The report of *snapshot*, optionally for one team and/or one window; *context* (e.g.
    the day an as-of report stands at) heads the table and joins the JSON document.

    Raises ``ValueError`` naming the known values when *team* or *window* is unknown, or when
    *fmt* is neither ``table`` nor ``json``.
    """
    teams = _pick("team", team, snapshot.teams)
    windows = _pick("window", window, tuple(w.name for w in snapshot.windows))
    rows = [r for r in _reported(snapshot.shares) if r.team in teams and r.window in windows]
    coverage = [
        c
        for c in snapshot.coverage
        if c.team in teams and c.window in windows and c.weighting == "issues"
    ]
    if fmt == "json":
        return _as_json(snapshot, teams, windows, rows, coverage, context=context or {})
    if fmt == "table":
        heading = "".join(
            f"{key.replace('_', ' ')}: {value}\n" for key, value in (context or {}).items()
        )
        return heading + _as_tables(snapshot, teams, rows, coverage)
    raise ValueError(f"unknown report format {fmt!r}: use table or json")


def _pick(what: str, chosen: str | None, known: tuple[str, ...]) -> tuple[str, ...]:
    if chosen is None:
        return known
    if chosen not in known:
        raise ValueError(f"unknown {what} {chosen!r}; known: {', '.join(known) or 'none'}")
    return (chosen,)


def _reported(rows: Iterable[ShareRow]) -> Iterable[ShareRow]:
    return (row for row in rows if row.category == "" or row.agreement_id is not None)


def _as_json(
    snapshot: Snapshot,
    teams: tuple[str, ...],
    windows: tuple[str, ...],
    rows: list[ShareRow],
    coverage: list[CoverageRow],
    *,
    context: Mapping[str, str],
) -> str:
    document = {
        **context,
        "computed_at": snapshot.computed_at.isoformat(),
        "windows": [w.to_dict() for w in snapshot.windows if w.name in windows],
        "teams": [
            {
                "team": name,
                "shares": [_share_json(r) for r in rows if r.team == name],
                "coverage": [
                    {"window": c.window, "coverage": c.coverage, "unclassified": c.unclassified}
                    for c in coverage
                    if c.team == name
                ],
            }
            for name in teams
        ],
    }
    return json.dumps(document, sort_keys=True, indent=2)


def _share_json(row: ShareRow) -> dict[str, Any]:
    data = row.to_dict()
    del data["team"]
    data["status"] = row.status
    return data


def _as_tables(
    snapshot: Snapshot, teams: tuple[str, ...], rows: list[ShareRow], coverage: list[CoverageRow]
) -> str:
    console = text_console(file=io.StringIO(), width=132, color_system=None, force_terminal=False)
    console.print(
        f"Shares against agreed bands, computed {snapshot.computed_at:%Y-%m-%d %H:%M} UTC"
    )
    for name in teams:
        table = Table(title=f"team {name}", title_justify="left")
        for column in ("window", "subject", "weighting", "share", "band", "drift"):
            table.add_column(
                column, justify="left" if column in ("window", "subject", "weighting") else "right"
            )
        for column in ("recovery needed", "forecast", "status"):
            table.add_column(column, justify="right")
        for row in (r for r in rows if r.team == name):
            table.add_row(*_cells(row))
        console.print(table)
        covered = ", ".join(
            f"{c.window} {_percent(c.coverage)}" for c in coverage if c.team == name
        )
        console.print(f"classified (by issue count): {covered or _ABSENT}")
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _cells(row: ShareRow) -> tuple[str, ...]:
    subject = row.work_class + (f"/{row.category}" if row.category else "")
    unit = _UNITS.get(row.weighting, "")
    recovery = _ABSENT if row.recovery_needed is None else f"{row.recovery_needed:.1f} {unit}"
    return (
        row.window,
        subject,
        row.weighting,
        _percent(row.share),
        _band(row),
        _drift(row.drift),
        recovery,
        _percent(row.forecast_share),
        row.status.replace("_", " "),
    )


def _drift(value: float | None) -> str:
    if value is None:
        return _ABSENT
    return f"{value * 100:+.1f} pp" if value else "0.0 pp"


def _band(row: ShareRow) -> str:
    if row.agreement_id is None:
        return _ABSENT
    low = _percent(row.band_min) if row.band_min is not None else ""
    high = _percent(row.band_max) if row.band_max is not None else ""
    return f"{low}..{high}"


def _percent(value: float | None) -> str:
    return _ABSENT if value is None else f"{value * 100:.1f}%"
