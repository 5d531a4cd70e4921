"""Histories for the generated organisation, consistent with each issue's current state.

Every issue is created in a "to do" status; work starts (to in progress, often with an
assignment) and ends at the resolution time, with the resolution set; about one done issue
in ten was reopened once and done again; about one in seven changed hands while in progress;
some got their epic or their Team field after creation; about one standard issue in a hundred
moved to another project (a new key; only issues linked to nothing of their project move).
Every entry lies between the issue's creation and its ``updated`` time, and the current record
is where the history ends. Its own random stream (seeded from the organisation's seed) leaves
every other generated figure as it was before histories existed.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from connectors.jira.emulator.catalog import STATUSES
from connectors.jira.emulator.history import (
    ASSIGNEE,
    KEY,
    PARENT,
    PROJECT,
    RESOLUTION,
    STATUS,
    TEAM,
    HistoryEntry,
    HistoryItem,
)
from connectors.jira.emulator.people import Person
from connectors.jira.emulator.records import IssueRecord, Project

__all__ = ["FIRST_HISTORY_ID", "Histories", "generate_histories"]

FIRST_HISTORY_ID: Final = 100_000
_MOVABLE: Final = frozenset({"Story", "Task", "Bug"})
_Event = tuple[int, tuple[HistoryItem, ...]]


@dataclasses.dataclass(frozen=True, slots=True)
class Histories:
    """The records as history leaves them (assignees set, moved issues renumbered) and each
    issue's entries, oldest first."""

    records: tuple[IssueRecord, ...]
    entries: Mapping[int, tuple[HistoryEntry, ...]]


def generate_histories(
    records: Sequence[IssueRecord],
    projects: Sequence[Project],
    people: Sequence[Person],
    seed: int,
) -> Histories:
    """Give *records* assignees and histories, deterministic for *seed*."""
    rng = random.Random(f"history:{seed}")
    teams: dict[str, list[Person]] = {}
    for person in people:
        teams.setdefault(person.team, []).append(person)
    team_of = {project.key: project.team for project in projects}
    parents_of_subtasks = {r.parent_id for r in records if r.issue_type == "Sub-task"}
    moves = _moves(rng, records, [p.key for p in projects], parents_of_subtasks)
    numbers = _renumber(records, moves)
    result: list[IssueRecord] = []
    entries: dict[int, tuple[HistoryEntry, ...]] = {}
    next_id = FIRST_HISTORY_ID
    for record in records:
        pool = teams.get(record.team or team_of[record.project]) or list(people)
        plan = _Plan(rng, record, pool, list(teams))
        final = plan.record(numbers, moves)
        events = plan.events(final, numbers.get(record.id), moves.get(record.id))
        history = []
        for created, items in sorted(events, key=lambda event: event[0]):
            history.append(HistoryEntry(next_id, created, plan.author(items), items))
            next_id += 1
        result.append(final)
        if history:
            entries[record.id] = tuple(history)
    return Histories(tuple(result), entries)


def _moves(
    rng: random.Random, records: Sequence[IssueRecord], keys: list[str], fixed: set[int | None]
) -> dict[int, tuple[str, int]]:
    """Issue id -> (project it moved to, when) for a quarter of the movable issues."""
    moves: dict[int, tuple[str, int]] = {}
    for record in records:
        span = record.updated_ms - record.created_ms
        if not _movable(record) or record.id in fixed or span < 2:
            continue
        if rng.random() < 0.25:
            target = rng.choice([key for key in keys if key != record.project])
            moves[record.id] = (target, record.created_ms + rng.randint(1, span))
    return moves


def _movable(record: IssueRecord) -> bool:
    """Standard issues outside any hierarchy, sprint or key result: every link the
    organisation promises stays within a project (sub-tasks' parents are excluded apart)."""
    return (
        record.issue_type in _MOVABLE
        and record.parent_id is None
        and not record.sprint_ids
        and not any(label.startswith("kr:") for label in record.labels)
    )


def _renumber(
    records: Sequence[IssueRecord], moves: Mapping[int, tuple[str, int]]
) -> dict[int, tuple[int, int]]:
    """Issue id -> (number at creation, number after its move or 0): each project numbers
    the issues in the order they arrived, created there or moved in."""
    arrivals: dict[str, list[tuple[int, int, int]]] = {}
    for record in records:
        arrivals.setdefault(record.project, []).append((record.created_ms, record.id, 0))
        if record.id in moves:
            target, moment = moves[record.id]
            arrivals.setdefault(target, []).append((moment, record.id, 1))
    numbered: dict[tuple[int, int], int] = {}
    for project_arrivals in arrivals.values():
        project_arrivals.sort()
        for number, (_, issue_id, moved) in enumerate(project_arrivals, start=1):
            numbered[(issue_id, moved)] = number
    return {
        record.id: (numbered[(record.id, 0)], numbered.get((record.id, 1), 0)) for record in records
    }


class _Plan:
    """One issue's history: decided with the shared random stream, in a fixed order."""

    def __init__(
        self, rng: random.Random, record: IssueRecord, pool: list[Person], teams: list[str]
    ) -> None:
        self._rng = rng
        self._record = record
        self._pool = pool
        self._teams = teams
        self.assignee = self._pick() if self._assigned() else None

    def record(
        self, numbers: Mapping[int, tuple[int, int]], moves: Mapping[int, tuple[str, int]]
    ) -> IssueRecord:
        """The current record: assigned, and renumbered (moved) where history says so."""
        record = self._record
        created_number, moved_number = numbers[record.id]
        if record.id in moves:
            return _rebuilt(record, moves[record.id][0], moved_number, (), self.assignee)
        return _rebuilt(record, record.project, created_number, record.components, self.assignee)

    def events(
        self, final: IssueRecord, numbers: tuple[int, int] | None, move: tuple[str, int] | None
    ) -> list[_Event]:
        """Every change the issue went through, at its time."""
        events = list(self._work())
        events += self._epic_later() + self._team_later()
        if move is not None and numbers is not None:
            origin = f"{self._record.project}-{numbers[0]}"
            items = (
                HistoryItem(PROJECT, self._record.project, final.project),
                HistoryItem(KEY, origin, final.key),
            )
            events.append((move[1], items))
        return events

    def author(self, items: tuple[HistoryItem, ...]) -> str:
        """Who made an entry: the new assignee of an assignment, else the issue's assignee."""
        for item in items:
            if item.kind == ASSIGNEE and item.after is not None:
                return str(item.after)
        return self.assignee or self._pool[0].account_id

    def _assigned(self) -> bool:
        category = STATUSES[self._record.status].category
        return category != "new" or self._rng.random() < 0.5

    def _pick(self, other_than: str | None = None) -> str:
        pool = self._pool
        index = int(self._rng.random() * len(pool))
        if pool[index].account_id == other_than:
            index = (index + 1) % len(pool)
        return pool[index].account_id

    def _moment(self, start: int, end: int) -> int:
        """A time in ``(start, end]`` (``end`` when the span is empty)."""
        # random() rather than randint(): a 200,000-issue history asks for a million times
        return end if end <= start else start + 1 + int(self._rng.random() * (end - start))

    def _work(self) -> Iterator[_Event]:
        record, rng = self._record, self._rng
        category = STATUSES[record.status].category
        if category == "new":
            if self.assignee is not None and rng.random() < 0.3:
                moment = self._moment(record.created_ms, record.updated_ms)
                yield moment, (HistoryItem(ASSIGNEE, None, self.assignee),)
            return
        end = record.resolved_ms if record.resolved_ms is not None else record.updated_ms
        start = self._moment(record.created_ms, end - 1 if end - record.created_ms > 1 else end)
        first = self._pick(self.assignee) if rng.random() < 0.15 else self.assignee
        begin: list[HistoryItem] = [HistoryItem(STATUS, "To Do", "In Progress")]
        if rng.random() < 0.4:  # assigned when the work started, not at creation
            begin.append(HistoryItem(ASSIGNEE, None, first))
        yield start, tuple(begin)
        if first != self.assignee:
            yield self._moment(start, end), (HistoryItem(ASSIGNEE, first, self.assignee),)
        if record.status == "In Review":
            yield self._moment(start, end), (HistoryItem(STATUS, "In Progress", "In Review"),)
        if record.resolved_ms is not None:
            yield from self._resolution(start, record.resolved_ms)

    def _resolution(self, start: int, resolved: int) -> Iterator[_Event]:
        record = self._record
        if resolved - start > 2 and self._rng.random() < 0.1:  # done too early: reopened
            done = self._moment(start, resolved - 2)
            reopened = self._moment(done, resolved - 1)
            yield (
                done,
                (
                    HistoryItem(STATUS, "In Progress", "Done"),
                    HistoryItem(RESOLUTION, None, "Done"),
                ),
            )
            yield (
                reopened,
                (
                    HistoryItem(STATUS, "Done", "In Progress"),
                    HistoryItem(RESOLUTION, "Done", None),
                ),
            )
        yield (
            resolved,
            (
                HistoryItem(STATUS, "In Progress", record.status),
                HistoryItem(RESOLUTION, None, record.resolution),
            ),
        )

    def _epic_later(self) -> list[_Event]:
        record = self._record
        if record.parent_id is None or record.issue_type == "Sub-task":
            return []
        if self._rng.random() >= 0.1:
            return []
        moment = self._moment(record.created_ms, record.updated_ms)
        return [(moment, (HistoryItem(PARENT, None, record.parent_id),))]

    def _team_later(self) -> list[_Event]:
        record = self._record
        if self._rng.random() >= 0.05:
            return []
        others = [team for team in self._teams if team != record.team]
        before = self._rng.choice([*others, None] if record.team is not None else others)
        moment = self._moment(record.created_ms, record.updated_ms)
        return [(moment, (HistoryItem(TEAM, before, record.team),))]


def _rebuilt(
    record: IssueRecord,
    project: str,
    number: int,
    components: tuple[str, ...],
    assignee: str | None,
) -> IssueRecord:
    # dataclasses.replace costs several times this for every one of 200,000 records
    r = record
    return IssueRecord(
        r.id, project, number, r.issue_type, r.summary, r.status, r.priority, r.created_ms,
        r.updated_ms, r.resolved_ms, r.resolution, r.labels, components, r.parent_id, r.team,
        r.story_points, r.time_spent, r.sprint_ids, assignee,
    )  # fmt: skip
