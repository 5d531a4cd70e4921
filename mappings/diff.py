"""Dry run of a rule change: which issues would change, and how the shares would move.

``diff_rule_sets(old, new, ...)`` decides the same issues under both rule sets;
``diff_decisions(before, after, ...)`` compares any two decision maps (e.g. the stored ones
against a fresh run), so ``syncd rules diff`` is one call either way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from mappings.inherit import decide_all
from mappings.rules.load import RuleSet
from mappings.shares import ShareKey, share_table, standard_windows
from mappings.teams import TeamConfig, resolve_team
from syncd.core.domain import Decision, Issue, RoadmapItem

__all__ = ["DecisionChange", "RuleDiff", "ShareChange", "diff_decisions", "diff_rule_sets"]

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
class ShareChange:
    """How one share would move: ``(team, window, work_class, category)`` and both values."""

    team: str
    window: str
    work_class: str
    category: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        """``after - before``."""
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class RuleDiff:
    """The outcome of a dry run: changed decisions and changed shares."""

    before_version: str
    after_version: str
    issues: int
    changes: tuple[DecisionChange, ...]
    shares: tuple[ShareChange, ...]

    def render(self, limit: int = 50) -> str:
        """A plain-text report: a summary, up to *limit* changed issues, every share change."""
        lines = [
            f"rules {self.before_version} → {self.after_version}: "
            f"{len(self.changes)} of {self.issues} issues would change"
        ]
        for change in self.changes[:limit]:
            lines.append(f"  {change.key} [{change.team}] {_describe(change)}")
        if len(self.changes) > limit:
            lines.append(f"  … and {len(self.changes) - limit} more")
        if self.shares:
            lines.append("share changes (issue count, completed work):")
        for share in self.shares:
            subject = share.work_class + (f"/{share.category}" if share.category else "")
            lines.append(
                f"  {share.team:<12} {share.window:<8} {subject:<24} "
                f"{share.before:6.1%} → {share.after:6.1%} ({share.delta:+.1%})"
            )
        return "\n".join(lines)


def diff_rule_sets(
    before: RuleSet,
    after: RuleSet,
    issues: Iterable[Issue],
    roadmap_items: Iterable[RoadmapItem],
    today: date,
    *,
    teams: TeamConfig | None = None,
    key_results: Collection[str] | None = None,
) -> RuleDiff:
    """Decide *issues* under both rule sets and compare (windows end with *today*)."""
    issues, roadmap_items = list(issues), list(roadmap_items)
    old = decide_all(issues, roadmap_items, before, teams, key_results)
    new = decide_all(issues, roadmap_items, after, teams, key_results)
    return diff_decisions(
        old, new, issues, today, teams=teams, versions=(before.version, after.version)
    )


def diff_decisions(
    before: Mapping[tuple[str, int], Decision],
    after: Mapping[tuple[str, int], Decision],
    issues: Iterable[Issue],
    today: date,
    *,
    teams: TeamConfig | None = None,
    versions: tuple[str, str] = ("before", "after"),
) -> RuleDiff:
    """Compare two decision maps over *issues*; shares use rolling 30/90 days and the quarter."""
    issues = list(issues)
    team_of = _team_function(teams)
    changes = []
    for issue in sorted(issues, key=lambda i: (i.source, i.key)):
        new = after.get((issue.source, issue.issue_id))
        old = before.get((issue.source, issue.issue_id))
        if new is not None and (old is None or _differs(old, new)):
            changes.append(DecisionChange(issue.key, team_of(issue), old, new))
    windows = standard_windows(today)
    old_shares = share_table(before, issues, team_of, windows)
    new_shares = share_table(after, issues, team_of, windows)
    return RuleDiff(*versions, len(issues), tuple(changes), _share_changes(old_shares, new_shares))


def _team_function(teams: TeamConfig | None) -> Callable[[Issue], str]:
    if teams is None:
        return lambda issue: issue.team or issue.project
    return lambda issue: resolve_team(issue, teams)


def _differs(old: Decision, new: Decision) -> bool:
    return any(getattr(old, f) != getattr(new, f) for f in _COMPARED)


def _share_changes(
    old: Mapping[ShareKey, float], new: Mapping[ShareKey, float]
) -> tuple[ShareChange, ...]:
    changed = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, 0.0), new.get(key, 0.0)
        if abs(after - before) > 1e-12:
            changed.append(ShareChange(*key, before, after))
    return tuple(changed)


def _describe(change: DecisionChange) -> str:
    parts = []
    for name in change.fields:
        old = getattr(change.before, name) if change.before is not None else None
        new = getattr(change.after, name)
        parts.append(f"{name} {_text(old)} → {_text(new)}")
    return "; ".join(parts) + f" (rule {change.after.rule_id})"


def _text(value: object) -> str:
    return "-" if value is None else str(value)
