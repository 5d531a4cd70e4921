"""Building blocks of syncd's Grafana dashboards: variables, panels, layout.

Every panel queries the ``datasource`` variable; ``$team`` is a regex when the dashboard
lets several teams be chosen. deploy/grafana/dashboards.py composes these into dashboards.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DATASOURCE",
    "DEFAULT_WEIGHTING",
    "ISSUE_UNITS",
    "UNITS",
    "Json",
    "amounts",
    "dashboard",
    "dashed",
    "drilldown",
    "panel",
    "templating",
]

Json = dict[str, Any]

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
UNITS = (
    ("persondays", "person-days", "none"),
    ("issues", "issues", "none"),
    ("story_points", "story points", "none"),
    ("seconds", "time", "s"),
)
"""Each amount family's unit suffix, its legend word and Grafana's unit for it; capacity
(person-days) first, as the weighting the dashboards open on."""
ISSUE_UNITS = tuple(unit for unit in UNITS if unit[0] != "persondays")
"""The units an issue carries by itself: capacity is allocated to people per day, so figures
that sum issues (key-result work) have no person-days."""
DEFAULT_WEIGHTING = "capacity"
"""The weighting a dashboard shows until the reader picks another: where people's time went."""


def _variable(
    name: str, label: str, metric: str, *, multi: bool, regex: str = "", default: str = ""
) -> Json:
    """A query variable over *metric*'s *name* label; *default* preselects a value (else
    Grafana takes the first one listed)."""
    query = f"label_values({metric}, {name})"
    current = {"selected": True, "text": default, "value": default} if default else {}
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "query": {"query": query, "refId": f"{name}-values"},
        "definition": query,
        "regex": regex,
        "refresh": 2,
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        "allValue": ".*" if multi else None,
        "current": current,
        "options": [],
        "hide": 0,
    }


def templating(team_metric: str, *, multi_team: bool) -> Json:
    """The data source, team (values of *team_metric*), window and weighting variables.

    The organisation is never a value of ``team`` (it has ``syncd_org_`` families), so the
    team list needs no filtering.
    """
    datasource = {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
    }
    return {
        "list": [
            datasource,
            _variable("team", "Team", team_metric, multi=multi_team),
            _variable("window", "Window", "syncd_work_share_ratio", multi=False),
            _variable(
                "weighting",
                "Weighting",
                "syncd_work_share_ratio",
                multi=False,
                default=DEFAULT_WEIGHTING,
            ),
            _syncd_url(),
        ]
    }


def _target(expr: str, legend: str, ref: str, *, instant: bool = False) -> Json:
    target: Json = {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}
    if instant:
        target.update({"instant": True, "range": False, "format": "table"})
    return target


def panel(
    kind: str,
    title: str,
    queries: list[tuple[str, str]],
    size: tuple[int, int],
    *,
    unit: str = "percentunit",
    description: str = "",
    overrides: list[Json] | None = None,
) -> Json:
    """A panel of *kind* with one query per ``(expr, legend)``; tables and bar gauges are
    instant queries. *size* is ``(width, height)`` in grid units; placement comes later."""
    instant = kind in ("table", "bargauge")
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "gridPos": {"w": size[0], "h": size[1], "x": 0, "y": 0},
        "targets": [
            _target(expr, legend, chr(ord("A") + index), instant=instant)
            for index, (expr, legend) in enumerate(queries)
        ],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": overrides or []},
        "options": {},
    }


def amounts(
    template: str, legend: str, units: tuple[tuple[str, str, str], ...] = UNITS
) -> tuple[list[tuple[str, str]], list[Json]]:
    """One query per unit family of *units* (*template* has a ``{unit}`` field), and the
    overrides that give each query's series its own unit: an amount family has one unit, so a
    panel that shows amounts shows every unit side by side instead of mixing them in one axis."""
    queries = [
        (template.replace("{unit}", unit), f"{legend} ({word})".strip()) for unit, word, _ in units
    ]
    overrides = [
        {
            "matcher": {"id": "byFrameRefID", "options": chr(ord("A") + index)},
            "properties": [{"id": "unit", "value": grafana}],
        }
        for index, (_, _, grafana) in enumerate(units)
    ]
    return queries, overrides


def dashed(pattern: str) -> Json:
    """Draw the series whose legend matches *pattern* as a dashed line (the band's edges)."""
    return {
        "matcher": {"id": "byRegexp", "options": pattern},
        "properties": [
            {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
            {"id": "custom.fillOpacity", "value": 0},
        ],
    }


def _laid_out(panels: list[Json]) -> list[Json]:
    """Place panels left to right in rows 24 units wide, with unique ids."""
    x = y = row_height = 0
    for number, panel in enumerate(panels, start=1):
        grid = panel["gridPos"]
        if x + grid["w"] > 24:
            x, y, row_height = 0, y + row_height, 0
        grid.update({"x": x, "y": y})
        x += grid["w"]
        row_height = max(row_height, grid["h"])
        panel["id"] = number
    return panels


def dashboard(uid: str, title: str, description: str, panels: list[Json], templating: Json) -> Json:
    """A provisionable dashboard holding *panels*, laid out left to right, top to bottom."""
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["syncd"],
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "5m",
        "time": {"from": "now-30d", "to": "now"},
        "templating": templating,
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "tags": ["syncd"], "asDropdown": True, "title": "syncd"}],
        "panels": _laid_out(panels),
    }


def _syncd_url() -> Json:
    """The ``syncd_url`` variable: the base URL of syncd's web view, which data links open."""
    return {
        "name": "syncd_url",
        "label": "syncd URL",
        "type": "textbox",
        "query": "http://syncd.syncd.svc:9464",
        "current": {"text": "http://syncd.syncd.svc:9464", "value": "http://syncd.syncd.svc:9464"},
        "hide": 0,
    }


_LABEL = "${{__field.labels.{0}:percentencode}}"


def drilldown(built: Json, *, work_class: str | None = None) -> Json:
    """*built* with a data link from every series to syncd's drill-down of that series: the
    issues behind the figure, by the series' team, window, work class, category and weighting
    labels (an organisation series has no team: the drill-down reads that as ``all``).
    *work_class* fixes the class (``unclassified`` for coverage, whose series have none)."""
    labels = ["team", "window", "work_class", "category", "weighting"]
    query = "&".join(
        f"{label}={work_class if label == 'work_class' and work_class else _LABEL.format(label)}"
        for label in labels
        if not (work_class and label == "category")
    )
    link = {
        "title": "Issues behind this figure",
        "url": f"${{syncd_url}}/drilldown?{query}",
        "targetBlank": True,
    }
    built["fieldConfig"]["defaults"]["links"] = [link]
    return built
