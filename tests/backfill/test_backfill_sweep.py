"""The backfill's step-by-step sweep against the as-of computation from scratch.

Generated organisations (issues that are created, started, finished, reopened, reassigned,
re-parented, moved between projects and teams) are swept over a range; at every step the
snapshot must be the one ``syncd.app.as_of.snapshot_at`` computes from the issues rebuilt
for that moment, under the bundled rules, teams, OKRs and agreements, with windows of
several kinds and capacity calendars in other time zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mappings.examples
from syncd.analytics import AnalyticsConfig, WindowConfig
from syncd.analytics.settings import CalendarConfig, CapacityConfig, TeamCalendarConfig
from syncd.app.as_of import StoredContext
from syncd.app.mapping_files import MappingFiles, load_mapping_files
from syncd.core.domain import FieldChange, HistoryField, Issue, StatusCategory
from syncd.service.config import load_config
from tests.backfill.same_figures import assert_sweep_equals_from_scratch

EXAMPLES = Path(mappings.examples.__file__).parent
BEGIN = datetime(2026, 9, 10, tzinfo=UTC)
"""Issues are created from here on; the sweep starts a day earlier and crosses a quarter."""
PROJECTS = {"SHOP": "checkout", "GROW": "growth", "MOB": "mobile", "PLAT": "platform"}
LABELS = ("tech-debt", "feature", "security", "kr:PLAT-KR1", "kr:SHOP-KR1", "needs-triage")
STATUSES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}

ANALYTICS = AnalyticsConfig(
    windows=(
        WindowConfig(name="7d", kind="rolling", days=7),
        WindowConfig(name="quarter", kind="quarter"),
        WindowConfig(name="20d", kind="rolling", days=20),
    ),
    capacity=CapacityConfig(
        calendar=CalendarConfig(holidays=(date(2026, 10, 5),)),
        teams={
            "platform": TeamCalendarConfig(timezone="America/New_York"),
            "growth": TeamCalendarConfig(timezone="Asia/Tokyo", working_days=("sun", "mon")),
        },
    ),
)


def _files(tmp: Path) -> MappingFiles:
    path = tmp / "syncd.yaml"
    names = ("rules", "okrs", "teams", "agreements")
    lines = ["mappings:", *(f"  {name}: {EXAMPLES / f'{name}.yaml'}" for name in names)]
    path.write_text("\n".join(lines) + "\n")
    return load_mapping_files(load_config(path).mapping_paths())


@dataclass
class _Story:
    """One generated issue: its state as it changes, and the history Jira would keep."""

    issue_id: int
    key: str
    created: datetime
    labels: tuple[str, ...]
    issue_type: str
    points: float | None
    seconds: int | None
    status: str = "To Do"
    resolved: datetime | None = None
    assignee: str | None = None
    parent: str | None = None
    epic: str | None = None
    team: str | None = None
    changes: list[FieldChange] = field(default_factory=list)

    def change(self, when: datetime, *moved: tuple[HistoryField, str | None, str | None]) -> None:
        history = self.issue_id * 1000 + len(self.changes)
        self.changes.extend(
            FieldChange("jira", self.issue_id, history, when, name, before, after)
            for name, before, after in moved
        )

    def apply(self, when: datetime, kind: str, value: str | None) -> None:
        if kind == "status" and value is not None and value != self.status:
            resolution = "Done" if value == "Done" else None
            before = "Done" if self.status == "Done" else None
            moved = [
                (HistoryField.STATUS, self.status, value),
                (HistoryField.STATUS_CATEGORY, STATUSES[self.status], STATUSES[value]),
            ]
            if resolution != before:
                moved.append((HistoryField.RESOLUTION, before, resolution))
                self.resolved = when if resolution else None
            self.change(when, *moved)
            self.status = value
        elif kind == "assignee" and value != self.assignee:
            self.change(when, (HistoryField.ASSIGNEE, self.assignee, value))
            self.assignee = value
        elif kind == "parent" and value != self.parent:
            self.change(when, (HistoryField.PARENT, self.parent, value))
            self.parent = value
        elif kind == "epic" and value != self.epic:
            self.change(when, (HistoryField.EPIC, self.epic, value))
            self.epic = value
        elif kind == "team" and value != self.team:
            self.change(when, (HistoryField.TEAM, self.team, value))
            self.team = value
        elif kind == "move" and value is not None and value != self.key.split("-")[0]:
            key = f"{value}-{self.issue_id + 100}"
            project = self.key.split("-")[0]
            self.change(
                when, (HistoryField.PROJECT, project, value), (HistoryField.KEY, self.key, key)
            )
            self.key = key

    def issue(self) -> Issue:
        updated = max([self.created, *(c.changed_at for c in self.changes)])
        return Issue(
            source="jira",
            issue_id=self.issue_id,
            key=self.key,
            project=self.key.split("-")[0],
            issue_type=self.issue_type,
            summary=self.key,
            status=self.status,
            status_category=StatusCategory(STATUSES[self.status]),
            created=self.created,
            updated=updated,
            resolved=self.resolved,
            labels=self.labels,
            parent_key=self.parent,
            epic_key=self.epic,
            story_points=self.points,
            time_spent_seconds=self.seconds,
            team=self.team,
            assignee=self.assignee,
        )


_EVENT_KINDS = ("status", "status", "status", "assignee", "parent", "epic", "team", "move")


@st.composite
def organisations(draw: st.DrawFn) -> list[tuple[Issue, tuple[FieldChange, ...]]]:
    """A few issues, each created at some hour of the range's first weeks, with a history."""
    count = draw(st.integers(min_value=1, max_value=12))
    keys = [f"{draw(st.sampled_from(sorted(PROJECTS)))}-{n + 1}" for n in range(count)]
    targets = st.sampled_from([*keys, "SHOP-999", None])
    stories = []
    for number, key in enumerate(keys):
        story = _Story(
            issue_id=number + 1,
            key=key,
            created=BEGIN + timedelta(hours=draw(st.integers(0, 24 * 30))),
            labels=tuple(draw(st.sets(st.sampled_from(LABELS), max_size=2))),
            issue_type=draw(st.sampled_from(["Story", "Bug", "Epic", "Task"])),
            points=draw(st.sampled_from([None, 0.5, 1.0, 3.0, 8.0])),
            seconds=draw(st.sampled_from([None, 3600, 1234, 27_000])),
            parent=draw(targets),
        )
        when = story.created
        for _ in range(draw(st.integers(0, 8))):
            when += timedelta(minutes=draw(st.integers(0, 60 * 24 * 9)))
            kind = draw(st.sampled_from(_EVENT_KINDS))
            value: str | None
            if kind == "status":
                value = draw(st.sampled_from(sorted(STATUSES)))
            elif kind == "assignee":
                value = draw(st.sampled_from(["ann", "bob", None]))
            elif kind in ("parent", "epic"):
                value = draw(targets)
            elif kind == "team":
                value = draw(st.sampled_from(["Platform", "Data", None]))
            else:
                value = draw(st.sampled_from(sorted(PROJECTS)))
            story.apply(when, kind, value)
        stories.append(story)
    return [(story.issue(), tuple(story.changes)) for story in stories]


_FILES: list[MappingFiles] = []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisation=organisations(), hours=st.sampled_from([24, 9, 31]))
def test_every_step_of_a_generated_organisation_equals_the_as_of_figures(
    organisation: list[tuple[Issue, tuple[FieldChange, ...]]], hours: int, tmp_path_factory: Any
) -> None:
    """Creations, resolutions, reopenings, re-parenting, key and team moves: whatever the
    history, each step's figures are those computed from scratch for that moment."""
    if not _FILES:
        _FILES.append(_files(tmp_path_factory.mktemp("files")))
    files = _FILES[0]
    assert files.okrs is not None
    context = StoredContext((), tuple(files.okrs.key_results))
    step = timedelta(hours=hours)
    moments = [BEGIN - timedelta(days=1) + n * step for n in range(1, 1 + 50 * 24 // hours)]
    assert assert_sweep_equals_from_scratch(organisation, context, files, ANALYTICS, moments)
