"""Issue generation for the demo organisation: types, hierarchy, labels, dates, estimates.

Proportions follow docs/demo-organisation.md: about 3% epics, 15% sub-tasks (always under a
story, task or bug), 80% of standard issues under an epic, 10% of non-epic issues with no
label at all, 10% with a Team field naming another team. Status depends on age, so old work
is mostly done and recent work is new or in progress.
"""

from __future__ import annotations

import random
from datetime import datetime

from connectors.jira.emulator.records import (
    IssueRecord,
    KeyResultRecord,
    Project,
    Quarter,
    Sprint,
    Team,
    to_ms,
)

__all__ = ["IssueFactory", "sprint_calendar"]

_DAY_MS = 86_400_000
_SPRINT_MS = 14 * _DAY_MS
TECH_LABELS = ("tech-debt", "refactor", "upgrade", "security", "ktlo", "incident", "performance")
PRODUCT_LABELS = ("feature", "customer-request", "experiment", "a11y")
NOISE_LABELS = ("needs-triage", "q-planning", "good-first-issue")
_TECH_SHARE = {"product": 0.25, "mixed": 0.5, "technology": 0.8}
# (Story, Task, Bug) weights per project kind, for the non-epic, non-sub-task share
_STANDARD_WEIGHTS = {
    "product": (0.55, 0.2, 0.25),
    "mixed": (0.4, 0.35, 0.25),
    "technology": (0.2, 0.5, 0.3),
}
_POINTS = (1.0, 2.0, 3.0, 5.0, 8.0, 13.0)
_POINT_WEIGHTS = (10, 20, 25, 25, 15, 5)
_PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
_PRIORITY_WEIGHTS = (5, 20, 50, 15, 10)
_VERBS = (
    "Add",
    "Fix",
    "Improve",
    "Refactor",
    "Upgrade",
    "Investigate",
    "Remove",
    "Support",
    "Migrate",
    "Document",
    "Speed up",
    "Harden",
)
_NOUNS = (
    "flow",
    "API",
    "retry logic",
    "dashboard",
    "alerts",
    "cache",
    "settings page",
    "error handling",
    "tests",
    "configuration",
    "search",
    "export",
    "permissions",
)
_THEMES = ("Revamp", "Launch", "Scale", "Modernise", "Stabilise", "Rebuild")


def sprint_calendar(
    projects: tuple[Project, ...], start_ms: int, now_ms: int
) -> tuple[Sprint, ...]:
    """Two-week sprints on every project's board from *start_ms*, plus one future sprint."""
    sprints: list[Sprint] = []
    count = (now_ms - start_ms) // _SPRINT_MS + 2
    for project in projects:
        for sequence in range(1, count + 1):
            begin = start_ms + (sequence - 1) * _SPRINT_MS
            end = begin + _SPRINT_MS
            state = "closed" if end <= now_ms else "active" if begin <= now_ms else "future"
            sprints.append(
                Sprint(
                    len(sprints) + 1,
                    project.board_id,
                    project.key,
                    f"{project.key} Sprint {sequence}",
                    sequence,
                    begin,
                    end,
                    end if state == "closed" else None,
                    state,
                )
            )
    return tuple(sprints)


class IssueFactory:
    """Generates issue records in creation order for one organisation."""

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        *,
        teams: tuple[Team, ...],
        projects: tuple[Project, ...],
        sprints: tuple[Sprint, ...],
        okr_quarters: tuple[Quarter, ...],
        key_results: tuple[KeyResultRecord, ...],
    ) -> None:
        self._rng = rng
        self._now_ms = to_ms(now)
        self._team_names = tuple(team.name for team in teams)
        self._projects = projects
        self._sprints = {
            project.key: [s for s in sprints if s.project == project.key] for project in projects
        }
        self._quarters = [(to_ms(q.start), to_ms(q.end), q.name) for q in okr_quarters]
        self._krs: dict[tuple[str, str], list[str]] = {}
        for kr in key_results:
            self._krs.setdefault((kr.project, kr.quarter), []).append(kr.id)
        self._epics: dict[str, list[int]] = {p.key: [] for p in projects}
        self._parents: dict[str, list[int]] = {p.key: [] for p in projects}
        self._numbers: dict[str, int] = {p.key: 0 for p in projects}

    def generate(self, count: int, start_ms: int) -> tuple[IssueRecord, ...]:
        """*count* issues created between *start_ms* and now, ids from 10000 upwards."""
        rng = self._rng
        latest = self._now_ms - 60_000
        times = sorted(rng.randint(start_ms, latest) for _ in range(count))
        shares = [project.issue_share for project in self._projects]
        chosen = rng.choices(range(len(self._projects)), weights=shares, k=count)
        # every project opens with an epic, so even a 100-issue organisation has hierarchy
        for index in range(min(count, len(self._projects))):
            chosen[index] = index
        return tuple(
            self._issue(10000 + i, self._projects[chosen[i]], times[i]) for i in range(count)
        )

    def _issue(self, issue_id: int, project: Project, created: int) -> IssueRecord:
        rng = self._rng
        self._numbers[project.key] += 1
        kind = self._issue_type(project)
        parent_id = self._parent(project.key, kind)
        status, resolution, resolved, updated = self._lifecycle(kind, created)
        if kind == "Epic":
            self._epics[project.key].append(issue_id)
        elif kind != "Sub-task":
            self._parents[project.key].append(issue_id)
        component = self._components(project)
        return IssueRecord(
            id=issue_id,
            project=project.key,
            number=self._numbers[project.key],
            issue_type=kind,
            summary=self._summary(kind, project, component),
            status=status,
            priority=rng.choices(_PRIORITIES, weights=_PRIORITY_WEIGHTS)[0],
            created_ms=created,
            updated_ms=updated,
            resolved_ms=resolved,
            resolution=resolution,
            labels=self._labels(project, kind, created),
            components=component,
            parent_id=parent_id,
            team=self._team(project),
            story_points=self._points(kind),
            time_spent=self._time_spent(status),
            sprint_ids=self._sprint_ids(project.key, kind, status, created, resolved),
        )

    def _issue_type(self, project: Project) -> str:
        if not self._epics[project.key]:
            return "Epic"
        roll = self._rng.random()
        if roll < 0.03:
            return "Epic"
        if roll < 0.18 and self._parents[project.key]:
            return "Sub-task"
        story, task, _bug = _STANDARD_WEIGHTS[project.kind]
        pick = self._rng.random()
        return "Story" if pick < story else "Task" if pick < story + task else "Bug"

    def _parent(self, project: str, kind: str) -> int | None:
        if kind == "Sub-task":
            return self._rng.choice(self._parents[project][-30:])
        if kind == "Epic" or self._rng.random() >= 0.8:
            return None
        return self._rng.choice(self._epics[project][-6:])

    def _lifecycle(self, kind: str, created: int) -> tuple[str, str | None, int | None, int]:
        rng, now = self._rng, self._now_ms
        age_days = (now - created) / _DAY_MS
        p_done = 0.92 if age_days > 45 else 0.6 if age_days > 14 else 0.25 if age_days > 3 else 0.08
        if kind == "Epic":
            p_done = 0.85 if age_days > 90 else 0.3 if age_days > 30 else 0.05
        mean_days = 30.0 if kind == "Epic" else 5.0
        if rng.random() < p_done:
            resolved = min(now, created + int(rng.expovariate(1 / mean_days) * _DAY_MS) + 60_000)
            updated = min(now, resolved + (0 if rng.random() < 0.7 else rng.randint(0, _DAY_MS)))
            status = "Done" if rng.random() < 0.9 else "Closed"
            resolution = rng.choices(("Done", "Won't Do", "Duplicate"), weights=(92, 5, 3))[0]
            return status, resolution, resolved, updated
        span = now - created
        if rng.random() < 0.55:
            status = "In Progress" if rng.random() < 0.7 else "In Review"
            updated = now - int(span * rng.random() ** 2)
        else:
            status = "To Do" if rng.random() < 0.7 else "Backlog"
            updated = created + (
                rng.randint(0, 5000) if rng.random() < 0.7 else int(span * rng.random())
            )
        return status, None, None, max(created, updated)

    def _labels(self, project: Project, kind: str, created: int) -> tuple[str, ...]:
        rng = self._rng
        kr = self._key_result(project.key, created)
        if kind == "Epic":
            labels = [f"kr:{kr}"] if kr and rng.random() < 0.6 else []
            if rng.random() < 0.5:
                labels.append(self._work_label(project))
            return tuple(labels)
        if rng.random() < 0.1:
            return ()
        labels = [self._work_label(project)]
        if rng.random() < 0.2:
            second = self._work_label(project)
            if second not in labels:
                labels.append(second)
        if kind == "Story" and kr and rng.random() < 0.08:
            labels.append(f"kr:{kr}")
        if rng.random() < 0.12:
            labels.append(rng.choice(NOISE_LABELS))
        return tuple(labels)

    def _work_label(self, project: Project) -> str:
        pool = TECH_LABELS if self._rng.random() < _TECH_SHARE[project.kind] else PRODUCT_LABELS
        return self._rng.choice(pool)

    def _key_result(self, project: str, created: int) -> str | None:
        for start, end, name in self._quarters:
            if start <= created < end:
                return self._rng.choice(self._krs[(project, name)])
        return None

    def _components(self, project: Project) -> tuple[str, ...]:
        roll = self._rng.random()
        if roll < 0.15:
            return ()
        names = [c.name for c in project.components]
        if roll < 0.2:
            return tuple(sorted(self._rng.sample(names, 2)))
        return (self._rng.choice(names),)

    def _summary(self, kind: str, project: Project, component: tuple[str, ...]) -> str:
        rng = self._rng
        area = component[0] if component else project.name
        if kind == "Epic":
            return f"{rng.choice(_THEMES)} {area} {rng.choice(_NOUNS)}"
        return f"{rng.choice(_VERBS)} {area} {rng.choice(_NOUNS)}"

    def _team(self, project: Project) -> str | None:
        roll = self._rng.random()
        if roll < 0.1:
            return self._rng.choice([t for t in self._team_names if t != project.team])
        return project.team if roll < 0.6 else None

    def _points(self, kind: str) -> float | None:
        share = {"Epic": 0.0, "Sub-task": 0.15}.get(kind, 0.75)
        if self._rng.random() >= share:
            return None
        return self._rng.choices(_POINTS, weights=_POINT_WEIGHTS)[0]

    def _time_spent(self, status: str) -> int | None:
        share = {"Done": 0.6, "Closed": 0.6, "In Progress": 0.35, "In Review": 0.35}
        if self._rng.random() >= share.get(status, 0.0):
            return None
        return self._rng.randint(1, 160) * 900

    def _sprint_ids(
        self, project: str, kind: str, status: str, created: int, resolved: int | None
    ) -> tuple[int, ...]:
        sprints = self._sprints[project]
        if kind == "Epic" or self._rng.random() < 0.2:
            return ()
        if resolved is not None:
            index = min((resolved - sprints[0].start_ms) // _SPRINT_MS, len(sprints) - 2)
            first = (created - sprints[0].start_ms) // _SPRINT_MS
            if index > first and self._rng.random() < 0.15:
                return (sprints[index - 1].id, sprints[index].id)
            return (sprints[index].id,)
        if status in ("In Progress", "In Review"):
            return (sprints[-2].id,)
        return (sprints[-1].id,) if self._rng.random() < 0.3 else ()
