"""Roadmap exports for the demo organisation: a Productboard-style and an Aha!-style CSV.

``write_roadmap_exports(org, folder)`` writes both files, deterministic for the organisation
(docs/demo-organisation.md): the product-heavy teams (checkout, growth, mobile) plan in
Productboard, platform and data in Aha!. About 85% of epics have a roadmap feature; each file
also holds a few features with no Jira link (discovery work) and a few that link to keys no
issue has (an epic deleted or mistyped in the roadmap tool), so the integrity checks have
real findings. A feature names its epic's ``kr:`` key result, or, for some epics without one,
a key result of its team's objective for the epic's quarter.

The files are what the tools' exports look like, down to their quirks: the Productboard file
is UTF-8 with a byte-order mark and links some epics with ``=HYPERLINK(...)`` formula cells;
the Aha! file carries both the Jira key and the Jira URL integration columns.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from connectors.jira.emulator.org import Organisation, key_result_of
from connectors.jira.emulator.records import IssueRecord, KeyResultRecord, from_ms

__all__ = ["PRODUCTBOARD_TEAMS", "RoadmapExports", "write_roadmap_exports"]

PRODUCTBOARD_TEAMS = frozenset({"checkout", "growth", "mobile"})
_COVERAGE = 0.85
_UNLINKED_PER_FILE = 3
_UNKNOWN_PER_FILE = 2
_TECH_LABELS = frozenset(
    {"tech-debt", "refactor", "upgrade", "security", "ktlo", "incident", "performance"}
)
_PRODUCTBOARD_HEADER = (
    "Feature ID", "Feature name", "Feature type", "Parent feature ID", "Status",
    "Timeframe start", "Timeframe end", "Team", "Jira issue key", "Objectives",
    "Key results", "Investment",
)  # fmt: skip
_AHA_HEADER = (
    "Feature reference #", "Feature name", "Feature status", "Feature start date",
    "Feature due date", "Feature team", "Goals", "Key result", "Feature category",
    "Feature Jira key", "Feature Jira URL",
)  # fmt: skip
_PRODUCTBOARD_STATUS = {"To Do": "Planned", "Backlog": "Candidate", "Done": "Released"}
_AHA_STATUS = {"To Do": "Ready to develop", "Backlog": "Under consideration", "Done": "Shipped"}


@dataclass(frozen=True, slots=True)
class RoadmapExports:
    """The two files written for the demo organisation."""

    productboard: Path
    aha: Path


@dataclass(frozen=True, slots=True)
class _Feature:
    team: str
    title: str
    status: str
    start: str
    end: str
    jira_key: str | None
    objective: str | None
    key_result: str | None
    technology: bool


def write_roadmap_exports(
    org: Organisation, folder: Path, jira_url: str = "https://acme-retail.atlassian.net"
) -> RoadmapExports:
    """Write ``productboard-features.csv`` and ``aha-features.csv`` for *org* into *folder*."""
    rng = random.Random(f"roadmap-{org.seed}")
    features = list(_features(org, rng))
    folder.mkdir(parents=True, exist_ok=True)
    exports = RoadmapExports(folder / "productboard-features.csv", folder / "aha-features.csv")
    pb = [f for f in features if f.team in PRODUCTBOARD_TEAMS]
    aha = [f for f in features if f.team not in PRODUCTBOARD_TEAMS]
    _write(exports.productboard, "utf-8-sig", _PRODUCTBOARD_HEADER,
           [_productboard_row(n, f, jira_url, rng) for n, f in enumerate(pb, 1)])  # fmt: skip
    _write(exports.aha, "utf-8", _AHA_HEADER,
           [_aha_row(n, f, jira_url) for n, f in enumerate(aha, 1)])  # fmt: skip
    return exports


def _features(org: Organisation, rng: random.Random) -> Iterator[_Feature]:
    highest: dict[str, int] = {}
    for issue in org.issues:
        highest[issue.project] = max(highest.get(issue.project, 0), issue.number)
    for epic in org.epics:
        if rng.random() < _COVERAGE:
            yield _epic_feature(org, epic, rng)
    for project in org.projects:
        team = project.team
        for n in range(_UNLINKED_PER_FILE if team in ("checkout", "platform") else 1):
            yield _loose_feature(org, team, f"Discovery: {project.name} idea {n + 1}", None)
        if team in ("growth", "data"):
            for n in range(_UNKNOWN_PER_FILE):
                missing = f"{project.key}-{highest.get(project.key, 0) + 1000 + n}"
                yield _loose_feature(org, team, f"{project.name} follow-up {n + 1}", missing)


def _epic_feature(org: Organisation, epic: IssueRecord, rng: random.Random) -> _Feature:
    team = epic.team or org.project(epic.project).team
    key_result = key_result_of(epic)
    if key_result is None and rng.random() < 0.5:
        key_result = _team_key_result(org, team, epic.created_ms, rng)
    created = from_ms(epic.created_ms)
    quarter_end = next((q.end for q in org.quarters if q.start <= created < q.end), org.now)
    return _Feature(
        team=team,
        title=epic.summary,
        status=epic.status,
        start=created.date().isoformat(),
        end=max(created, quarter_end).date().isoformat(),
        jira_key=epic.key,
        objective=_objective_of(org, key_result),
        key_result=key_result,
        technology=bool(_TECH_LABELS.intersection(epic.labels)),
    )


def _loose_feature(org: Organisation, team: str, title: str, jira_key: str | None) -> _Feature:
    quarter = org.quarters[-1]
    return _Feature(
        team, title, "Backlog", quarter.start.date().isoformat(),
        quarter.end.date().isoformat(), jira_key, None, None, False,
    )  # fmt: skip


def _team_key_result(
    org: Organisation, team: str, created_ms: int, rng: random.Random
) -> str | None:
    created = from_ms(created_ms)
    quarter = next((q.name for q in org.quarters if q.start <= created < q.end), None)
    choices: list[KeyResultRecord] = [
        kr for kr in org.key_results if kr.team == team and kr.quarter == quarter
    ]
    return rng.choice(choices).id if choices else None


def _objective_of(org: Organisation, key_result: str | None) -> str | None:
    if key_result is None:
        return None
    return next((o.id for o in org.objectives if key_result in o.key_results), None)


def _productboard_row(
    number: int, feature: _Feature, jira_url: str, rng: random.Random
) -> list[str]:
    link = feature.jira_key or ""
    if link and rng.random() < 0.1:  # a spreadsheet-edited cell: kept as text, never evaluated
        link = f'=HYPERLINK("{jira_url}/browse/{link}","{link}")'
    return [
        f"pb-{number:05d}", feature.title, "feature", "",
        _PRODUCTBOARD_STATUS.get(feature.status, feature.status), feature.start, feature.end,
        feature.team, link, feature.objective or "", feature.key_result or "",
        "Tech debt" if feature.technology else "Customer value",
    ]  # fmt: skip


def _aha_row(number: int, feature: _Feature, jira_url: str) -> list[str]:
    key = feature.jira_key or ""
    return [
        f"ACMERM-{number}", feature.title, _AHA_STATUS.get(feature.status, feature.status),
        feature.start, feature.end, feature.team, feature.objective or "",
        feature.key_result or "", "Platform" if feature.technology else "New feature",
        key, f"{jira_url}/browse/{key}" if key else "",
    ]  # fmt: skip


def _write(path: Path, encoding: str, header: tuple[str, ...], rows: list[list[str]]) -> None:
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    partial.replace(path)  # a watched folder never sees a half-written export
