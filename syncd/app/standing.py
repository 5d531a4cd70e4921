"""What a refresh knows of every stored issue, kept until the next refresh.

A service refreshes after every sync, and a sync usually writes a handful of issues. The
first refresh reads every stored issue; the next ones, as long as they decide under the same
inputs (the same mapping files, roadmap items and key results), read only what runs wrote
since (``Store.changed_after``: the issues written, those a census marked deleted and those
whose history a repair completed), re-decide those and whatever inherits from them
(``mappings.StandingDecider``), and write only their decisions. Each issue is held as the
analytics read it (its ``IssueState``, team and outcome) and, while its work can still count
in the capacity windows, with its history; the figures are then summed in the order a
refresh from scratch sums them, so both give the very same snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from mappings import StandingDecider, resolve_team
from syncd.analytics import IssueState, WorkItem
from syncd.analytics.capacity import IssueRef, Subject, WorkLog, settled
from syncd.analytics.integrity import IntegrityCheck, IntegrityReport
from syncd.analytics.rows import Window
from syncd.app.mapping_files import MappingFiles
from syncd.core.domain import Decision, FieldChange, Issue, KeyResult, RoadmapItem, WorkClass

__all__ = ["DecisionInputs", "Outcome", "StandingIssues"]

Outcome = tuple[WorkClass, str | None, str | None]
"""A decision as the analytics read it: work class, category, key result."""


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    """What every issue's decision and state depend on besides the issue itself."""

    files: MappingFiles
    roadmap_items: tuple[RoadmapItem, ...]
    key_results: tuple[KeyResult, ...]

    def same_as(self, other: DecisionInputs) -> bool:
        """Whether decisions made under *other* hold under these (the same mapping files as
        loaded, equal roadmap items and key results)."""
        return (
            self.files is other.files
            and self.roadmap_items == other.roadmap_items
            and self.key_results == other.key_results
        )


class StandingIssues:
    """Every live issue's state, team and decision outcome under fixed *inputs*, changed one
    issue at a time.

    ``put`` an issue (new or changed, with its kept changes when capacity is weighted) or
    ``drop`` one, then ``settle()`` re-decides what the changes reach; ``items()`` and
    ``work_log()`` give what ``compute_snapshot`` and the capacity weighting read, in the
    store's (source, issue id) order. ``after_run`` is the latest run whose writes are in.
    Issues are held with their histories only with *track_work* (the capacity weighting),
    and then only while their work can reach the windows.
    """

    def __init__(self, inputs: DecisionInputs, after_run: int, *, track_work: bool) -> None:
        files = inputs.files
        self.inputs = inputs
        self.after_run = after_run
        self.integrity = IntegrityCheck(inputs.roadmap_items, inputs.key_results)
        self._teams = files.teams
        self._measured = {k.field for k in inputs.key_results if k.field}
        self._decider: StandingDecider[IssueRef] = StandingDecider(
            inputs.roadmap_items,
            files.rule_set,
            files.teams,
            {k.key_result_id for k in inputs.key_results},
        )
        self._states: dict[IssueRef, IssueState] = {}
        self._team_of: dict[IssueRef, str] = {}
        self._outcomes: dict[IssueRef, Outcome] = {}
        self._shared: dict[Outcome, Outcome] = {}
        self._track_work = track_work
        self._working: dict[IssueRef, tuple[Issue, tuple[FieldChange, ...]]] = {}

    def __len__(self) -> int:
        return len(self._states)

    def put(
        self, issue: Issue, changes: tuple[FieldChange, ...] = (), reach: datetime | None = None
    ) -> None:
        """Hold *issue* (with its kept *changes*) in place of what it was; *reach* is the
        capacity weighting's ``work_reach`` now, before which a settled issue's work ends."""
        ref = (issue.source, issue.issue_id)
        team = resolve_team(issue, self._teams) if self._teams is not None else None
        self._decider.put(ref, issue, team)
        self.integrity.add_issue(issue)
        self._states[ref] = IssueState.of(issue, self._measured)
        self._team_of[ref] = team or issue.team or issue.project
        if self._track_work and (reach is None or not settled(issue, changes, reach)):
            self._working[ref] = (issue, changes)
        else:
            self._working.pop(ref, None)

    def drop(self, ref: IssueRef) -> None:
        """Let go of the issue *ref* (gone from its source)."""
        self._decider.drop(ref)
        self.integrity.drop(ref)
        for held in (self._states, self._team_of, self._outcomes, self._working):
            held.pop(ref, None)

    def settle(self) -> Iterator[Decision]:
        """The decisions that changes since the last ``settle`` may have changed, each issue's
        outcome kept as it goes (iterate to the end)."""
        for ref in sorted(self._decider.settle()):
            decision = self._decider.decide(ref)
            outcome = (decision.work_class, decision.category, decision.key_result)
            self._outcomes[ref] = self._shared.setdefault(outcome, outcome)
            self.integrity.add_decision(decision)
            yield decision

    def items(self) -> Iterator[WorkItem]:
        """Every held issue as the analytics see it, in (source, issue id) order."""
        for ref in sorted(self._states):
            yield WorkItem(self._states[ref], *self._outcomes[ref], self._team_of[ref])

    def report(self, today: datetime) -> IntegrityReport:
        """The integrity problems among the held issues and decisions on *today*'s date."""
        return self.integrity.report(today.date())

    def work_log(
        self, now: datetime, windows: tuple[Window, ...], team_at: Callable[[Issue], str]
    ) -> tuple[WorkLog, Callable[[int], Subject]]:
        """The work intervals at *now* of the issues whose work can reach *windows*, in
        (source, issue id) order, and the subject (decision) of each position of the log.

        An issue that is settled now (see ``WorkLog``) stays settled at every later refresh
        until it changes, so its history is let go of.
        """
        log = WorkLog(now, windows, team_at)
        order: list[IssueRef] = []
        for ref in sorted(self._working):
            issue, changes = self._working[ref]
            order.append(ref)
            if not log.add(issue, changes):
                del self._working[ref]
        return log, lambda position: _subject(self._outcomes[order[position]])


def _subject(outcome: Outcome) -> Subject:
    """An outcome as the capacity weighting's subject: (class, category)."""
    work_class, category, _ = outcome
    if work_class is WorkClass.UNCLASSIFIED:
        return (work_class.value, "")
    return (work_class.value, category or "")
