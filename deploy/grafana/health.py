"""The *Data quality and sync health* dashboard: what an operator reads first.

Classification coverage and integrity, then the service itself: freshness of every input
(Jira sources, roadmap exports, the snapshot), the writer, the mapping files in use, runs,
requests, retries, rejections, build and runtime.
"""

from __future__ import annotations

from panels import Json, amounts, dashboard, panel, templating

__all__ = ["health_dashboard"]

_TEAMS = 'team=~"$team"'


def _quality() -> list[Json]:
    unclassified, units = amounts(
        f'syncd_unclassified_work_{{unit}}{{{_TEAMS}, window="$window"}}', "{{team}}"
    )
    return [
        panel(
            "bargauge",
            "Classification coverage",
            [(f'syncd_classification_coverage_ratio{{{_TEAMS}, window="$window"}}', "{{team}}")],
            (8, 8),
        ),
        panel(
            "timeseries", "Unclassified work", unclassified, (8, 8), unit="none", overrides=units
        ),
        panel(
            "bargauge",
            "Integrity problems by kind",
            [("max without (instance, pod) (syncd_integrity_problems)", "{{kind}}")],
            (8, 8),
            unit="none",
        ),
        panel(
            "timeseries",
            "Unallocated capacity",
            [
                (
                    f'syncd_capacity_unallocated_persondays{{{_TEAMS}, window="$window"}}',
                    "{{team}}",
                )
            ],
            (24, 7),
            unit="none",
            description=(
                "Person-days of the team's people with no issue in progress: work Jira does "
                "not show (meetings, support, leave not in the calendar, untracked work). "
                "A data-quality signal, not a work class."
            ),
        ),
    ]


def _freshness() -> list[Json]:
    return [
        panel(
            "stat",
            "Time since the last successful sync",
            [("syncd:last_success_age_seconds", "{{source}}")],
            (6, 5),
            unit="s",
            description="Share alerts stay silent while any input is older than 30 minutes.",
        ),
        panel(
            "stat",
            "Time since each roadmap export was read",
            [("syncd:roadmap_last_success_age_seconds", "{{source}}")],
            (6, 5),
            unit="s",
        ),
        panel(
            "stat", "Snapshot age", [("syncd:snapshot_age_seconds", "snapshot")], (6, 5), unit="s"
        ),
        panel("stat", "Writing replica", [("syncd_leader", "{{instance}}")], (6, 5), unit="none"),
        panel(
            "stat",
            "Mapping files valid",
            [("syncd_mapping_files_valid", "{{instance}}")],
            (8, 5),
            unit="none",
            description="0: an edit was refused; syncd status lists the problems.",
        ),
        panel(
            "stat",
            "Mapping files in use since",
            [("time() - syncd_mapping_files_loaded_timestamp_seconds", "{{instance}}")],
            (8, 5),
            unit="s",
        ),
        panel(
            "table",
            "Rule set in use",
            [("syncd_rule_set_info", "{{version}}")],
            (8, 5),
            unit="none",
        ),
    ]


def _activity() -> list[Json]:
    # Counters for retries and rejections appear with their first event; until then the
    # panels show 0 per source rather than "No data".
    by_source = "sum by (source) (0 * syncd_last_success_timestamp_seconds)"
    return [
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
    ]


def _runtime() -> list[Json]:
    return [
        panel(
            "table",
            "Build",
            [("syncd_build_info", "{{version}} {{revision}}")],
            (8, 5),
            unit="none",
        ),
        panel(
            "stat", "Scrape target up", [('up{job="syncd"}', "{{instance}}")], (8, 5), unit="none"
        ),
        panel(
            "timeseries",
            "Resident memory",
            [('process_resident_memory_bytes{job="syncd"}', "{{instance}}")],
            (8, 5),
            unit="bytes",
        ),
    ]


def health_dashboard() -> Json:
    """The health dashboard as the JSON document Grafana provisions."""
    return dashboard(
        "syncd-health",
        "syncd / Data quality and sync health",
        "Classification coverage, integrity checks across roadmap, Jira and key results, and "
        "the sync's own health.",
        [*_quality(), *_freshness(), *_activity(), *_runtime()],
        templating("syncd_work_share_ratio", multi_team=True),
    )
