"""The trend before syncd was installed: one as-of snapshot per step over a past range.

``plan_backfill`` checks a requested range (every problem at once, as a ``ConfigError``);
``backfill_snapshots`` yields the snapshot at the end of each step, computed exactly as
``syncd report --as-of`` computes one day (``syncd.app.as_of.snapshot_at``), but from the
stored histories read once: a ``HistoryReplay`` holds each issue with its history and
advances from step to step, rebuilding only the issues a change, a creation or a resolution
touched since the previous step. Memory is that of one as-of report, whatever the number of
steps; nothing of a past step is kept.

The range itself (its steps, default end and refusals) is ``syncd.app.backfill_range``.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from datetime import datetime

from mappings import Decider
from mappings.classify import Verdict
from syncd.analytics import AnalyticsConfig, Snapshot
from syncd.analytics.history import issue_as_of
from syncd.app.as_of import StoredContext, snapshot_at
from syncd.app.backfill_range import (
    LIVE_MARGIN,
    BackfillRange,
    default_last_day,
    plan_backfill,
)
from syncd.app.figures import Decisions
from syncd.app.mapping_files import MappingFiles
from syncd.core.domain import FieldChange, Issue
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

_INDEX_BITS = 24
"""Room for the issue index inside one packed replay event (16 million issues)."""


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
