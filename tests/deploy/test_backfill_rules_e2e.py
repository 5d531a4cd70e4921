"""End to end: the recording rules backfilled over a backfilled history (docs/deploy.md).

A week of the demo organisation is backfilled and loaded into a real Prometheus; ``promtool
tsdb create-blocks-from rules --eval-interval=5m`` evaluates the bundled recording rules
against it, twice (the second pass reads the first one's recorded series); a Prometheus
started on all the blocks must then hold every rule over backfilled series at every step,
with the values its expression gives over the raw series at that step (a filter may keep
nothing at a step; its ``bool`` form decides at every step). A week keeps
promtool's cost (one query per rule and two hours) small.
"""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from deploy_support import RULES, as_bool_comparisons, require_binary, rule_entries
from prometheus_support import backfilled_demo, get, run_ok, start_prometheus_on, stop
from test_backfill_prometheus_e2e import BACKFILLABLE

from syncd.app.as_of import end_of
from syncd.app.backfill import default_last_day

pytestmark = pytest.mark.slow

DAYS = 7
STEP = 86_400
# promtool's evaluations at a 5 min interval: one falls within this after each sample.
LOOKBACK = 300


@dataclass(frozen=True)
class RulesBackfilled:
    """A Prometheus serving the raw and the recorded backfilled blocks, and the range."""

    base: str
    first: date

    @property
    def stamps(self) -> list[float]:
        """The end of every step, in seconds."""
        return [end_of(self.first + timedelta(days=n)).timestamp() for n in range(DAYS)]


# A rule recorded at every step whatever the figures: the agreed band's lower edge.
ALWAYS_RECORDED = "syncd:org_work_share_ratio:band_min"


@pytest.fixture(scope="module")
def rules_backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RulesBackfilled]:
    """The documented recipe: raw blocks, a Prometheus on them, promtool's rule blocks."""
    promtool = require_binary("promtool")
    workdir = tmp_path_factory.mktemp("rules-backfill")
    last = default_last_day(datetime.now(UTC))
    first = last - timedelta(days=DAYS - 1)
    _, data = backfilled_demo(workdir, first)
    start = datetime.combine(first, datetime.min.time(), UTC)
    end = datetime.fromtimestamp(end_of(last).timestamp() + LOOKBACK, UTC)
    # The second pass reads the first one's recorded series: rules over recorded series.
    for rules_pass in ("first", "second"):
        process, base = start_prometheus_on(workdir, data)
        recorded = workdir / rules_pass
        try:
            run_ok(
                promtool,
                "tsdb",
                "create-blocks-from",
                "rules",
                f"--url={base}",
                f"--start={start.isoformat()}",
                f"--end={end.isoformat()}",
                "--eval-interval=5m",
                f"--output-dir={recorded}",
                str(RULES),
            )
        finally:
            stop(process)
        for block in recorded.iterdir():
            shutil.move(block, data / block.name)
    process, base = start_prometheus_on(workdir, data)
    try:
        yield RulesBackfilled(base, first)
    finally:
        stop(process)


def _values(backfilled: RulesBackfilled, expr: str, shift: float) -> dict[tuple[Any, ...], str]:
    """*expr* at every step's end plus *shift*, keyed by step and labels but the name."""
    stamps = backfilled.stamps
    query = {"query": expr, "start": stamps[0] + shift, "end": stamps[-1] + shift, "step": STEP}
    response = get(f"{backfilled.base}/api/v1/query_range?{urllib.parse.urlencode(query)}", 30)
    assert response["status"] == "success", (expr, response)
    return {
        (
            float(at) - shift,
            *sorted((k, v) for k, v in series["metric"].items() if k != "__name__"),
        ): value
        for series in response["data"]["result"]
        for at, value in series["values"]
    }


HISTORY_RULES = [
    rule for rule in rule_entries() if "record" in rule and rule["record"] in BACKFILLABLE
]


def test_the_recipe_covers_the_share_rules() -> None:
    names = {rule["record"] for rule in HISTORY_RULES}
    assert "syncd:work_share_ratio:technology_per_product" in names
    assert "syncd:work_share_ratio:below_band_min" in names
    assert len(names) >= 10


@pytest.fixture(scope="module")
def evaluation_shift(rules_backfilled: RulesBackfilled) -> float:
    """How long after each step's end promtool evaluated the rules (the same for all)."""
    recorded_at = _values(rules_backfilled, f"timestamp({ALWAYS_RECORDED})", LOOKBACK)
    assert {key[0] for key in recorded_at} == set(rules_backfilled.stamps)
    shifts = {float(at) - key[0] for key, at in recorded_at.items()}
    assert len(shifts) == 1, shifts
    (shift,) = shifts
    assert 0 <= shift < LOOKBACK
    return shift


@pytest.mark.parametrize("rule", HISTORY_RULES, ids=lambda r: r["record"])
def test_recorded_series_equal_their_expression_at_every_step(
    rules_backfilled: RulesBackfilled, evaluation_shift: float, rule: dict[str, Any]
) -> None:
    """At every step, the recorded series are those the expression gives at the instant
    promtool evaluated it (``time()`` included), recorded then. A filter (``share < band``)
    may keep nothing at a step; its ``bool`` form must still decide at every step, so an
    input missing from the history cannot pass for a share within its band."""
    stamps = rules_backfilled.stamps
    recorded_at = _values(rules_backfilled, f"timestamp({rule['record']})", LOOKBACK)
    assert {float(at) - key[0] for key, at in recorded_at.items()} <= {evaluation_shift}
    expected = _values(rules_backfilled, rule["expr"], evaluation_shift)
    assert _values(rules_backfilled, rule["record"], evaluation_shift) == expected
    assert {key[0] for key in recorded_at} == {key[0] for key in expected}
    decided = _values(rules_backfilled, as_bool_comparisons(rule["expr"]), evaluation_shift)
    assert {key[0] for key in decided} == set(stamps), rule["expr"]
