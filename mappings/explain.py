"""``syncd explain KEY``: an issue's decision, the path it came through, and why.

The explanation names the rule that decided (and its conditions), the rule set version, each
step of the inheritance path with that step's own verdict, the issue's team and where it came
from, and the rules that nearly matched the issue: those that failed exactly one of their
top-level conditions, with the condition and the issue's actual value.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from mappings.classify import Verdict
from mappings.inherit import Decider
from mappings.rules.compile import CompiledRule
from mappings.rules.load import RuleSet
from mappings.teams import TeamConfig, team_source
from syncd.core.domain import Decision, Issue, RoadmapItem

__all__ = ["Explanation", "NearMiss", "Step", "explain", "explain_with"]

_NEAR_MISSES = 5


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A rule that failed exactly one top-level condition: which one, and the actual value."""

    rule_id: str
    position: int
    failed: str
    actual: str
    passed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """One node of the inheritance path and its own verdict (``None`` for a roadmap item)."""

    node: str
    verdict: Verdict | None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything ``syncd explain`` prints about one issue."""

    issue: Issue
    decision: Decision
    team: str | None
    team_source: str | None
    deciding_rule: CompiledRule | None
    deciding_conditions: tuple[str, ...]
    steps: tuple[Step, ...]
    near_misses: tuple[NearMiss, ...]

    def render(self) -> str:
        """The explanation as plain text, one fact per line."""
        d = self.decision
        lines = [
            f"{self.issue.key} ({self.issue.issue_type}, {self.issue.project}): "
            f"{d.work_class.value}"
            + (f" / {d.category}" if d.category else "")
            + (f", key result {d.key_result}" if d.key_result else ""),
            f"  reason:  {d.reason}",
            f"  rule:    {d.rule_id or '(none)'} in rule set {d.ruleset_version}",
            f"  path:    {' → '.join(d.path)}",
        ]
        if self.team is not None:
            lines.append(f"  team:    {self.team} (from {self.team_source})")
        if self.deciding_rule is not None:
            rule = self.deciding_rule.rule
            about = f" — {rule.description}" if rule.description else ""
            lines.append(f"  matched: {rule.id}{about}")
            lines.extend(f"           ✓ {text}" for text in self.deciding_conditions)
        if len(self.steps) > 1:
            lines.append("  own verdict at each step:")
            lines.extend(f"    {step.node}: {_verdict_text(step.verdict)}" for step in self.steps)
        if self.near_misses:
            lines.append("  nearly matched:")
        for miss in self.near_misses:
            lines.append(f"    {miss.rule_id} (rule {miss.position + 1}): ✗ {miss.failed}")
            lines.append(f"           actual: {miss.actual}")
        return "\n".join(lines)


def explain(
    key: str,
    issues: Iterable[Issue],
    roadmap_items: Iterable[RoadmapItem],
    rule_set: RuleSet,
    *,
    teams: TeamConfig | None = None,
    key_results: Collection[str] | None = None,
    source: str | None = None,
) -> Explanation:
    """Explain the decision for *key*; ``LookupError`` when no issue has that key."""
    decider = Decider(issues, roadmap_items, rule_set, teams, key_results)
    return explain_with(decider, key, teams, source)


def explain_with(
    decider: Decider, key: str, teams: TeamConfig | None = None, source: str | None = None
) -> Explanation:
    """Explain *key* with an existing ``Decider`` (reuse it to explain many issues)."""
    issue = decider.issue(key, source)
    if issue is None:
        raise LookupError(f"no issue with key {key}")
    decision = decider.decide(issue)
    steps = tuple(_step(decider, node, issue.source) for node in decision.path)
    deciding = _deciding_rule(decider.rule_set, decision.rule_id)
    deciding_conditions: tuple[str, ...] = ()
    if deciding is not None:
        deciding_conditions = tuple(c.description for c in deciding.checks) or ("always",)
    team, where = team_source(issue, teams) if teams is not None else (issue.team, "Team field")
    misses = _near_misses(decider, issue, decision.rule_id if len(steps) == 1 else None)
    return Explanation(issue, decision, team, where, deciding, deciding_conditions, steps, misses)


def _step(decider: Decider, node: str, source: str) -> Step:
    issue = decider.issue(node, source)
    return Step(node, decider.verdict(issue) if issue is not None else None)


def _deciding_rule(rule_set: RuleSet, rule_id: str | None) -> CompiledRule | None:
    if rule_id is None:
        return None
    try:
        return rule_set.rule(rule_id)
    except KeyError:
        return None


def _near_misses(decider: Decider, issue: Issue, winner: str | None) -> tuple[NearMiss, ...]:
    facts = decider.facts(issue)
    found = []
    for rule in decider.rule_set.rules:
        if rule.rule_id == winner:
            continue
        failed = [check for check in rule.checks if not check.test(facts)]
        if len(failed) != 1:
            continue
        passed = tuple(c.description for c in rule.checks if c is not failed[0])
        found.append(
            NearMiss(
                rule.rule_id, rule.position, failed[0].description, failed[0].actual(facts), passed
            )
        )
    found.sort(key=lambda miss: (-len(miss.passed), miss.position))
    return tuple(found[:_NEAR_MISSES])


def _verdict_text(verdict: Verdict | None) -> str:
    if verdict is None:
        return "roadmap item"
    if not verdict.matched:
        return "no rule matched"
    kind = "fallback rule" if verdict.fallback else "rule"
    category = f"/{verdict.category}" if verdict.category else ""
    return f"{kind} {verdict.rule_id} → {verdict.work_class.value}{category}"
