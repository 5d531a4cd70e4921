"""Every figure as it stood at the end of a past day (``syncd report --as-of DATE``).

Each stored issue is rebuilt as it was at the end of the day from its kept history
(``syncd.analytics.history.issue_as_of``); issues created later are left out. They are decided
under the current rules and the snapshot is computed at the next midnight (UTC), with the
windows and the agreements in force then. Fields the history does not keep are taken as they
are now; issues deleted since are left out (the store keeps no deletion history).

``snapshot_as_of`` reads the store for one day; ``snapshot_at`` is the same computation over
issues already rebuilt for a moment, so that ``syncd backfill`` (``syncd.app.backfill``),
which advances day by day over histories read once, computes each day exactly as a report
does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from mappings import decide_all
from syncd.analytics import AnalyticsConfig, Snapshot
from syncd.analytics.history import issue_as_of
from syncd.app.days import end_of
from syncd.app.figures import Decisions, figures
from syncd.app.mapping_files import MappingFiles
from syncd.core.domain import FieldChange, Issue, KeyResult, RoadmapItem
from syncd.store import Store

__all__ = ["Decide", "StoredContext", "decide_now", "end_of", "snapshot_as_of", "snapshot_at"]


@dataclass(frozen=True, slots=True)
class StoredContext:
    """What the as-of figures read from the store besides the issues: the roadmap items
    (for inheritance) and the key results, as they are now."""

    roadmap_items: tuple[RoadmapItem, ...]
    key_results: tuple[KeyResult, ...]

    @classmethod
    def read(cls, store: Store) -> StoredContext:
        """The context as *store* holds it now."""
        return cls(tuple(store.iter_roadmap_items()), tuple(store.key_results()))


Decide = Callable[[Sequence[Issue], StoredContext, MappingFiles], Decisions]
"""Decides issues under the current mapping files, with the stored context."""


def decide_now(issues: Sequence[Issue], context: StoredContext, files: MappingFiles) -> Decisions:
    """Every issue decided afresh under the current rules (``mappings.decide_all``)."""
    return decide_all(
        issues, context.roadmap_items, files.rule_set, files.teams, files.key_result_ids
    )


def snapshot_as_of(
    store: Store, files: MappingFiles, analytics: AnalyticsConfig, day: date
) -> Snapshot:
    """The snapshot of the stored issues as they stood at the end of *day* (UTC)."""
    moment = end_of(day)
    issues: list[Issue] = []
    histories: list[tuple[FieldChange, ...]] = []
    for issue, changes in store.iter_issue_histories():
        then = issue_as_of(issue, changes, moment)
        if then is not None:
            issues.append(then)
            histories.append(changes)
    return snapshot_at(issues, histories, StoredContext.read(store), files, analytics, moment)


def snapshot_at(  # noqa: PLR0917 - the whole of one as-of computation's inputs
    issues: Sequence[Issue],
    histories: Sequence[Sequence[FieldChange]],
    context: StoredContext,
    files: MappingFiles,
    analytics: AnalyticsConfig,
    moment: datetime,
    decide: Decide = decide_now,
) -> Snapshot:
    """The snapshot of *issues* (already as they stood at *moment*, each with its whole kept
    history in *histories*, same order), decided by *decide* under the current rules, at
    *moment*."""
    decisions = decide(issues, context, files)
    return figures(
        issues,
        decisions,
        files.teams,
        agreements=files.agreements.agreements if files.agreements is not None else (),
        analytics=analytics,
        now=moment,
        histories=histories,
        key_results=context.key_results,
    )
