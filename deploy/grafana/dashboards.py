"""The Grafana dashboards for syncd, built as data so every panel follows one pattern.

``python deploy/generate.py`` writes them to ``deploy/grafana/dashboards/*.json``; the JSON
files are what Grafana provisions, this module is where they are edited. Every query reads
only series from docs/metrics.md or recorded by deploy/prometheus/rules/syncd.rules.yaml.
"""

from __future__ import annotations

from panels import Json, dashboard, dashed, panel, templating

__all__ = ["DASHBOARDS", "dashboard_documents"]

# The selectors that follow the dashboard's variables; ``$team`` is a regex (multi-value).
_TEAMS = 'team=~"$team"'
_SHARE = 'window="$window", weighting="$weighting"'
_TECH = 'work_class="technology", category=""'


def _overview() -> Json:
    org = f'team="all", {_TECH}, {_SHARE}'
    band = 'work_class="technology", category="", window="$window"'
    panels = [
        panel(
            "stat",
            "Organisation technology share",
            [(f"syncd_work_share_ratio{{{org}}}", "share")],
            (6, 5),
        ),
        panel(
            "stat",
            "Agreed band",
            [
                (f'syncd:work_share_ratio:band_min{{team="all", {band}}}', "min"),
                (f'syncd:work_share_ratio:band_max{{team="all", {band}}}', "max"),
            ],
            (6, 5),
        ),
        panel(
            "stat",
            "Forecast at the window's end",
            [(f"syncd_work_forecast_share_ratio{{{org}}}", "forecast")],
            (6, 5),
        ),
        panel(
            "stat",
            "Drift from the band",
            [(f"syncd_work_share_drift_ratio{{{org}}}", "drift")],
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
            [(f"syncd:work_share_ratio:technology_per_product{{{_TEAMS}, {_SHARE}}}", "{{team}}")],
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
            [(f"syncd_work_recovery_needed{{{_TEAMS}, {_TECH}, {_SHARE}}}", "{{team}}")],
            (8, 9),
            unit="none",
            description="In the weighting's unit, by the window's end.",
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
            [(f"syncd_work_recovery_needed{{{own}}}", "needed")],
            (6, 5),
            unit="none",
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
        panel(
            "timeseries",
            "Completed and in-progress work",
            [
                (
                    f'syncd_work_completed{{{team}, category="", {_SHARE}}}',
                    "{{work_class}} completed",
                ),
                (
                    f'syncd_work_in_progress{{{team}, category="", {_SHARE}}}',
                    "{{work_class}} in progress",
                ),
            ],
            (12, 9),
            unit="none",
        ),
        panel(
            "timeseries",
            "Unclassified work",
            [(f"syncd_unclassified_work{{{team}, {_SHARE}}}", "unclassified")],
            (12, 8),
            unit="none",
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
            [(f'syncd_key_result_work{{{_TEAMS}, weighting="$weighting"}}', "{{key_result}}")],
            (24, 9),
            unit="none",
        ),
    ]
    return dashboard(
        "syncd-key-results",
        "syncd / Key-result progress",
        "Progress of every key result by its own measure, against the time elapsed.",
        panels,
        templating("syncd_key_result_progress_ratio", multi_team=True),
    )


def _health() -> Json:
    by_source = "sum by (source) (0 * syncd_last_success_timestamp_seconds)"
    panels = [
        panel(
            "bargauge",
            "Classification coverage",
            [(f'syncd_classification_coverage_ratio{{{_TEAMS}, window="$window"}}', "{{team}}")],
            (8, 8),
        ),
        panel(
            "timeseries",
            "Unclassified work",
            [(f"syncd_unclassified_work{{{_TEAMS}, {_SHARE}}}", "{{team}}")],
            (8, 8),
            unit="none",
        ),
        panel(
            "bargauge",
            "Integrity problems by kind",
            [("syncd_integrity_problems", "{{kind}}")],
            (8, 8),
            unit="none",
        ),
        panel(
            "stat",
            "Time since the last successful sync",
            [("syncd:last_success_age_seconds", "{{source}}")],
            (8, 5),
            unit="s",
            description="Share alerts stay silent while any source is older than 30 minutes.",
        ),
        panel(
            "stat",
            "Snapshot age",
            [("time() - syncd_snapshot_timestamp_seconds", "snapshot")],
            (8, 5),
            unit="s",
        ),
        panel("stat", "Writing replica", [("syncd_leader", "{{instance}}")], (8, 5), unit="none"),
        panel(
            "timeseries",
            "Sync runs by outcome",
            [
                (
                    "sum by (source, outcome) (increase(syncd_sync_runs_total[$__rate_interval]))",
                    "{{source}} {{outcome}}",
                )
            ],
            (12, 8),
            unit="none",
        ),
        panel(
            "timeseries",
            "Sync duration",
            [("syncd_sync_duration_seconds", "{{source}}")],
            (12, 8),
            unit="s",
        ),
        panel(
            "timeseries",
            "Requests to sources by status class",
            [
                (
                    "sum by (source, status_class) (rate(syncd_requests_total[$__rate_interval]))",
                    "{{source}} {{status_class}}",
                )
            ],
            (8, 8),
            unit="reqps",
        ),
        # Counters for retries and rejections appear with their first event; until then the
        # panels show 0 per source rather than "No data".
        panel(
            "timeseries",
            "Retries by reason",
            [
                (
                    "sum by (source, reason) (rate(syncd_retries_total[$__rate_interval])) "
                    f"or {by_source}",
                    "{{source}} {{reason}}",
                )
            ],
            (8, 8),
            unit="reqps",
        ),
        panel(
            "timeseries",
            "Rejected records by reason",
            [
                (
                    "sum by (source, reason) "
                    "(increase(syncd_rejected_records_total[$__rate_interval]))"
                    f" or {by_source}",
                    "{{source}} {{reason}}",
                )
            ],
            (8, 8),
            unit="none",
        ),
        panel("table", "Build", [("syncd_build_info", "{{version}}")], (12, 5), unit="none"),
        panel(
            "stat", "Scrape target up", [('up{job="syncd"}', "{{instance}}")], (12, 5), unit="none"
        ),
    ]
    return dashboard(
        "syncd-health",
        "syncd / Data quality and sync health",
        "Classification coverage, integrity checks across roadmap, Jira and key results, and "
        "the sync's own health.",
        panels,
        templating("syncd_work_share_ratio", multi_team=True),
    )


DASHBOARDS = {
    "syncd-overview.json": _overview,
    "syncd-team.json": _team,
    "syncd-key-results.json": _key_results,
    "syncd-health.json": _health,
}


def dashboard_documents() -> dict[str, Json]:
    """Every dashboard by file name, as the JSON document Grafana provisions."""
    return {name: build() for name, build in DASHBOARDS.items()}
