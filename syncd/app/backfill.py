"""The trend before syncd was installed: one as-of snapshot per step over a past range.

``plan_backfill`` checks a requested range (every problem at once, as a ``ConfigError``);
``backfill_snapshots`` yields the snapshot at the end of each step, computed exactly as
``syncd report --as-of`` computes one day (``syncd.app.as_of.snapshot_at``), but from the
stored histories read once: a ``HistoryReplay`` holds each issue with its history and
advances from step to step, rebuilding only the issues a change, a creation or a resolution
touched since the previous step. Memory is that of one as-of report, whatever the number of
steps; nothing of a past step is kept.

The range stops before the period Prometheus is still writing: the head block holds about
the last three hours of samples, and ``promtool tsdb create-blocks-from`` blocks must not
overlap it (Prometheus's own backfilling advice), so the last step must end at least
``LIVE_MARGIN`` before now.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from mappings import Decider
from mappings.classify import Verdict
from syncd.analytics import AnalyticsConfig, Snapshot
from syncd.analytics.history import issue_as_of
from syncd.app.as_of import StoredContext, end_of, snapshot_at
from syncd.app.figures import Decisions
from syncd.app.mapping_files import MappingFiles
from syncd.core.domain import FieldChange, Issue
from syncd.core.errors import ConfigError, Problem
from syncd.store import Store

__all__ = [
    "LIVE_MARGIN",
    "BackfillRange",
    "HistoryReplay",
    "VerdictMemory",
    "backfill_snapshots",
    "default_last_day",
    "plan_backfill",
]

LIVE_MARGIN = timedelta(hours=3)
"""How far before now the last backfilled step must end: Prometheus's head block (the
samples it is still writing) spans up to about three hours."""

_INDEX_BITS = 24
"""Room for the issue index inside one packed replay event (16 million issues)."""


@dataclass(frozen=True, slots=True)
class BackfillRange:
    """Steps of *step* from the start of *first* to the end of *last* (UTC days).

    The snapshot of a step stands at the step's end; the last step ends at or before the end
    of *last* (a step that does not divide the range leaves the rest out).
    """

    first: date
    last: date
    step: timedelta

    @property
    def start(self) -> datetime:
        """The instant the first step begins: *first*'s midnight."""
        return datetime.combine(self.first, time(), tzinfo=UTC)

    def __len__(self) -> int:
        return int((end_of(self.last) - self.start) / self.step)

    def moments(self) -> Iterator[datetime]:
        """The end of every step, oldest first."""
        for count in range(1, len(self) + 1):
            yield self.start + count * self.step


def default_last_day(now: datetime) -> date:
    """The latest day that ends at least ``LIVE_MARGIN`` before *now*."""
    return (now - LIVE_MARGIN).date() - timedelta(days=1)


def plan_backfill(
    first: date, last: date | None, step: timedelta, now: datetime, stored_issues: int
) -> BackfillRange:
    """The range to backfill; ``ConfigError`` listing every problem with the range.

    *last* defaults to ``default_last_day(now)``. Refused: *first* after *last*; a range
    ending less than ``LIVE_MARGIN`` before *now* (Prometheus is still writing that period);
    a step that is not a positive whole number of minutes or is longer than the range; a
    store with no issues (nothing to rebuild the past from).
    """
    last = default_last_day(now) if last is None else last
    problems: list[Problem] = []

    def refuse(where: str, message: str) -> None:
        problems.append(Problem("backfill", where, message))

    if first > last:
        refuse("--from", f"{first} is after --to {last}")
    if end_of(last) > now - LIVE_MARGIN:
        latest = default_last_day(now)
        refuse(
            "--to",
            f"{last} overlaps the live period: Prometheus is still writing the last "
            f"{LIVE_MARGIN.total_seconds() / 3600:g} hours; the latest day allowed now is "
            f"{latest}",
        )
    minutes = step / timedelta(minutes=1)
    if minutes <= 0 or minutes != int(minutes):
        refuse("--step", f"{step} is not a positive whole number of minutes")
    elif first <= last and step > end_of(last) - datetime.combine(first, time(), tzinfo=UTC):
        refuse("--step", f"{step} is longer than the range {first}..{last}")
    if stored_issues == 0:
        refuse("store", "holds no issues: sync Jira first (`syncd sync --once`)")
    if problems:
        raise ConfigError("cannot backfill this range", problems)
    return BackfillRange(first, last, step)


class HistoryReplay:
    """Every stored issue with its history, rebuilt as it stood at moments that only advance.

    ``advance(moment)`` rebuilds (with ``issue_as_of``) only the issues whose creation, a
    resolution or a kept change falls after the previous moment and at or before *moment*;
    ``present()`` lists the issues that existed then, each with its whole history. The
    rebuilt issues equal ``issue_as_of`` at *moment* in every field the figures read (an
    issue's ``updated`` time, which none reads, may stand at an earlier step).
    """

    def __init__(self, stored: Iterator[tuple[Issue, tuple[FieldChange, ...]]]) -> None:
        self._issues: list[Issue] = []
        self._histories: list[tuple[FieldChange, ...]] = []
        packed: list[int] = []
        for index, (issue, changes) in enumerate(stored):
            self._issues.append(issue)
            self._histories.append(changes)
            times = {issue.created, *(change.changed_at for change in changes)}
            if issue.resolved is not None:
                times.add(issue.resolved)
            packed.extend(_packed(moment, index) for moment in times)
        packed.sort()
        # One machine word per event instead of a tuple of objects: a few MB for millions.
        self._events = array("q", packed)
        del packed
        self._next = 0
        self._states: list[Issue | None] = [None] * len(self._issues)
        self._moment: datetime | None = None

    def __len__(self) -> int:
        return len(self._issues)

    def advance(self, moment: datetime) -> None:
        """Bring every issue to *moment* (not before the previous one)."""
        if self._moment is not None and moment < self._moment:
            raise ValueError(f"the replay stands at {self._moment}; it cannot go back to {moment}")
        self._moment = moment
        limit = (math.floor(moment.timestamp()) + 1) << _INDEX_BITS
        mask = (1 << _INDEX_BITS) - 1
        events, position = self._events, self._next
        touched: set[int] = set()
        while position < len(events) and events[position] < limit:
            touched.add(events[position] & mask)
            position += 1
        self._next = position
        for index in touched:
            self._states[index] = issue_as_of(self._issues[index], self._histories[index], moment)

    def present(self) -> tuple[list[Issue], list[tuple[FieldChange, ...]]]:
        """The issues that existed at the current moment, as they stood, with their histories."""
        issues: list[Issue] = []
        histories: list[tuple[FieldChange, ...]] = []
        for state, changes in zip(self._states, self._histories, strict=True):
            if state is not None:
                issues.append(state)
                histories.append(changes)
        return issues, histories


def backfill_snapshots(
    store: Store, files: MappingFiles, analytics: AnalyticsConfig, span: BackfillRange
) -> Iterator[Snapshot]:
    """The snapshot at the end of each step of *span*, oldest first, as ``syncd report
    --as-of`` computes it; the store is read once, before the first step."""
    replay = HistoryReplay(store.iter_issue_histories())
    context = StoredContext.read(store)
    verdicts = VerdictMemory()
    for moment in span.moments():
        replay.advance(moment)
        issues, histories = replay.present()
        yield snapshot_at(issues, histories, context, files, analytics, moment, verdicts.decide)


class VerdictMemory:
    """Own verdicts remembered from step to step, for the issues the replay left unchanged.

    An issue's own verdict depends only on the issue and the (unchanging) rules, roadmap and
    teams; the replay hands back the very same ``Issue`` object while nothing of it changed,
    so a verdict is reused only for that object (identity, not equality, so a rebuilt issue
    is always classified afresh). Inheritance is resolved afresh at every step.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], tuple[Issue, Verdict]] = {}

    def decide(
        self, issues: Sequence[Issue], context: StoredContext, files: MappingFiles
    ) -> Decisions:
        """Every issue decided under the current rules, as ``mappings.decide_all`` would."""
        decider = _RememberingDecider(issues, context, files, self._known)
        return decider.decide_all()


class _RememberingDecider(Decider):
    def __init__(
        self,
        issues: Sequence[Issue],
        context: StoredContext,
        files: MappingFiles,
        known: dict[tuple[str, int], tuple[Issue, Verdict]],
    ) -> None:
        super().__init__(
            issues, context.roadmap_items, files.rule_set, files.teams, files.key_result_ids
        )
        self._known = known

    def verdict(self, issue: Issue, team: str | None = None) -> Verdict:
        identity = (issue.source, issue.issue_id)
        found = self._known.get(identity)
        if team is None and found is not None and found[0] is issue:
            return found[1]
        verdict = super().verdict(issue, team)
        if team is None:
            self._known[identity] = (issue, verdict)
        return verdict


def _packed(moment: datetime, index: int) -> int:
    # An event counts at every moment at or after it; whole seconds rounded up keep that
    # true for moments on whole seconds, which every step's end is.
    return math.ceil(moment.timestamp()) << _INDEX_BITS | index
