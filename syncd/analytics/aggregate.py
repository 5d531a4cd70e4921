"""One pass over the work items: completed work per team, window and subject, and work in
progress per team and subject, in every weighting at once; capacity's person-days join them
from ``syncd.analytics.capacity`` (``with_capacity``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple, TypeVar

from syncd.analytics.capacity import CapacityTotals
from syncd.analytics.items import WEIGHTINGS, IssueState, Weights, WorkItem
from syncd.analytics.rows import ALL_TEAMS, Window, counted_under
from syncd.core.domain import StatusCategory, WorkClass

__all__ = [
    "CLASSES",
    "UNCLASSIFIED",
    "RunningTotals",
    "SubjectKey",
    "Totals",
    "aggregate",
    "completed_in",
    "subject_named",
    "subject_of",
    "with_capacity",
]

SubjectKey = tuple[str, str]
"""A share subject: (work class, category); category ``""`` is the work class as a whole."""

CLASSES: tuple[str, ...] = (WorkClass.PRODUCT.value, WorkClass.TECHNOLOGY.value)
UNCLASSIFIED: SubjectKey = (WorkClass.UNCLASSIFIED.value, "")
_ZERO: Weights = (0.0, 0.0, 0.0, 0.0)
_EXACT = 1 << 1100
"""Running sums hold weights as integer multiples of ``1 / _EXACT``: every finite float is
one (a float is a multiple of 2**-1074), so they add and take away without rounding."""
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
    sums = _Sums()
    linked: defaultdict[str, list[WorkItem]] = defaultdict(list)
    for item in items:
        counted = _counted(item, windows)
        if counted is None:
            continue
        sums.add(counted, 1)
        if counted.key_result:
            linked[counted.key_result].append(item)
    return sums.totals(windows, {key: tuple(found) for key, found in linked.items()})


class RunningTotals:
    """The totals of items that come and change over time, kept current one item at a time.

    ``put`` counts an item under a reference, in place of what the reference counted before,
    with its window membership at the windows given; ``totals()`` equals ``aggregate`` over
    the items held (with each one's membership as last put). Sums are kept exact (fractions),
    so an amount that is counted and later taken away leaves nothing behind, and a total that
    comes back to nothing is missing, as ``aggregate`` leaves it.
    """

    def __init__(self) -> None:
        self._sums = _Sums(exact=True)
        self._held: dict[Hashable, _Counted] = {}
        self._linked: defaultdict[str, dict[Hashable, WorkItem]] = defaultdict(dict)

    def put(self, ref: Hashable, item: WorkItem, windows: tuple[Window, ...]) -> None:
        """Count *item* under *ref* as *windows* see it, in place of what *ref* counted."""
        counted = _counted(item, windows)
        if counted is None:
            self.drop(ref)
            return
        # Only an item in a group sums its weights: the others' need not be made exact, nor kept.
        weights = () if counted.group is None else tuple(_exact(w) for w in counted.weights)
        counted = counted._replace(weights=weights)
        if self._held.get(ref) == counted:
            # It adds what it added: only the item its key result lists (last, as a put
            # lists it) is the new one.
            if counted.key_result:
                linked = self._linked[counted.key_result]
                del linked[ref]
                linked[ref] = item
            return
        self.drop(ref)
        self._sums.add(counted, 1)
        self._held[ref] = counted
        if counted.key_result:
            self._linked[counted.key_result][ref] = item

    def drop(self, ref: Hashable) -> None:
        """Take away what *ref* counted (nothing happens when it counted nothing)."""
        before = self._held.pop(ref, None)
        if before is not None:
            self._sums.add(before, -1)
            if before.key_result:
                del self._linked[before.key_result][ref]

    def totals(self, windows: tuple[Window, ...]) -> Totals:
        """The totals of the items held; *windows* are those of the last ``put`` (their
        names and order never change)."""
        linked = {key: tuple(found.values()) for key, found in self._linked.items() if found}
        return self._sums.totals(windows, linked)


class _Counted(NamedTuple):
    """What one item adds to the totals: its group (``None`` when neither done in a window
    nor in progress), its weights, its subject and team, and the key result it is linked
    under when done."""

    group: _GroupKey | None
    weights: tuple[float, ...]
    subject: SubjectKey
    team: str
    key_result: str | None


def _counted(item: WorkItem, windows: tuple[Window, ...]) -> _Counted | None:
    if item.deleted:
        return None
    state = item.state
    work_class, category = subject_of(item)
    done = completed_in(state, windows)
    membership = (False,) * len(windows) if done is None else done
    wip = state.status_category is StatusCategory.IN_PROGRESS
    group = (item.team, work_class, category, membership, wip) if wip or any(membership) else None
    key_result = item.key_result if done is not None else None
    return _Counted(group, state.weights, (work_class, category), item.team, key_result)


class _Sums:
    """Weights per group, with how many items each holds, and the subjects and teams seen
    (counted, so that one no item holds any more is forgotten)."""

    def __init__(self, *, exact: bool = False) -> None:
        self._exact = exact
        self.groups: dict[_GroupKey, list[float]] = {}
        self._sizes: Counter[_GroupKey] = Counter()
        self._subjects: Counter[SubjectKey] = Counter()
        self._teams: Counter[str] = Counter()

    def add(self, counted: _Counted, sign: int) -> None:
        _count(self._subjects, counted.subject, sign)
        _count(self._teams, counted.team, sign)
        if counted.group is None:
            return
        _count(self._sizes, counted.group, sign)
        if not self._sizes[counted.group]:
            del self.groups[counted.group]
            return
        found = self.groups.setdefault(counted.group, [0, 0, 0, 0])
        for index, weight in enumerate(counted.weights):
            found[index] += weight if sign > 0 else -weight

    def totals(
        self, windows: tuple[Window, ...], linked: Mapping[str, tuple[WorkItem, ...]]
    ) -> Totals:
        groups = self.groups
        if self._exact:
            groups = {key: [amount / _EXACT for amount in sums] for key, sums in groups.items()}
        completed, in_progress = _expand(groups, windows)
        return Totals(
            completed=completed,
            in_progress=in_progress,
            subjects=_ordered_subjects(set(self._subjects)),
            teams=tuple(sorted(self._teams)),
            linked=linked,
        )


def _exact(weight: float) -> int:
    numerator, denominator = weight.as_integer_ratio()
    return numerator * (_EXACT // denominator)


def _count(counter: Counter[_K], key: _K, sign: int) -> None:
    counter[key] += sign
    if not counter[key]:
        del counter[key]


def subject_of(item: WorkItem) -> SubjectKey:
    """The (work class, category) *item* counts under; an unclassified item has no category."""
    return subject_named(item.work_class, item.category)


def subject_named(work_class: WorkClass, category: str | None) -> SubjectKey:
    """The (work class, category) a decision of *work_class* and *category* counts under,
    in the totals and in the capacity weighting alike."""
    if work_class is WorkClass.UNCLASSIFIED:
        return UNCLASSIFIED
    return (work_class.value, category or "")


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
