"""``syncd report``: are we keeping our agreement? Shares against bands, per team and window.

``render_report(snapshot, team=None, window=None, fmt="table")`` returns text ready to print:
a table per team for terminals, or stable JSON (sorted keys, every number a float or null) for
scripts. Rows are each work class as a whole, plus every category that has an agreement; each
carries ``total``, the classified completed work its share is a part of. Under each table, the
agreements applied (each window is judged on the one in force on its last day) and the windows
in which the agreement changed. A team with no work mapped to it says so instead of a table.
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
        team_rows = [r for r in rows if r.team == name]
        if not _has_work(team_rows):
            console.print(
                f"team {name}: no completed or in-progress issues are mapped to it in any "
                "window (it is known from the agreements or team files)"
            )
            continue
        table = Table(title=f"team {name}", title_justify="left")
        for column in ("window", "subject", "weighting", "share", "band", "drift"):
            table.add_column(
                column, justify="left" if column in ("window", "subject", "weighting") else "right"
            )
        for column in ("recovery needed", "forecast", "status"):
            table.add_column(column, justify="right")
        for row in team_rows:
            table.add_row(*_cells(row))
        console.print(table)
        for line in _agreements_applied(team_rows):
            console.print(line)
        covered = ", ".join(
            f"{c.window} {_percent(c.coverage)}" for c in coverage if c.team == name
        )
        console.print(f"classified (by issue count): {covered or _ABSENT}")
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _has_work(rows: list[ShareRow]) -> bool:
    return any(row.share is not None or row.in_progress for row in rows)


def _subject(row: ShareRow) -> str:
    return row.work_class + (f"/{row.category}" if row.category else "")


def _agreements_applied(rows: list[ShareRow]) -> list[str]:
    """One line per subject with an agreement: its id(s), and the windows it changed in."""
    applied: dict[str, dict[str, None]] = {}
    changed: dict[str, dict[str, None]] = {}
    for row in rows:
        if row.agreement_id is not None:
            applied.setdefault(_subject(row), {})[row.agreement_id] = None
        if row.agreement_changed:
            changed.setdefault(_subject(row), {})[row.window] = None
    lines = []
    for subject in dict.fromkeys([*applied, *changed]):
        ids = ", ".join(applied.get(subject, {})) or "none"
        line = f"agreement for {subject}: {ids}"
        if subject in changed:
            windows = ", ".join(changed[subject])
            line += (
                f"; it changed inside {windows} (each window is judged on the agreement "
                "in force on its last day)"
            )
        lines.append(line)
    return lines


def _cells(row: ShareRow) -> tuple[str, ...]:
    return (
        row.window,
        _subject(row),
        row.weighting,
        _percent(row.share),
        _band(row),
        _drift(row.drift),
        _recovery(row),
        _percent(row.forecast_share),
        row.status.replace("_", " "),
    )


def _drift(value: float | None) -> str:
    if value is None:
        return _ABSENT
    return f"{value * 100:+.1f} pp" if value else "0.0 pp"


def _recovery(row: ShareRow) -> str:
    """The work still needed below the band; above it, by how much the share is over."""
    if row.status == "above" and row.drift is not None:
        return f"none: {row.drift * 100:.1f} pp over"
    if row.recovery_needed is None:
        return _ABSENT
    return f"{row.recovery_needed:.1f} {_UNITS.get(row.weighting, '')}".rstrip()


def _band(row: ShareRow) -> str:
    if row.agreement_id is None:
        return _ABSENT
    if row.band_max is None:
        return f"≥ {_percent(row.band_min)}"
    if row.band_min is None:
        return f"≤ {_percent(row.band_max)}"
    return f"{_percent(row.band_min)} to {_percent(row.band_max)}"


def _percent(value: float | None) -> str:
    return _ABSENT if value is None else f"{value * 100:.1f}%"
