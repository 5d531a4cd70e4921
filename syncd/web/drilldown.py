"""From a figure to the issues behind it: every stored issue, grouped by the figures it counts in.

A ``WorkIndex`` is built once per analytics snapshot, from the store's issues and current
decisions, with the analytics' own rules for what counts where
(``syncd.analytics.aggregate.completed_in`` and ``subject_of``, which the snapshot's figures
are summed with; ``syncd.analytics.capacity.WorkLog.issue_days`` for person-days). So the
weights a drill-down lists add up to the figure's numerator in the snapshot of the same
moment.

A ``Figure`` names one numerator: team (``all`` for the organisation), window, work class,
category (``""`` for the class as a whole) and weighting. ``WorkIndex.page`` sorts and slices
its issues; sorted orders are kept (a few dozen at most), so paging through is a slice.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import structlog

from mappings import TeamConfig, team_of
from syncd.analytics import ALL_TEAMS, WEIGHTINGS, Snapshot, Window, WorkItem
from syncd.analytics.aggregate import completed_in, subject_of
from syncd.analytics.capacity import IssueRef
from syncd.analytics.rows import counted_under
from syncd.core.domain import Decision, Issue, WorkClass

__all__ = ["SORTS", "Figure", "FigurePage", "Listed", "WorkIndex", "WorkIndexCache"]

SORTS: tuple[str, ...] = ("weight", "key", "summary", "type", "status", "resolved")
"""The columns a drill-down sorts by."""

_log = structlog.get_logger("syncd.web")
_KEPT_ORDERS = 64
_KEY = re.compile(r"^(.*?)-(\d+)$")


class Figure(NamedTuple):
    """One numerator of the snapshot: team, window, work class, category, weighting."""

    team: str
    window: str
    work_class: str
    category: str
    weighting: str


class Listed(NamedTuple):
    """One issue as the drill-down lists it, with its current decision and team."""

    source: str
    issue_id: int
    key: str
    summary: str
    issue_type: str
    status: str
    resolved: datetime | None
    team: str
    work_class: str
    category: str
    weights: tuple[float, float, float, float]
    rule_id: str | None
    path: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class FigurePage:
    """One page of a figure's issues, each with its weight in the figure.

    ``total`` is the sum of every listed issue's weight (all pages), ``count`` how many
    issues there are; ``page`` counts from 1 and ``pages`` is at least 1.
    """

    figure: Figure
    rows: tuple[tuple[Listed, float], ...]
    count: int
    total: float
    page: int
    pages: int
    sort: str
    descending: bool


_Group = tuple[str, str, str, str]
"""(team, window, work class, category)."""


class WorkIndex:
    """Every stored issue with its decision, and which figures count it (see the module)."""

    def __init__(
        self,
        listed: Sequence[Listed],
        groups: dict[_Group, list[int]],
        capacity: dict[_Group, dict[int, float]],
        windows: tuple[Window, ...],
    ) -> None:
        self._listed = listed
        self._groups = groups
        self._capacity = capacity
        self.windows = windows
        self._by_key = {(item.source, item.key): at for at, item in enumerate(listed)}
        self._key_orders = [_key_order(item.key) for item in listed]
        self._orders: OrderedDict[tuple[Figure, str, bool], list[int]] = OrderedDict()
        self._totals: dict[Figure, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def build(
        cls,
        issues: Iterable[tuple[Issue, Decision | None]],
        teams: TeamConfig | None,
        windows: tuple[Window, ...],
        people_days: Callable[[], dict[tuple[IssueRef, str, str], float]] | None = None,
    ) -> WorkIndex:
        """Index *issues* (each with its current decision; undecided ones are left out) over
        *windows*. *people_days*, called once *issues* are read, gives
        ``WorkLog.issue_days``' result when capacity is a weighting."""
        listed: list[Listed] = []
        groups: defaultdict[_Group, list[int]] = defaultdict(list)
        positions: dict[IssueRef, int] = {}
        for issue, decision in issues:
            if decision is None:
                continue
            team = team_of(issue, teams)
            item = WorkItem.of(issue, decision, team)
            work_class, category = subject_of(item)
            at = len(listed)
            positions[(issue.source, issue.issue_id)] = at
            listed.append(_listed(issue, decision, item, (work_class, category)))
            done = completed_in(item.state, windows)
            if done is None:
                continue
            for window, inside in zip(windows, done, strict=True):
                if inside:
                    for group in _groups_of(team, window.name, work_class, category):
                        groups[group].append(at)
        days = people_days() if people_days is not None else {}
        capacity = _capacity_groups(listed, positions, days)
        return cls(listed, dict(groups), capacity, windows)

    def __len__(self) -> int:
        return len(self._listed)

    def find(self, source: str, key: str) -> Listed | None:
        """The listed issue *key* of *source*, if stored and decided."""
        at = self._by_key.get((source, key))
        return None if at is None else self._listed[at]

    def person_days(self, item: Listed) -> dict[str, float]:
        """Person-days *item* took per window, whichever team it was in (empty without
        capacity, and for a window where it took none)."""
        at = self._by_key.get((item.source, item.key))
        found = {}
        for window in self.windows:
            group = (ALL_TEAMS, window.name, item.work_class, "")
            days = self._capacity.get(group, {}).get(at) if at is not None else None
            if days is not None:
                found[window.name] = days
        return found

    def weight(self, figure: Figure, at: int) -> float:
        """The weight of the issue at position *at* in *figure*."""
        return self._weigher(figure)(at)

    def _weigher(self, figure: Figure) -> Callable[[int], float]:
        if figure.weighting == "capacity":
            days = self._capacity.get(_group(figure), {})
            return lambda at: days.get(at, 0.0)
        index = WEIGHTINGS.index(figure.weighting)
        listed = self._listed
        return lambda at: listed[at].weights[index]

    def members(self, figure: Figure) -> list[int]:
        """Positions of the issues *figure* counts, in store order."""
        if figure.weighting == "capacity":
            return list(self._capacity.get(_group(figure), {}))
        return self._groups.get(_group(figure), [])

    def total(self, figure: Figure) -> float:
        """The sum of the weights of *figure*'s issues: the figure's numerator."""
        found = self._totals.get(figure)
        if found is None:
            weigh = self._weigher(figure)
            found = self._totals[figure] = sum(weigh(at) for at in self.members(figure))
        return found

    def page(
        self,
        figure: Figure,
        *,
        sort: str = "weight",
        descending: bool = True,
        page: int = 1,
        size: int = 100,
    ) -> FigurePage:
        """Page *page* (from 1, clamped) of *figure*'s issues sorted by *sort*.

        Raises ``ValueError`` for a sort column not in ``SORTS`` or a weighting not in
        ``WEIGHTINGS``.
        """
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        if figure.weighting not in WEIGHTINGS:
            raise ValueError(
                f"unknown weighting {figure.weighting!r}; use one of {', '.join(WEIGHTINGS)}"
            )
        order = self._ordered(figure, sort, descending)
        pages = max(1, -(-len(order) // size))
        page = min(max(page, 1), pages)
        chosen = order[(page - 1) * size : page * size]
        weigh = self._weigher(figure)
        rows = tuple((self._listed[at], weigh(at)) for at in chosen)
        return FigurePage(
            figure, rows, len(order), self.total(figure), page, pages, sort, descending
        )

    def unclassified(self, team: str | None = None) -> Iterator[Listed]:
        """Every unclassified issue (of *team*, when given), in store order."""
        unclassified = WorkClass.UNCLASSIFIED.value
        for item in self._listed:
            if item.work_class == unclassified and (team is None or item.team == team):
                yield item

    def _ordered(self, figure: Figure, sort: str, descending: bool) -> list[int]:
        wanted = (figure, sort, descending)
        with self._lock:
            found = self._orders.get(wanted)
            if found is not None:
                self._orders.move_to_end(wanted)
                return found
        key = self._sort_key(figure, sort)
        order = sorted(self.members(figure), key=key, reverse=descending)
        with self._lock:
            self._orders[wanted] = order
            while len(self._orders) > _KEPT_ORDERS:
                self._orders.popitem(last=False)
        return order

    def _sort_key(self, figure: Figure, sort: str) -> Callable[[int], Any]:
        listed, keys = self._listed, self._key_orders
        if sort == "weight":
            weigh = self._weigher(figure)
            return lambda at: (weigh(at), keys[at])
        if sort == "key":
            return keys.__getitem__
        if sort == "resolved":
            return lambda at: (listed[at].resolved is not None, listed[at].resolved or 0)
        column = {"summary": 3, "type": 4, "status": 5}[sort]
        return lambda at: (str(listed[at][column]).casefold(), keys[at])


class WorkIndexCache:
    """The ``WorkIndex`` of the current snapshot, rebuilt when the snapshot changes.

    *snapshot* returns the snapshot being served; *build* builds the index for it. A
    rebuild happens on ``warm()`` (the daemon calls it after each refresh) or on the first
    request after a new snapshot; requests meanwhile wait.
    """

    def __init__(
        self,
        snapshot: Callable[[], Snapshot | None],
        build: Callable[[Snapshot], WorkIndex],
    ) -> None:
        self._snapshot = snapshot
        self._build = build
        self._lock = threading.Lock()
        self._built: tuple[datetime, WorkIndex] | None = None

    def warm(self) -> None:
        """Build the current snapshot's index now, if it is not built yet. The daemon calls
        it after each refresh, so that no request waits for the build; a failure is logged
        and the next request tries again."""
        try:
            self.current()
        except Exception as error:  # the request path rebuilds and reports it
            _log.warning("drilldown_index_failed", error=type(error).__name__)

    def current(self) -> tuple[Snapshot, WorkIndex] | None:
        """The current snapshot and its index; ``None`` before the first snapshot."""
        snapshot = self._snapshot()
        if snapshot is None:
            return None
        with self._lock:
            if self._built is None or self._built[0] != snapshot.computed_at:
                started = time.perf_counter()
                self._built = (snapshot.computed_at, self._build(snapshot))
                _log.info(
                    "drilldown_index_built",
                    issues=len(self._built[1]),
                    seconds=round(time.perf_counter() - started, 3),
                )
            return snapshot, self._built[1]


def _listed(issue: Issue, decision: Decision, item: WorkItem, subject: tuple[str, str]) -> Listed:
    return Listed(
        issue.source,
        issue.issue_id,
        issue.key,
        issue.summary,
        issue.issue_type,
        issue.status,
        issue.resolved,
        item.team,
        *subject,
        item.state.weights,
        decision.rule_id,
        decision.path,
        decision.reason,
    )


def _groups_of(team: str, window: str, work_class: str, category: str) -> Iterator[_Group]:
    # The figures the aggregate counts the issue in (``counted_under``), in *window*.
    for who, (subject_class, subject_category) in counted_under(team, work_class, category):
        yield (who, window, subject_class, subject_category)


def _capacity_groups(
    listed: Sequence[Listed],
    positions: dict[IssueRef, int],
    people_days: dict[tuple[IssueRef, str, str], float],
) -> dict[_Group, dict[int, float]]:
    groups: defaultdict[_Group, dict[int, float]] = defaultdict(dict)
    for (ref, team, window), days in people_days.items():
        at = positions.get(ref)
        if at is None:
            continue
        item = listed[at]
        for group in _groups_of(team, window, item.work_class, item.category):
            members = groups[group]
            members[at] = members.get(at, 0.0) + days
    return dict(groups)


def _group(figure: Figure) -> _Group:
    return (figure.team, figure.window, figure.work_class, figure.category)


def _key_order(key: str) -> tuple[str, int, str]:
    matched = _KEY.match(key)
    if matched is None:
        return (key, 0, key)
    return (matched.group(1), int(matched.group(2)), key)
