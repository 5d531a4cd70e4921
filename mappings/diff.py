"""Dry run of a rule change: which issues' decisions would change.

``diff_rule_sets(old, new, ...)`` decides the same issues under both rule sets;
``diff_decisions(before, after, ...)`` compares any two decision maps (e.g. the stored ones
against a fresh run). The diff keeps both decision maps, so the application can compute the
analytics' shares under each (``syncd.app.rules_preview``); the mapping layer computes no
share itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from mappings.inherit import decide_all
from mappings.rules.load import RuleSet
from mappings.teams import TeamConfig, team_of
from syncd.core.domain import Decision, Issue, RoadmapItem

__all__ = ["DecisionChange", "RuleDiff", "diff_decisions", "diff_rule_sets"]

_COMPARED = ("work_class", "category", "key_result")


@dataclass(frozen=True, slots=True)
class DecisionChange:
    """One issue whose work class, category or key result would change."""

    key: str
    team: str
    before: Decision | None
    after: Decision

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of the compared fields that differ."""
        if self.before is None:
            return _COMPARED
        return tuple(f for f in _COMPARED if getattr(self.before, f) != getattr(self.after, f))


@dataclass(frozen=True, slots=True)
class RuleDiff:
    """The outcome of a dry run: the changed decisions, and every decision on each side keyed
    by ``(source, issue id)``."""

    before_version: str
    after_version: str
    issues: int
    changes: tuple[DecisionChange, ...]
    before: Mapping[tuple[str, int], Decision] = field(default_factory=dict, repr=False)
    after: Mapping[tuple[str, int], Decision] = field(default_factory=dict, repr=False)

    def render(self, limit: int = 50) -> str:
        """A plain-text report: a summary and up to *limit* changed issues."""
        lines = [
            f"rules {self.before_version} → {self.after_version}: "
            f"{len(self.changes)} of {self.issues} issues would change"
        ]
        for change in self.changes[:limit]:
            lines.append(f"  {change.key} [{change.team}] {_describe(change)}")
        if len(self.changes) > limit:
            lines.append(f"  … and {len(self.changes) - limit} more")
        return "\n".join(lines)


def diff_rule_sets(
    before: RuleSet,
    after: RuleSet,
    issues: Iterable[Issue],
    roadmap_items: Iterable[RoadmapItem],
    *,
    teams: TeamConfig | None = None,
    key_results: Collection[str] | None = None,
) -> RuleDiff:
    """Decide *issues* under both rule sets and compare."""
    issues, roadmap_items = list(issues), list(roadmap_items)
    old = decide_all(issues, roadmap_items, before, teams, key_results)
    new = decide_all(issues, roadmap_items, after, teams, key_results)
    return diff_decisions(old, new, issues, teams=teams, versions=(before.version, after.version))


def diff_decisions(
    before: Mapping[tuple[str, int], Decision],
    after: Mapping[tuple[str, int], Decision],
    issues: Iterable[Issue],
    *,
    teams: TeamConfig | None = None,
    versions: tuple[str, str] = ("before", "after"),
) -> RuleDiff:
    """Compare two decision maps over *issues*, listing changed issues by source and key."""
    issues = list(issues)
    changes = []
    for issue in sorted(issues, key=lambda i: (i.source, i.key)):
        new = after.get((issue.source, issue.issue_id))
        old = before.get((issue.source, issue.issue_id))
        if new is not None and (old is None or _differs(old, new)):
            changes.append(DecisionChange(issue.key, team_of(issue, teams), old, new))
    return RuleDiff(*versions, len(issues), tuple(changes), before, after)


def _differs(old: Decision, new: Decision) -> bool:
    return any(getattr(old, f) != getattr(new, f) for f in _COMPARED)


def _describe(change: DecisionChange) -> str:
    parts = []
    for name in change.fields:
        old = getattr(change.before, name) if change.before is not None else None
        new = getattr(change.after, name)
        parts.append(f"{name} {_text(old)} → {_text(new)}")
    return "; ".join(parts) + f" (rule {change.after.rule_id})"


def _text(value: object) -> str:
    return "-" if value is None else str(value)
