"""The drill-down adds up: its issues' weights equal `syncd report`'s figures."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from .web_support import WebRig

_DASHBOARDS = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards"
_FIGURE = ("team", "window", "work_class", "category", "weighting")


def _report(rig: WebRig) -> dict[str, Any]:
    assert rig.config.path is not None
    result = subprocess.run(  # noqa: S603 - our own CLI, on a path this test wrote
        [
            sys.executable,
            "-m",
            "syncd",
            "report",
            "--format",
            "json",
            "--config",
            str(rig.config.path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_every_drilldown_total_equals_the_reports_completed_figure(demo_web: WebRig) -> None:
    """For every team, window, subject and weighting `syncd report` lists, the drill-down's
    listed weights add up to the report's completed amount (the share's numerator), and the
    drill-down states that same figure at its top; so do the unclassified issues behind
    each coverage figure."""
    report = _report(demo_web)
    expected: dict[tuple[str, ...], float] = {}
    found: dict[tuple[str, ...], tuple[float, float]] = {}
    for team in report["teams"]:
        for row in team["shares"]:
            figure = (
                team["team"],
                row["window"],
                row["work_class"],
                row["category"],
                row["weighting"],
            )
            expected[figure] = row["completed"]
            page = demo_web.get(
                "/api/v1/drilldown",
                **dict(zip(_FIGURE, figure, strict=True)),
            ).json()
            found[figure] = (page["listed_total"], page["snapshot_completed"])
        for coverage in team["coverage"]:
            figure = (team["team"], coverage["window"], "unclassified", "", "issues")
            expected[figure] = coverage["unclassified"]
            page = demo_web.get("/api/v1/drilldown", **dict(zip(_FIGURE, figure, strict=True)))
            found[figure] = (page.json()["listed_total"], page.json()["snapshot_completed"])
    assert any(amount > 0 for figure, amount in expected.items() if figure[2] == "unclassified")
    assert len(expected) > 100
    assert {"capacity", "issues", "story_points", "time_spent"} == {f[4] for f in expected}
    assert {f: listed for f, (listed, _) in found.items()} == pytest.approx(expected, abs=1e-9)
    assert {f: stated for f, (_, stated) in found.items()} == pytest.approx(expected, abs=1e-9)


def test_the_pages_of_a_figure_list_each_issue_once_and_add_up(demo_web: WebRig) -> None:
    """Paging through the organisation's product issues by key lists every issue once, in
    key order, and their weights add up to the total at the top."""
    query = {"team": "all", "window": "90d", "work_class": "product", "weighting": "issues"}
    first = demo_web.get("/api/v1/drilldown", sort="key", order="asc", **query).json()
    keys: list[str] = []
    weights = 0.0
    for page in range(1, first["pages"] + 1):
        body = demo_web.get(
            "/api/v1/drilldown", sort="key", order="asc", page=str(page), **query
        ).json()
        keys += [issue["key"] for issue in body["issues"]]
        weights += sum(issue["weight"] for issue in body["issues"])
    assert first["pages"] > 1
    assert len(keys) == len(set(keys)) == first["count"]
    assert keys == sorted(keys, key=lambda key: (key.split("-")[0], int(key.split("-")[1])))
    assert weights == pytest.approx(first["listed_total"])


_LINK_LABEL = re.compile(r"\$\{__field\.labels\.(\w+):percentencode\}")


def _filled(template: str, labels: dict[str, Any], base: str) -> str:
    """*template* as Grafana fills it for a series with *labels*, aimed at the JSON twin."""
    url = _LINK_LABEL.sub(lambda found: quote(str(labels[found.group(1)])), template)
    return url.replace("${syncd_url}", base).replace("/drilldown?", "/api/v1/drilldown?")


def test_a_grafana_data_link_opens_the_drilldown_of_the_series_clicked(demo_web: WebRig) -> None:
    """The team dashboard's technology-share link, filled with one series' labels as Grafana
    fills them (an absent label is empty), opens the drill-down of that very figure."""
    team_dashboard = json.loads((_DASHBOARDS / "syncd-team.json").read_text(encoding="utf-8"))
    (share_panel,) = [p for p in team_dashboard["panels"] if p["title"] == "Technology share"]
    (link,) = share_panel["fieldConfig"]["defaults"]["links"]
    report = _report(demo_web)
    for team in report["teams"]:
        row = next(r for r in team["shares"] if r["work_class"] == "technology")
        labels = {**row, "team": "" if team["team"] == "all" else team["team"]}
        url = _filled(link["url"], labels, demo_web.url)
        page = requests.get(url, headers={"Authorization": f"Bearer {demo_web.token}"}, timeout=30)
        assert page.json()["snapshot_completed"] == pytest.approx(row["completed"]), url
        assert page.json()["listed_total"] == pytest.approx(row["completed"]), url
