"""The demo organisation (Acme Retail, docs/demo-organisation.md), generated from a seed.

``generate_organisation(issues, seed, now, people)`` is deterministic for its arguments and
builds 200,000 issues in a few seconds: one pass over creation times sorted up front, with
per-project memory of recent epics and parents so hierarchy links always point backwards,
then one pass that gives every issue its assignee and history (``historygen``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.jira.emulator.history import HistoryEntry
from connectors.jira.emulator.historygen import generate_histories
from connectors.jira.emulator.issuegen import IssueFactory, sprint_calendar
from connectors.jira.emulator.people import Person, default_people, people_for
from connectors.jira.emulator.records import (
    Component,
    IssueRecord,
    KeyResultRecord,
    ObjectiveRecord,
    Project,
    Quarter,
    Sprint,
    Team,
    to_ms,
)

__all__ = ["PROJECT_LAYOUT", "Organisation", "generate_organisation", "key_result_of"]

# team, project key, project name, kind, components, share of issues
PROJECT_LAYOUT: tuple[tuple[str, str, str, str, tuple[str, ...], float], ...] = (
    ("checkout", "SHOP", "Checkout", "product", ("Cart", "Payments", "Promotions"), 0.24),
    ("growth", "GROW", "Growth", "product", ("Onboarding", "Notifications", "Experiments"), 0.18),
    ("mobile", "MOB", "Mobile", "mixed", ("iOS", "Android", "Release"), 0.20),
    (
        "platform",
        "PLAT",
        "Platform",
        "technology",
        ("Build", "Kubernetes", "Observability", "Auth"),
        0.22,
    ),
    ("data", "DATA", "Data", "mixed", ("Pipelines", "Warehouse", "ML"), 0.16),
)

_OBJECTIVE_THEMES = {
    "checkout": (
        "Make paying effortless",
        (
            "Raise checkout conversion to 4%",
            "Halve payment failures",
            "Grow the average basket by 10%",
        ),
    ),
    "growth": (
        "Bring more shoppers back",
        (
            "Lift week-one activation to 45%",
            "Raise 90-day retention to 30%",
            "Double notification opt-ins",
        ),
    ),
    "mobile": (
        "Ship a mobile app people love",
        (
            "Reach 99.8% crash-free sessions",
            "Raise the store rating to 4.6",
            "Release every two weeks",
        ),
    ),
    "platform": (
        "Keep the platform fast and safe",
        (
            "Cut deploy time to 10 minutes",
            "Hold 99.95% availability",
            "Patch critical CVEs within 7 days",
        ),
    ),
    "data": (
        "Trustworthy data, on time",
        (
            "Keep pipelines under 1 hour stale",
            "Raise model precision to 0.9",
            "Cut warehouse cost by 15%",
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class Organisation:
    """A generated organisation: its structure, OKRs, people, and issues (in creation order)
    with their histories (issue id -> entries, oldest first; issues never changed have none).
    """

    seed: int
    now: datetime
    teams: tuple[Team, ...]
    projects: tuple[Project, ...]
    sprints: tuple[Sprint, ...]
    quarters: tuple[Quarter, ...]
    objectives: tuple[ObjectiveRecord, ...]
    key_results: tuple[KeyResultRecord, ...]
    issues: tuple[IssueRecord, ...]
    people: tuple[Person, ...] = ()
    histories: Mapping[int, tuple[HistoryEntry, ...]] = field(default_factory=dict)

    @property
    def epics(self) -> tuple[IssueRecord, ...]:
        """The epics, in creation order."""
        return tuple(issue for issue in self.issues if issue.issue_type == "Epic")

    def project(self, key: str) -> Project:
        """The project with *key*; KeyError when there is none."""
        for project in self.projects:
            if project.key == key:
                return project
        raise KeyError(key)


def key_result_of(issue: IssueRecord) -> str | None:
    """The key result an issue names with a ``kr:`` label, if any."""
    for label in issue.labels:
        if label.startswith("kr:"):
            return label[3:]
    return None


def generate_organisation(
    issues: int,
    seed: int,
    now: datetime,
    people: int | None = None,
    history_quarters: int = 1,
) -> Organisation:
    """Build the demo organisation with *issues* issues, deterministic for the arguments.

    Dates spread from the start of the *history_quarters* quarters before the previous one
    up to *now*; OKRs cover the previous and the current quarter. *people* people (by
    default one per 400 issues, at least two per team, at most 500) share the work, each
    in one team.
    """
    if issues < 1:
        raise ValueError(f"an organisation needs at least one issue, not {issues}")
    if history_quarters < 1:
        raise ValueError(f"an organisation needs a quarter of history, not {history_quarters}")
    count = default_people(issues, len(PROJECT_LAYOUT)) if people is None else people
    now = now.astimezone(UTC)
    rng = random.Random(seed)
    teams, projects = _structure()
    quarters = _quarters(now, history_quarters)
    objectives, key_results = _okrs(quarters[-2:])
    window_start = to_ms(quarters[0].start)
    sprints = sprint_calendar(projects, window_start, to_ms(now))
    factory = IssueFactory(
        rng,
        now,
        teams=teams,
        projects=projects,
        sprints=sprints,
        okr_quarters=quarters[-2:],
        key_results=key_results,
    )
    records = factory.generate(issues, window_start)
    staff = people_for([(p.team, p.issue_share) for p in projects], count)
    history = generate_histories(records, projects, staff, seed)
    return Organisation(
        seed,
        now,
        teams,
        projects,
        sprints,
        quarters[-2:],
        objectives,
        key_results,
        history.records,
        staff,
        history.entries,
    )


def _structure() -> tuple[tuple[Team, ...], tuple[Project, ...]]:
    teams: list[Team] = []
    projects: list[Project] = []
    component_id = 10100
    for index, (team, key, name, kind, components, share) in enumerate(PROJECT_LAYOUT):
        team_id = f"{index + 1:08x}-acme-4000-8000-{index + 1:012x}"
        teams.append(Team(team, team_id, 10300 + index))
        parts = []
        for component in components:
            parts.append(Component(component_id, component))
            component_id += 1
        projects.append(
            Project(10000 + index, key, name, team, kind, index + 1, tuple(parts), share)
        )
    return tuple(teams), tuple(projects)


def _quarter_start(moment: datetime, back: int) -> datetime:
    index = moment.year * 4 + (moment.month - 1) // 3 - back
    return datetime(index // 4, (index % 4) * 3 + 1, 1, tzinfo=UTC)


def _quarters(now: datetime, history: int) -> tuple[Quarter, ...]:
    """The *history* quarters before the OKR period (issue history only), then the previous
    and the current quarter."""
    result = []
    for back in range(history + 1, -1, -1):
        start = _quarter_start(now, back)
        end = _quarter_start(now, back - 1)
        result.append(Quarter(f"{start.year}Q{(start.month - 1) // 3 + 1}", start, end))
    return tuple(result)


# Key results per project for the previous and the current quarter, as in the bundled
# mappings/examples/okrs.yaml, so that every kr: label the demo writes names a known one.
_KEY_RESULTS_PER_QUARTER = {
    "SHOP": (2, 3),
    "GROW": (2, 2),
    "MOB": (2, 2),
    "PLAT": (3, 3),
    "DATA": (2, 3),
}


def _okrs(
    quarters: tuple[Quarter, ...],
) -> tuple[tuple[ObjectiveRecord, ...], tuple[KeyResultRecord, ...]]:
    objectives: list[ObjectiveRecord] = []
    key_results: list[KeyResultRecord] = []
    for team, key, _name, _kind, _components, _share in PROJECT_LAYOUT:
        title, measures = _OBJECTIVE_THEMES[team]
        number = 0
        for quarter_index, quarter in enumerate(quarters):
            ids = []
            for measure in measures[: _KEY_RESULTS_PER_QUARTER[key][quarter_index]]:
                number += 1
                kr_id = f"{key}-KR{number}"
                ids.append(kr_id)
                key_results.append(KeyResultRecord(kr_id, team, key, quarter.name, measure))
            objectives.append(
                ObjectiveRecord(
                    f"{key}-O{quarter_index + 1}", team, quarter.name, title, tuple(ids)
                )
            )
    return tuple(objectives), tuple(key_results)
