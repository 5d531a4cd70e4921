"""One pass over the work items: completed work per team, window and subject, and work in
progress per team and subject, in every weighting at once; capacity's person-days join them
from ``syncd.analytics.capacity`` (``with_capacity``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from syncd.analytics.capacity import CapacityTotals
from syncd.analytics.items import WEIGHTINGS, IssueState, Weights, WorkItem
from syncd.analytics.rows import ALL_TEAMS, Window, counted_under
from syncd.core.domain import StatusCategory, WorkClass

__all__ = [
    "CLASSES",
    "UNCLASSIFIED",
    "SubjectKey",
    "Totals",
    "aggregate",
    "completed_in",
    "subject_of",
    "with_capacity",
]

SubjectKey = tuple[str, str]
"""A share subject: (work class, category); category ``""`` is the work class as a whole."""

CLASSES: tuple[str, ...] = (WorkClass.PRODUCT.value, WorkClass.TECHNOLOGY.value)
UNCLASSIFIED: SubjectKey = (WorkClass.UNCLASSIFIED.value, "")
_ZERO: Weights = (0.0, 0.0, 0.0, 0.0)
_K = TypeVar("_K")

# (team, work class, category, membership per window, in progress now)
_GroupKey = tuple[str, str, str, tuple[bool, ...], bool]


@dataclass(frozen=True, slots=True)
class Totals:
    """Summed weights; a missing key means zero.

    ``completed`` is keyed by (team, window name, subject) and ``in_progress`` by
    (team, subject), both including the ``all`` team. ``subjects`` lists the classes and every
    (class, category) seen in a decision; ``teams`` the teams seen, sorted. ``linked`` holds,
    per key result id, the done items whose decision names it.
    """

    completed: Mapping[tuple[str, str, SubjectKey], Weights]
    in_progress: Mapping[tuple[str, SubjectKey], Weights]
    subjects: tuple[SubjectKey, ...]
    teams: tuple[str, ...]
    linked: Mapping[str, tuple[WorkItem, ...]]

    def completed_weight(self, team: str, window: str, subject: SubjectKey) -> Weights:
        """Completed weight of *subject* for *team* in *window*."""
        return self.completed.get((team, window, subject), _ZERO)

    def wip_weight(self, team: str, subject: SubjectKey) -> Weights:
        """Weight of *subject* in progress now for *team*."""
        return self.in_progress.get((team, subject), _ZERO)


def aggregate(items: Iterable[WorkItem], windows: tuple[Window, ...]) -> Totals:
    """Sum the weights of *items* (deleted ones skipped) per team, window and subject.

    Completed in a window: the issue's status category is done now and ``resolved`` lies in
    ``[start, end)``; an issue reopened since is not done. In progress: status category
    ``indeterminate`` now, whatever the window.
    """
    groups: dict[_GroupKey, list[float]] = {}
    subjects: set[SubjectKey] = set()
    teams: set[str] = set()
    linked: defaultdict[str, list[WorkItem]] = defaultdict(list)
    outside = (False,) * len(windows)
    for item in items:
        if item.deleted:
            continue
        state = item.state
        work_class, category = subject_of(item)
        subjects.add((work_class, category))
        teams.add(item.team)
        done = completed_in(state, windows)
        membership = outside if done is None else done
        if done is not None and item.key_result:
            linked[item.key_result].append(item)
        wip = state.status_category is StatusCategory.IN_PROGRESS
        if wip or any(membership):
            _add(groups, (item.team, work_class, category, membership, wip), state.weights)
    completed, in_progress = _expand(groups, windows)
    return Totals(
        completed=completed,
        in_progress=in_progress,
        subjects=_ordered_subjects(subjects),
        teams=tuple(sorted(teams)),
        linked={key: tuple(found) for key, found in linked.items()},
    )


def subject_of(item: WorkItem) -> SubjectKey:
    """The (work class, category) *item* counts under; an unclassified item has no category."""
    if item.work_class is WorkClass.UNCLASSIFIED:
        return UNCLASSIFIED
    return (item.work_class.value, item.category or "")


def completed_in(state: IssueState, windows: tuple[Window, ...]) -> tuple[bool, ...] | None:
    """Whether each of *windows* counts *state*'s work as completed, or ``None`` when the
    issue is not done: done now, with ``resolved`` in the window's ``[start, end)``."""
    if state.status_category is not StatusCategory.DONE or state.resolved is None:
        return None
    resolved = state.resolved
    return tuple(w.start <= resolved < w.end for w in windows)


def with_capacity(totals: Totals, capacity: CapacityTotals) -> Totals:
    """*totals* with the capacity weighting filled in: person-days allocated in each window as
    its completed work, the latest working day's person-days as its work in progress."""
    index = WEIGHTINGS.index("capacity")
    completed = dict(totals.completed)
    for key, days in capacity.allocated.items():
        completed[key] = _with(completed.get(key, _ZERO), index, days)
    in_progress = dict(totals.in_progress)
    for wip_key, days in capacity.latest.items():
        in_progress[wip_key] = _with(in_progress.get(wip_key, _ZERO), index, days)
    seen = {subject for _, _, subject in capacity.allocated}
    teams = {team for team, _, _ in capacity.allocated if team != ALL_TEAMS}
    return replace(
        totals,
        completed=completed,
        in_progress=in_progress,
        subjects=_ordered_subjects(set(totals.subjects) | seen),
        teams=tuple(sorted(set(totals.teams) | teams)),
    )


def _with(weights: Weights, index: int, amount: float) -> Weights:
    values = list(weights)
    values[index] = amount
    return (values[0], values[1], values[2], values[3])


def _add(groups: dict[_GroupKey, list[float]], key: _GroupKey, weights: Weights) -> None:
    found = groups.get(key)
    if found is None:
        groups[key] = list(weights)
    else:
        for index, weight in enumerate(weights):
            found[index] += weight


def _expand(
    groups: Mapping[_GroupKey, list[float]], windows: tuple[Window, ...]
) -> tuple[dict[tuple[str, str, SubjectKey], Weights], dict[tuple[str, SubjectKey], Weights]]:
    completed: dict[tuple[str, str, SubjectKey], Weights] = {}
    in_progress: dict[tuple[str, SubjectKey], Weights] = {}
    for (team, work_class, category, membership, wip), weights in groups.items():
        for who, subject in counted_under(team, work_class, category):
            for window, inside in zip(windows, membership, strict=True):
                if inside:
                    _sum_into(completed, (who, window.name, subject), weights)
            if wip:
                _sum_into(in_progress, (who, subject), weights)
    return completed, in_progress


def _sum_into(table: dict[_K, Weights], key: _K, weights: list[float]) -> None:
    old = table.get(key, _ZERO)
    table[key] = (
        old[0] + weights[0],
        old[1] + weights[1],
        old[2] + weights[2],
        old[3] + weights[3],
    )


def _ordered_subjects(seen: set[SubjectKey]) -> tuple[SubjectKey, ...]:
    ordered: list[SubjectKey] = []
    for work_class in CLASSES:
        ordered.append((work_class, ""))
        ordered.extend(sorted(s for s in seen if s[0] == work_class and s[1]))
    return tuple(ordered)
