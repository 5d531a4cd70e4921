"""The Grafana dashboards and their provisioning: valid, complete, and reading only series
the metric catalogue (or the rule file) defines."""

from __future__ import annotations

import re

import yaml
from deploy_support import (
    DEPLOY,
    TARGET_LABELS,
    catalogue,
    closed_label_values,
    dashboard_queries,
    dashboards,
    grouping_labels,
    panels,
    recorded_names,
    selectors,
)

from syncd.analytics.settings import AnalyticsConfig

GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__range", "__range_s", "__interval_ms"}
_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")


def _variables(document: dict) -> dict[str, dict]:
    return {variable["name"]: variable for variable in document["templating"]["list"]}


def test_the_four_dashboards_exist_with_unique_uids() -> None:
    documents = dashboards()
    assert {d["uid"] for d in documents.values()} == {
        "syncd-overview",
        "syncd-team",
        "syncd-key-results",
        "syncd-health",
    }


def test_every_panel_has_a_query_and_unique_id() -> None:
    for name, document in dashboards().items():
        ids = [panel["id"] for panel in panels(document)]
        assert len(ids) == len(set(ids)), name
        for panel in panels(document):
            if panel["type"] == "row":
                continue
            exprs = [target.get("expr", "").strip() for target in panel.get("targets", [])]
            assert exprs, (name, panel["title"])
            assert all(exprs), (name, panel["title"])


def test_every_dashboard_offers_team_window_and_weighting() -> None:
    for name, document in dashboards().items():
        assert {"datasource", "team", "window", "weighting"} <= set(_variables(document)), name


def test_every_dashboard_opens_on_the_capacity_weighting() -> None:
    """Capacity (where people's time went) is what the agreement is about: the dashboards
    show it until the reader picks another weighting, and it is one the service computes
    by default."""
    assert "capacity" in AnalyticsConfig().weightings
    for name, document in dashboards().items():
        assert _variables(document)["weighting"]["current"]["value"] == "capacity", name


def test_every_variable_used_is_defined() -> None:
    for name, document in dashboards().items():
        defined = set(_variables(document)) | GRAFANA_BUILTINS
        text = " ".join(
            [target["expr"] for panel in panels(document) for target in panel["targets"]]
            + [str(panel["datasource"]) for panel in panels(document)]
        )
        used = {a or b for a, b in _VARIABLE.findall(text)}
        assert used <= defined, (name, used - defined)


def test_variable_queries_read_catalogued_labels() -> None:
    known = catalogue()
    for document in dashboards().values():
        for variable in _variables(document).values():
            if variable["type"] != "query":
                continue
            metric, label = re.fullmatch(
                r"label_values\((\w+), (\w+)\)", variable["query"]["query"]
            ).groups()
            assert label == variable["name"], variable
            assert label in known[metric], variable


def test_panel_queries_name_only_catalogued_series_labels_and_values() -> None:
    known = catalogue()
    recorded = recorded_names()
    closed = closed_label_values()
    everything = {label for labels in known.values() for label in labels} | TARGET_LABELS
    for query in dashboard_queries():
        for selector in selectors(query.expr):
            assert selector.name in known or selector.name in recorded | {"up"}, query.id
            allowed = known.get(selector.name, everything) | TARGET_LABELS
            for label, op, value in selector.matchers:
                assert label in allowed, (query.id, label)
                if op == "=" and label in closed and value and "$" not in value:
                    assert value in closed[label], (query.id, label, value)
        assert grouping_labels(query.expr) <= everything, query.id


def test_provisioning_examples_point_grafana_at_the_dashboards_and_prometheus() -> None:
    provisioning = DEPLOY / "grafana" / "provisioning"
    providers = yaml.safe_load((provisioning / "dashboards" / "syncd.yaml").read_text())
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"]
    sources = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())
    assert [s["type"] for s in sources["datasources"]] == ["prometheus"]
    for document in dashboards().values():
        assert _variables(document)["datasource"]["query"] == "prometheus"


_DRILLED = re.compile(
    r"\bsyncd_(?:org_)?(?:work_share_(?:drift_)?|classification_coverage_)ratio\{"
)


def test_every_share_drift_and_coverage_panel_links_to_the_drilldown() -> None:
    """Each panel showing a share, drift or coverage series opens syncd's drill-down of the
    series clicked, at the dashboard's ``syncd_url``, with that series' labels."""
    linked = 0
    for name, document in dashboards().items():
        assert "syncd_url" in _variables(document), name
        for panel in panels(document):
            exprs = " ".join(target["expr"] for target in panel["targets"])
            links = panel["fieldConfig"]["defaults"].get("links", [])
            if not _DRILLED.search(exprs):
                assert links == [], (name, panel["title"])
                continue
            (link,) = links
            assert link["url"].startswith("${syncd_url}/drilldown?"), (name, panel["title"])
            assert "window=${__field.labels.window:percentencode}" in link["url"]
            linked += 1
    assert linked >= 10
