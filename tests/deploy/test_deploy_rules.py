"""The Prometheus rules: promtool accepts them, their unit tests pass, they name only
catalogued series, and the PrometheusRule manifest carries exactly the same groups."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml
from deploy_support import (
    DEPLOY,
    ROOT,
    RULE_TESTS,
    RULES,
    TARGET_LABELS,
    catalogue,
    closed_label_values,
    grouping_labels,
    recorded_names,
    require_binary,
    rule_entries,
    selectors,
)

# The alerts the deployment promises (docs/deploy.md lists what each means): those about
# syncd itself, and those about what the data says.
HEALTH_ALERTS = {
    "SyncdDown",
    "SyncdSyncStale",
    "SyncdRoadmapExportStale",
    "SyncdSnapshotStale",
    "SyncdNoWriter",
    "SyncdMappingFilesInvalid",
    "SyncdSyncFailing",
}
REQUIRED_ALERTS = HEALTH_ALERTS | {
    "SyncdWorkShareBelowBand",
    "SyncdOrganisationWorkShareBelowBand",
    "SyncdUnclassifiedWorkHigh",
    "SyncdKeyResultBehind",
    "SyncdIntegrityProblems",
}
RUNBOOK = ROOT / "docs" / "runbook.md"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [require_binary("promtool"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=RULE_TESTS.parent,
    )


def test_promtool_check_rules_accepts_the_rule_file() -> None:
    result = _promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rule_unit_tests_pass() -> None:
    """Firing, not firing, no flapping and stale suppression, per deploy/prometheus/tests."""
    result = _promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_promised_alert_exists_and_has_a_unit_test() -> None:
    alerts = {rule["alert"] for rule in rule_entries() if "alert" in rule}
    tested = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    }
    assert alerts >= REQUIRED_ALERTS
    assert alerts <= tested


def test_alerts_wait_before_firing_and_say_what_and_how_bad() -> None:
    for rule in (r for r in rule_entries() if "alert" in r):
        assert rule.get("for"), rule["alert"]
        assert rule["labels"]["severity"] in {"page", "ticket", "info"}, rule["alert"]
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["description"]


def test_data_alerts_are_silent_while_the_data_is_stale() -> None:
    """Every alert about what the data says is gated on the freshness of that data: every
    Jira source, every roadmap export and the snapshot itself."""
    for rule in (r for r in rule_entries() if r.get("alert") not in HEALTH_ALERTS | {None}):
        assert "and on () (syncd:data_age_seconds:max < 1800)" in rule["expr"], rule
    (gate,) = [r for r in rule_entries() if r.get("record") == "syncd:data_age_seconds:max"]
    for age in (
        "syncd:last_success_age_seconds",
        "syncd:roadmap_last_success_age_seconds",
        "syncd:snapshot_age_seconds",
    ):
        assert age in gate["expr"], age


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors of the headings of *markdown*."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_every_alert_links_its_runbook_section() -> None:
    """Each alert's runbook_url points into docs/runbook.md at a section that exists, and
    every alert shares one base, so a deployment moves them all with one edit."""
    anchors = _anchors(RUNBOOK.read_text(encoding="utf-8"))
    bases = set()
    for rule in (r for r in rule_entries() if "alert" in r):
        url = rule["annotations"]["runbook_url"]
        base, _, anchor = url.partition("#")
        assert base.endswith("/docs/runbook.md"), url
        assert anchor == rule["alert"].lower(), url
        assert anchor in anchors, url
        bases.add(base)
    assert len(bases) == 1


def test_alerts_about_data_aggregate_the_replicas_away() -> None:
    """No alert keeps the instance or pod label: two replicas serving the same snapshot
    raise one alert (the two-replica promtool case shows it firing once)."""
    for rule in rule_entries():
        # A set operation (`and on (...)`) tolerates one series per replica on its right.
        joined = re.sub(r"and on \([^)]*\) syncd_\w+", "", rule["expr"])
        if re.search(r"\bsyncd_\w+", joined):
            assert "without (instance, pod" in joined or "instance, pod)" in joined, rule


def test_recording_rules_follow_the_level_metric_operation_convention() -> None:
    for name in recorded_names():
        assert re.fullmatch(r"syncd:[a-z_]+(:[a-z0-9_]+)?", name), name


def test_rules_name_only_catalogued_series_labels_and_label_values() -> None:
    known = catalogue()
    recorded = recorded_names()
    closed = closed_label_values()
    for rule in rule_entries():
        found = selectors(rule["expr"])
        labels = set(TARGET_LABELS)
        for selector in found:
            assert selector.name in known or selector.name in recorded | {"up"}, selector
            if selector.name in known:
                labels |= known[selector.name]
                for label, op, value in selector.matchers:
                    assert label in known[selector.name] | TARGET_LABELS, (rule, label)
                    if op == "=" and label in closed and value:
                        assert value in closed[label], (rule, label, value)
            else:
                labels |= {label for label, _, _ in selector.matchers}
        assert grouping_labels(rule["expr"]) <= labels | _all_labels(known), rule


def _all_labels(known: dict[str, frozenset[str]]) -> set[str]:
    return {label for labels in known.values() for label in labels}


def test_prometheusrule_manifest_embeds_exactly_the_rule_file() -> None:
    manifest = yaml.safe_load((DEPLOY / "kubernetes/base/prometheusrule.yaml").read_text())
    assert manifest["kind"] == "PrometheusRule"
    assert manifest["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]


def test_derived_deploy_files_are_current() -> None:
    """PrometheusRule, ConfigMap mapping files and dashboard JSON match their sources."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(DEPLOY / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('a{x="<"} < b', 'a{x="<"} < bool b'),
        ("a > bool 1 and on () (b <= 2)", "a > bool 1 and on () (b <= bool 2)"),
        ('up{job!="x"} == 0', 'up{job!="x"} == bool 0'),
    ],
)
def test_bool_form_turns_only_filtering_comparisons_into_bool(expr: str, expected: str) -> None:
    from deploy_support import as_bool_comparisons

    assert as_bool_comparisons(expr) == expected
