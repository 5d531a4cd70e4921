"""End to end: 180 days of the demo organisation backfilled into a real Prometheus.

``syncd backfill`` writes the history of a synced demo store; ``promtool tsdb
create-blocks-from openmetrics`` turns it into blocks; a Prometheus started on them must
return data at every one of the 180 daily steps for every recording rule and every dashboard
panel query whose inputs are backfilled, and the shares it returns on sampled days must equal
``syncd report --as-of`` for those days.

Recorded series are read through their recording expressions (``inlined``): the panel's
label matchers go into the expression's selectors: what is proven is that every rule,
those over other recorded series included, computes over the history. The recorded series
themselves, made by promtool's rule backfill, are tested in test_backfill_rules_e2e.py.

Left out, by design: panels and rules reading only the service's health series (sync runs,
requests, leader, mapping files, build, process), which describe the running service and are
not history (docs/deploy.md).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    PanelQuery,
    as_bool_comparisons,
    dashboard_queries,
    rule_entries,
    selectors,
)
from prometheus_support import (
    backfilled_demo,
    get,
    run_ok,
    start_prometheus_on,
    stop,
    substituted,
    syncd_command,
    variable_values_at,
)

from syncd.app.as_of import end_of
from syncd.app.backfill import default_last_day
from syncd.metrics.snapshot_families import CATALOGUE

pytestmark = pytest.mark.slow

DAYS = 180
STEP = 86_400
# Grafana's interval variables, sized for one sample a day.
BUILTINS = {"$__rate_interval": "2d", "$__interval": "1d", "$__range": "180d"}


@dataclass(frozen=True)
class Backfilled:
    """A Prometheus serving the backfilled blocks, the range, and the demo's configuration."""

    base: str
    first: date
    last: date
    config: Path

    @property
    def stamps(self) -> list[float]:
        """The end of every step, in seconds."""
        return [end_of(self.first + timedelta(days=n)).timestamp() for n in range(DAYS)]


def _backfillable() -> set[str]:
    """The backfilled families and every series recorded from them alone."""
    known = {family.name for family in CATALOGUE}
    recording = [rule for rule in rule_entries() if "record" in rule]
    grew = True
    while grew:
        grew = False
        for rule in recording:
            inputs = {selector.name for selector in selectors(rule["expr"])}
            if rule["record"] not in known and inputs <= known:
                known.add(rule["record"])
                grew = True
    return known


BACKFILLABLE = _backfillable()


def _reads_history(expr: str) -> bool:
    return {selector.name for selector in selectors(expr)} <= BACKFILLABLE


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backfilled]:
    """The demo synced once, 180 days backfilled, raw and recorded blocks loaded."""
    workdir = tmp_path_factory.mktemp("backfill")
    last = default_last_day(datetime.now(UTC))
    first = last - timedelta(days=DAYS - 1)
    config, data = backfilled_demo(workdir, first)
    process, base = start_prometheus_on(workdir, data)
    try:
        yield Backfilled(base, first, last, config)
    finally:
        stop(process)


RECORDED = {rule["record"]: rule["expr"] for rule in rule_entries() if "record" in rule}
_SELECTOR = re.compile(r"(?<![\w:])([a-z_:][\w:]*)(\{[^{}]*\})?(?![\w:(])")


def inlined(expr: str) -> str:
    """*expr* with every recorded series replaced by its recording expression, the
    series' label matchers added to each selector of that expression (recursively)."""

    def replace(match: re.Match[str]) -> str:
        name, braces = match.group(1), match.group(2) or ""
        if name not in RECORDED:
            return match.group(0)
        matchers = braces[1:-1].strip()
        body = inlined(RECORDED[name])
        if matchers:
            body = _with_matchers(body, matchers)
        return f"({body})"

    return _SELECTOR.sub(replace, expr)


def _with_matchers(expr: str, matchers: str) -> str:
    def add(match: re.Match[str]) -> str:
        name, braces = match.group(1), match.group(2)
        if not name.startswith("syncd_"):
            return match.group(0)
        inner = braces[1:-1].strip() if braces else ""
        return f"{name}{{{', '.join(m for m in (inner, matchers) if m)}}}"

    return _SELECTOR.sub(add, expr)


def _range(backfilled: Backfilled, expr: str) -> list[dict[str, Any]]:
    stamps = backfilled.stamps
    query = {"query": expr, "start": stamps[0], "end": stamps[-1], "step": STEP}
    response = get(f"{backfilled.base}/api/v1/query_range?{urllib.parse.urlencode(query)}", 30)
    assert response["status"] == "success", (expr, response)
    result: list[dict[str, Any]] = response["data"]["result"]
    return result


def _covered_steps(backfilled: Backfilled, expr: str) -> list[float]:
    """The steps at which *expr* has no value (empty when it covers the whole range)."""
    seen = {float(at) for series in _range(backfilled, expr) for at, _ in series["values"]}
    return [stamp for stamp in backfilled.stamps if stamp not in seen]


HISTORY_RULES = [r for r in rule_entries() if "record" in r and _reads_history(r["expr"])]
HISTORY_PANELS = [q for q in dashboard_queries() if _reads_history(q.expr)]


def test_the_history_covers_every_drift_panel_and_rule() -> None:
    """Only panels of the health dashboard read series that are not history."""
    left_out = {q.dashboard for q in dashboard_queries() if not _reads_history(q.expr)}
    assert left_out == {"syncd-health.json"}
    assert len(HISTORY_PANELS) >= 40
    assert len(HISTORY_RULES) >= 15


@pytest.mark.parametrize("rule", HISTORY_RULES, ids=lambda r: r["record"])
def test_recording_rule_returns_data_at_every_backfilled_step(
    backfilled: Backfilled, rule: dict[str, Any]
) -> None:
    expr = as_bool_comparisons(inlined(rule["expr"]))
    assert _covered_steps(backfilled, expr) == [], expr


@pytest.fixture(scope="module")
def variable_values(backfilled: Backfilled) -> dict[str, dict[str, str]]:
    """Every dashboard's variables, resolved against the backfilled Prometheus."""
    return variable_values_at(backfilled.base)


@pytest.mark.parametrize("query", HISTORY_PANELS, ids=lambda q: q.id)
def test_dashboard_panel_returns_data_at_every_backfilled_step(
    backfilled: Backfilled, variable_values: dict[str, dict[str, str]], query: PanelQuery
) -> None:
    expr = substituted(query.expr, {**BUILTINS, **variable_values[query.dashboard]})
    expr = as_bool_comparisons(inlined(expr))
    assert _covered_steps(backfilled, expr) == [], expr


def _shares_in_prometheus(backfilled: Backfilled, day: date) -> dict[tuple[str, ...], float]:
    found: dict[tuple[str, ...], float] = {}
    for name in ("syncd_work_share_ratio", "syncd_org_work_share_ratio"):
        query = {"query": name, "time": end_of(day).timestamp()}
        response = get(f"{backfilled.base}/api/v1/query?{urllib.parse.urlencode(query)}", 30)
        for series in response["data"]["result"]:
            labels = series["metric"]  # Prometheus drops labels whose value is empty
            key = (labels.get("team", "all"), labels["work_class"], labels.get("category", ""))
            found[(*key, labels["window"], labels["weighting"])] = float(series["value"][1])
    return found


def _shares_reported(backfilled: Backfilled, day: date) -> dict[tuple[str, ...], float]:
    report = json.loads(
        run_ok(
            syncd_command(),
            "report",
            f"--config={backfilled.config}",
            f"--as-of={day}",
            "--format=json",
        )
    )
    return {
        (team["team"], row["work_class"], row["category"], row["window"], row["weighting"]): row[
            "share"
        ]
        for team in report["teams"]
        for row in team["shares"]
        if row["share"] is not None
    }


@pytest.mark.parametrize("offset", [0, 61, 122, DAYS - 1])
def test_shares_on_a_sampled_day_equal_the_as_of_report(
    backfilled: Backfilled, offset: int
) -> None:
    day = backfilled.first + timedelta(days=offset)
    reported = _shares_reported(backfilled, day)
    stored = _shares_in_prometheus(backfilled, day)
    assert len(reported) > 20
    assert {key: stored.get(key) for key in reported} == reported
