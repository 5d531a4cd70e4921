"""Shared knowledge for the deploy/ tests: paths, the metric catalogue, PromQL inspection.

The catalogue (docs/metrics.md) is the contract between the service and everything in
deploy/: rules and dashboards may name only its series (and those the rule file records).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

__all__ = [
    "DASHBOARDS",
    "DEPLOY",
    "ROOT",
    "RULES",
    "RULE_TESTS",
    "TARGET_LABELS",
    "PanelQuery",
    "Selector",
    "as_bool_comparisons",
    "catalogue",
    "closed_label_values",
    "dashboard_queries",
    "dashboards",
    "grouping_labels",
    "panels",
    "recorded_names",
    "require_binary",
    "rule_entries",
    "selectors",
]

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "rules" / "syncd.rules.yaml"
RULE_TESTS = DEPLOY / "prometheus" / "tests" / "syncd.rules.test.yaml"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
# Labels Prometheus adds to every scraped series (the Prometheus Operator adds the pod's
# name too, which is how two replicas differ), and the one series it makes itself.
TARGET_LABELS = frozenset({"job", "instance", "pod"})
PROMETHEUS_SERIES = {"up": frozenset(TARGET_LABELS)}


def require_binary(name: str, package: str = "prometheus") -> str:
    """The path of *name* (from the Debian *package*); skip when it is missing, but fail
    when ``CI=true``."""
    path = shutil.which(name)
    if path is not None:
        return path
    reason = f"{name} is not installed (Debian package {package!r}: apt-get install {package})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must have it")
    pytest.skip(reason)


def catalogue() -> dict[str, frozenset[str]]:
    """Every series in docs/metrics.md (syncd's and the runtime's), with its labels."""
    rows = re.findall(
        r"^\| `((?:syncd|process|python)_\w+)` \| \w+ \| ([^|]*) \|",
        (ROOT / "docs" / "metrics.md").read_text(),
        re.M,
    )
    return {
        name: frozenset(label.strip() for label in labels.split(",") if label.strip() != "—")
        for name, labels in rows
    }


# Labels whose values docs/metrics.md lists exhaustively (the others are configured sets).
_CLOSED_LABELS = ("work_class", "weighting", "bound", "outcome", "status_class", "kind")


def closed_label_values() -> dict[str, frozenset[str]]:
    """The closed label value sets of docs/metrics.md's "Label values" table."""
    text = (ROOT / "docs" / "metrics.md").read_text()
    values = {}
    for label, cell in re.findall(r"^\| `(\w+)`[^|]*\| ([^|]*) \|$", text, re.M):
        if label in _CLOSED_LABELS:
            values[label] = frozenset(re.findall(r"`([^`]*)`", cell))
    values["status_class"] = frozenset(re.findall(r"`(2xx|4xx|429|5xx|error)`", text))
    return values


def rule_entries() -> list[dict[str, Any]]:
    """Every rule of the rule file, recording and alerting, in file order."""
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def recorded_names() -> set[str]:
    """The series the rule file records."""
    return {rule["record"] for rule in rule_entries() if "record" in rule}


@dataclass(frozen=True, slots=True)
class Selector:
    """One vector selector in a PromQL expression: a series name and its label matchers."""

    name: str
    matchers: tuple[tuple[str, str, str], ...]


_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
_RANGE = re.compile(r"\[[^\]]*\]")
_SELECTOR = re.compile(r"(?<![\w:$])([A-Za-z_:][\w:]*)(?![\w:])\s*(\{[^{}]*\})?(?!\s*\()")
_MATCHER = re.compile(r'\s*(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"}
    | {"group_left", "group_right", "inf", "nan"}
)


def selectors(expr: str) -> list[Selector]:
    """The vector selectors of *expr*; raises ``ValueError`` on a matcher it cannot read.

    String arguments outside braces (``label_replace``'s label names and values) are not
    selectors, so they are blanked first."""
    parts = re.split(r"(\{[^{}]*\})", _GROUPING.sub(" ", _RANGE.sub(" ", expr)))
    text = "".join(
        part if index % 2 else re.sub(r'"(?:[^"\\]|\\.)*"', '""', part)
        for index, part in enumerate(parts)
    )
    found = []
    for match in _SELECTOR.finditer(text):
        name, braces = match.group(1), match.group(2) or "{}"
        if name.lower() in _KEYWORDS:
            continue
        inner = braces[1:-1]
        matchers = tuple(m.groups() for m in _MATCHER.finditer(inner))
        if _MATCHER.sub("", inner).strip():
            raise ValueError(f"cannot read the matchers {braces!r} in {expr!r}")
        found.append(Selector(name, matchers))
    return found


def grouping_labels(expr: str) -> set[str]:
    """Label names in ``by``/``without``/``on``/``ignoring``/``group_*`` clauses."""
    return {
        label.strip()
        for labels in _GROUPING.findall(expr)
        for label in labels.split(",")
        if label.strip()
    }


_COMPARISON = re.compile(r"(==|!=|>=|<=|>|<)(?!\s*bool\b)")


def as_bool_comparisons(expr: str) -> str:
    """*expr* with every filtering comparison turned into a ``bool`` one.

    A filter (``share < band``) returns nothing when no series crosses it, which is fine
    for an alert but proves nothing about its inputs; the ``bool`` form returns 0 or 1 for
    every pair the expression actually joins, so it is empty only when an input is missing
    or a join matches nothing. Matchers inside braces and strings are left alone.
    """
    parts = re.split(r'(\{[^{}]*\}|"(?:[^"\\]|\\.)*")', expr)
    return "".join(
        part if index % 2 else _COMPARISON.sub(r"\1 bool", part) for index, part in enumerate(parts)
    )


@dataclass(frozen=True, slots=True)
class PanelQuery:
    """One query of one dashboard panel."""

    dashboard: str
    panel: str
    ref: str
    expr: str

    @property
    def id(self) -> str:
        """A readable test id."""
        return f"{self.dashboard}:{self.panel}:{self.ref}"


def dashboards() -> dict[str, dict[str, Any]]:
    """Every dashboard JSON document by file name."""
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def panels(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those nested in rows."""
    for panel in document.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def dashboard_queries() -> list[PanelQuery]:
    """Every panel query of every dashboard."""
    return [
        PanelQuery(name, panel["title"], target["refId"], target["expr"])
        for name, document in dashboards().items()
        for panel in panels(document)
        for target in panel.get("targets", [])
    ]
