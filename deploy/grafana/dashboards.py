"""The Grafana dashboards for syncd, built as data so every panel follows one pattern.

``python deploy/generate.py`` writes them to ``deploy/grafana/dashboards/*.json``; the JSON
files are what Grafana provisions, this module is where they are edited. Every query reads
only series from docs/metrics.md or recorded by deploy/prometheus/rules/syncd.rules.yaml.
"""

from __future__ import annotations

import re

from health import health_dashboard
from panels import (
    ISSUE_UNITS,
    UNITS,
    Json,
    amounts,
    dashboard,
    dashed,
    drilldown,
    panel,
    templating,
)

__all__ = ["DASHBOARDS", "dashboard_documents"]

# The selectors that follow the dashboard's variables; ``$team`` is a regex (multi-value).
_TEAMS = 'team=~"$team"'
_SHARE = 'window="$window", weighting="$weighting"'
_TECH = 'work_class="technology", category=""'


def _overview() -> Json:
    org = f"{_TECH}, {_SHARE}"
    band = 'work_class="technology", category="", window="$window"'
    recovery, recovery_units = amounts(
        f'syncd_work_recovery_needed_{{unit}}{{{_TEAMS}, {_TECH}, window="$window"}}',
        "{{team}}",
    )
    panels = [
        panel(
            "stat",
            "Organisation technology share",
            [(f"syncd_org_work_share_ratio{{{org}}}", "share")],
            (6, 5),
        ),
        panel(
            "stat",
            "Agreed band",
            [
                (f"syncd:org_work_share_ratio:band_min{{{band}}}", "min"),
                (f"syncd:org_work_share_ratio:band_max{{{band}}}", "max"),
            ],
            (6, 5),
        ),
        panel(
            "stat",
            "Forecast at the window's end",
            [(f"syncd_org_work_forecast_share_ratio{{{org}}}", "forecast")],
            (6, 5),
        ),
        panel(
            "stat",
            "Drift from the band",
            [(f"syncd_org_work_share_drift_ratio{{{org}}}", "drift")],
            (6, 5),
            description="Share minus the nearest band edge: 0 inside the band.",
        ),
        panel(
            "timeseries",
            "Technology share per team against the agreed band",
            [
                (f"syncd_work_share_ratio{{{_TEAMS}, {_TECH}, {_SHARE}}}", "{{team}}"),
                (f"syncd:work_share_ratio:band_min{{{_TEAMS}, {band}}}", "{{team}} band min"),
                (f"syncd:work_share_ratio:band_max{{{_TEAMS}, {band}}}", "{{team}} band max"),
            ],
            (24, 10),
            overrides=[dashed(".* band (min|max)$")],
        ),
        panel(
            "timeseries",
            "Tech-debt share per team against the agreed band",
            [
                (f'syncd_work_share_ratio{{{_TEAMS}, category="tech_debt", {_SHARE}}}', "{{team}}"),
                (
                    f'syncd:work_share_ratio:band_min{{{_TEAMS}, category="tech_debt", '
                    'window="$window"}',
                    "{{team}} band min",
                ),
            ],
            (12, 9),
            overrides=[dashed(".* band min$")],
        ),
        panel(
            "timeseries",
            "Technology work per unit of product work",
            [
                (
                    f"syncd:work_share_ratio:technology_per_product{{{_TEAMS}, {_SHARE}}}",
                    "{{team}}",
                ),
                (
                    f"syncd:org_work_share_ratio:technology_per_product{{{_SHARE}}}",
                    "organisation",
                ),
            ],
            (12, 9),
            unit="none",
        ),
        panel(
            "bargauge",
            "Drift from the band per team",
            [(f"syncd_work_share_drift_ratio{{{_TEAMS}, {_TECH}, {_SHARE}}}", "{{team}}")],
            (8, 9),
        ),
        panel(
            "table",
            "Technology work still needed to re-enter the band",
            recovery,
            (8, 9),
            unit="none",
            description="In each unit, by the window's end.",
            overrides=recovery_units,
        ),
        panel(
            "bargauge",
            "Largest disagreement between weightings",
            [
                (
                    f'syncd_weighting_disagreement_ratio{{{_TEAMS}, work_class="technology", '
                    'window="$window"}',
                    "{{team}}",
                )
            ],
            (8, 9),
        ),
    ]
    return dashboard(
        "syncd-overview",
        "syncd / Organisation overview",
        "Product/technology split of completed work per team, against the agreed band.",
        panels,
        templating("syncd_work_share_ratio", multi_team=True),
    )


def _team() -> Json:
    team = 'team="$team"'
    own = f"{team}, {_TECH}, {_SHARE}"
    unclassified, unclassified_units = amounts(
        f'syncd_unclassified_work_{{unit}}{{{team}, window="$window"}}', "unclassified"
    )
    needed, needed_units = amounts(
        f'syncd_work_recovery_needed_{{unit}}{{{team}, {_TECH}, window="$window"}}', ""
    )
    panels = [
        panel("stat", "Technology share", [(f"syncd_work_share_ratio{{{own}}}", "share")], (6, 5)),
        panel(
            "stat",
            "Drift from the band",
            [(f"syncd_work_share_drift_ratio{{{own}}}", "drift")],
            (6, 5),
        ),
        panel(
            "stat",
            "Work needed to re-enter the band",
            needed,
            (6, 5),
            unit="none",
            overrides=needed_units,
        ),
        panel(
            "stat",
            "Classification coverage",
            [(f'syncd_classification_coverage_ratio{{{team}, window="$window"}}', "coverage")],
            (6, 5),
        ),
        panel(
            "timeseries",
            "Product and technology share",
            [
                (f'syncd_work_share_ratio{{{team}, category="", {_SHARE}}}', "{{work_class}}"),
                (
                    f'syncd:work_share_ratio:band_min{{{team}, {_TECH}, window="$window"}}',
                    "technology band min",
                ),
                (
                    f'syncd:work_share_ratio:band_max{{{team}, {_TECH}, window="$window"}}',
                    "technology band max",
                ),
            ],
            (12, 9),
            overrides=[dashed(".* band (min|max)$")],
        ),
        panel(
            "timeseries",
            "Technology share by category",
            [
                (
                    f'syncd_work_share_ratio{{{team}, work_class="technology", category!="", '
                    f"{_SHARE}}}",
                    "{{category}}",
                )
            ],
            (12, 9),
        ),
        panel(
            "timeseries",
            "Technology share in every weighting",
            [(f'syncd_work_share_ratio{{{team}, {_TECH}, window="$window"}}', "{{weighting}}")],
            (12, 9),
            description="Weightings that disagree mean a few large items dominate.",
        ),
        *(
            panel(
                "timeseries",
                f"Completed and in-progress work ({word})",
                [
                    (
                        f'syncd_work_completed_{unit}{{{team}, category="", window="$window"}}',
                        "{{work_class}} completed",
                    ),
                    (
                        f'syncd_work_in_progress_{unit}{{{team}, category="", window="$window"}}',
                        "{{work_class}} in progress",
                    ),
                ],
                (8, 9),
                unit=grafana,
            )
            for unit, word, grafana in UNITS
        ),
        panel(
            "timeseries",
            "Unclassified work",
            unclassified,
            (12, 8),
            unit="none",
            overrides=unclassified_units,
        ),
        panel(
            "bargauge",
            "Key results",
            [(f"syncd_key_result_progress_ratio{{{team}}}", "{{key_result}}")],
            (12, 8),
        ),
    ]
    return dashboard(
        "syncd-team",
        "syncd / Team drill-down",
        "One team's split by work class, category and weighting, and what drives it.",
        panels,
        templating("syncd_work_share_ratio", multi_team=False),
    )


def _key_results() -> Json:
    linked, linked_units = amounts(
        f"syncd_key_result_work_{{unit}}{{{_TEAMS}}}", "{{key_result}}", ISSUE_UNITS
    )
    panels = [
        panel(
            "bargauge",
            "Progress per key result",
            [(f"syncd_key_result_progress_ratio{{{_TEAMS}}}", "{{key_result}}")],
            (12, 10),
        ),
        panel(
            "table",
            "Behind expected progress",
            [(f"syncd:key_result_progress_ratio:lag{{{_TEAMS}}}", "{{key_result}}")],
            (12, 10),
            description="Expected minus actual progress; positive means behind.",
        ),
        panel(
            "timeseries",
            "Progress against the expected pace",
            [
                (f"syncd_key_result_progress_ratio{{{_TEAMS}}}", "{{key_result}}"),
                (
                    f"syncd_key_result_expected_progress_ratio{{{_TEAMS}}}",
                    "{{key_result}} expected",
                ),
            ],
            (24, 10),
            overrides=[dashed(".* expected$")],
        ),
        panel(
            "timeseries",
            "Completed work linked to each key result",
            linked,
            (24, 9),
            unit="none",
            overrides=linked_units,
        ),
    ]
    return dashboard(
        "syncd-key-results",
        "syncd / Key-result progress",
        "Progress of every key result by its own measure, against the time elapsed.",
        panels,
        templating("syncd_key_result_progress_ratio", multi_team=True),
    )


DASHBOARDS = {
    "syncd-overview.json": _overview,
    "syncd-team.json": _team,
    "syncd-key-results.json": _key_results,
    "syncd-health.json": health_dashboard,
}


# Panels showing these families link each series to the issues behind it in syncd's web view.
_SHARES = re.compile(r"\bsyncd_(?:org_)?work_share_(?:drift_)?ratio\{")
_COVERAGE = re.compile(r"\bsyncd_(?:org_)?classification_coverage_ratio\{")


def _with_drilldowns(document: Json) -> Json:
    for shown in document["panels"]:
        exprs = " ".join(target["expr"] for target in shown["targets"])
        if _SHARES.search(exprs):
            drilldown(shown)
        elif _COVERAGE.search(exprs):
            drilldown(shown, work_class="unclassified")
    return document


def dashboard_documents() -> dict[str, Json]:
    """Every dashboard by file name, as the JSON document Grafana provisions; every share,
    drift and coverage panel links to syncd's drill-down of the series clicked."""
    return {name: _with_drilldowns(build()) for name, build in DASHBOARDS.items()}
