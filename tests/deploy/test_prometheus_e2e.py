"""End to end: a real Prometheus loads the rule file, scrapes ``syncd demo`` over loopback,
and every rule and every dashboard panel query is evaluated against what it scraped.

"Returns data" is checked on each expression's ``bool`` form (deploy_support.
as_bool_comparisons): a filter such as ``share < band`` is rightly empty when no team is out
of its band, but its ``bool`` form is empty only when an input series is missing or a join
matches nothing, which is the fault this test exists to find.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from deploy_support import (
    RULES,
    PanelQuery,
    as_bool_comparisons,
    dashboard_queries,
    require_binary,
    rule_entries,
)
from prometheus_support import (
    free_port,
    get,
    stop,
    substituted,
    syncd_command,
    variable_values_at,
    wait_for,
)

pytestmark = pytest.mark.slow

# Grafana's interval variables, sized for a 1 s scrape and a few seconds of history.
BUILTINS = {"$__rate_interval": "5s", "$__interval": "1s", "$__range": "30s"}
_STARTUP_SECONDS = 60.0


@pytest.fixture(scope="module")
def scrape_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a ``syncd demo`` serving /metrics, ready (its /readyz answers 200).

    ``SYNCD_E2E_TARGET=host:port`` scrapes an already running syncd instead.
    """
    given = os.environ.get("SYNCD_E2E_TARGET")
    if given:
        yield given
        return
    probe = subprocess.run(  # noqa: S603 - fixed arguments
        [syncd_command(), "demo", "--help"], capture_output=True, timeout=60, check=False
    )
    if probe.returncode != 0:
        pytest.skip("`syncd demo` is not available yet (`syncd demo --help` fails)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("syncd-demo")
    with (workdir / "demo.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                syncd_command(),
                "demo",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workdir",
                str(workdir),
            ],
            cwd=workdir,
            stdout=log,
            stderr=log,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", process, "syncd demo")
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="module")
def prometheus(scrape_target: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real Prometheus scraping *scrape_target* every second, with the
    rule file loaded and evaluated every second, after its first rule evaluation."""
    binary = require_binary("prometheus")
    workdir = tmp_path_factory.mktemp("prometheus")
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [{"job_name": "syncd", "static_configs": [{"targets": [scrape_target]}]}],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    with (workdir / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                binary,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/-/ready", process, "prometheus")
        _wait_until_scraped(base)
        yield base
    finally:
        stop(process)


def _wait_until_scraped(base: str) -> None:
    """Until the target has been up for a few scrapes and every rule has been evaluated."""
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        scrapes = _query(base, 'sum_over_time(up{job="syncd"}[10s])')
        rules = _rules(base)
        if (
            scrapes
            and float(scrapes[0]["value"][1]) >= 6
            and all(not r["lastEvaluation"].startswith("0001") for r in rules)
        ):
            return
        time.sleep(1)
    pytest.fail("Prometheus did not scrape syncd demo and evaluate the rules in time")


def _query(base: str, expr: str) -> list[dict[str, Any]]:
    response = get(f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")
    assert response["status"] == "success", (expr, response)
    result: list[dict[str, Any]] = response["data"]["result"]
    return result


def _rules(base: str) -> list[dict[str, Any]]:
    groups = get(f"{base}/api/v1/rules")["data"]["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _eventually_data(base: str, expr: str) -> list[dict[str, Any]]:
    """The samples *expr* returns, retried briefly: a recorded series may lag one cycle."""
    for _ in range(5):
        result = _query(base, expr)
        if result:
            return result
        time.sleep(1)
    return []


def test_prometheus_loads_every_rule_and_reports_it_healthy(prometheus: str) -> None:
    loaded = {rule["name"]: rule for rule in _rules(prometheus)}
    expected = {rule.get("record") or rule["alert"] for rule in rule_entries()}
    assert set(loaded) == expected
    unhealthy = {name: r.get("lastError") for name, r in loaded.items() if r["health"] != "ok"}
    assert unhealthy == {}


@pytest.mark.parametrize("rule", rule_entries(), ids=lambda r: r.get("record") or r["alert"])
def test_rule_expression_returns_data(prometheus: str, rule: dict[str, Any]) -> None:
    expr = as_bool_comparisons(rule["expr"])
    assert _eventually_data(prometheus, expr), f"no data for {expr}"


@pytest.fixture(scope="module")
def variable_values(prometheus: str) -> dict[str, dict[str, str]]:
    """Every dashboard's variables, resolved against the running Prometheus."""
    return variable_values_at(prometheus)


@pytest.mark.parametrize("query", dashboard_queries(), ids=lambda q: q.id)
def test_dashboard_panel_query_returns_data(
    prometheus: str, variable_values: dict[str, dict[str, str]], query: PanelQuery
) -> None:
    expr = substituted(query.expr, {**BUILTINS, **variable_values[query.dashboard]})
    assert _eventually_data(prometheus, as_bool_comparisons(expr)), f"no data for {expr}"
