"""``syncd rules diff``: what a new rule file would change, in decisions and in every share.

The shares are the analytics' own (``syncd.app.figures``, capacity from the stored histories
included) for the stored issues under the current rules and under the new ones, at one
instant: the "before" side is exactly what
``syncd report`` and ``/metrics`` show for a snapshot computed at that instant, in every
configured window and weighting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mappings import RuleDiff, RuleSet, diff_rule_sets
from syncd.analytics import AnalyticsConfig, ShareRow, resolve_windows
from syncd.analytics.capacity import work_reach
from syncd.analytics.history import WORK_FIELDS
from syncd.app.figures import Decisions, figures
from syncd.app.mapping_files import MappingFiles
from syncd.core.domain import FieldChange, Issue
from syncd.store import Store

__all__ = ["RulesPreview", "ShareChange", "preview_rules", "share_changes"]


@dataclass(frozen=True, slots=True)
class ShareChange:
    """How one share would move; ``None`` where a side has no classified work to share."""

    team: str
    window: str
    weighting: str
    work_class: str
    category: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float:
        """``after - before``, an absent share counting as 0."""
        return (self.after or 0.0) - (self.before or 0.0)


@dataclass(frozen=True, slots=True)
class RulesPreview:
    """A dry run of a rule change: the changed decisions and the shares on both sides."""

    decisions: RuleDiff
    before: tuple[ShareRow, ...]
    after: tuple[ShareRow, ...]

    @property
    def shares(self) -> tuple[ShareChange, ...]:
        """Every share that differs between the two sides."""
        return share_changes(self.before, self.after)


def preview_rules(
    store: Store,
    files: MappingFiles,
    new_rules: RuleSet,
    analytics: AnalyticsConfig,
    now: datetime,
) -> RulesPreview:
    """Decide the stored issues under the current and the *new_rules*; shares at *now*."""
    issues: list[Issue] = []
    histories: list[tuple[FieldChange, ...]] = []
    # Settled issues' histories are not replayed (``WorkLog.add``): they stay in the store.
    reach = work_reach(now, resolve_windows(analytics.windows, now))
    for issue, changes in store.iter_issue_histories(WORK_FIELDS, reach=reach):
        issues.append(issue)
        histories.append(changes)
    diff = diff_rule_sets(
        files.rule_set,
        new_rules,
        issues,
        store.iter_roadmap_items(),
        teams=files.teams,
        key_results=files.key_result_ids,
    )
    agreements = files.agreements.agreements if files.agreements is not None else ()

    def shares(decisions: Decisions) -> tuple[ShareRow, ...]:
        return figures(
            issues,
            decisions,
            files.teams,
            agreements=agreements,
            analytics=analytics,
            now=now,
            histories=histories,
        ).shares

    return RulesPreview(diff, shares(diff.before), shares(diff.after))


def share_changes(before: Iterable[ShareRow], after: Iterable[ShareRow]) -> tuple[ShareChange, ...]:
    """The shares that differ between two sets of rows, in a stable order."""
    old = {_subject(row): row.share for row in before}
    new = {_subject(row): row.share for row in after}
    changed = []
    for subject in sorted(set(old) | set(new)):
        was, now = old.get(subject), new.get(subject)
        if was != now and (was is None or now is None or abs(now - was) > 1e-12):
            changed.append(ShareChange(*subject, was, now))
    return tuple(changed)


def _subject(row: ShareRow) -> tuple[str, str, str, str, str]:
    return (row.team, row.window, row.weighting, row.work_class, row.category)
