"""An issue's own decision: the first rule whose condition holds, or a normal ``unclassified``.

This looks at the issue alone; ``mappings.inherit`` combines it with what the issue inherits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from mappings.facts import Facts
from mappings.rules.compile import CompiledRule
from mappings.rules.load import RuleSet
from syncd.core.domain import WorkClass

__all__ = ["Verdict", "classify", "first_match"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The own decision of one issue, before inheritance.

    ``rule_id`` is ``None`` when no rule matched. ``key_result_from_label`` is true when the
    key result came from the issue's own ``kr:`` label (an explicit choice on the issue).
    """

    work_class: WorkClass
    category: str | None
    key_result: str | None
    rule_id: str | None
    fallback: bool
    key_result_from_label: bool
    notes: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """True when a rule matched."""
        return self.rule_id is not None


def first_match(facts: Facts, rule_set: RuleSet) -> CompiledRule | None:
    """The first rule whose condition holds for *facts* (first match wins), or ``None``."""
    for rule in rule_set.candidates(facts.labels):
        if rule.matches(facts):
            return rule
    return None


def classify(
    facts: Facts, rule_set: RuleSet, key_results: Collection[str] | None = None
) -> Verdict:
    """The own verdict of the issue behind *facts* under *rule_set*.

    The key result is the matching rule's, else the first ``kr:`` label's. With
    *key_results* given, an unknown key result is kept and a note says it is unknown.
    """
    rule = first_match(facts, rule_set)
    label_result = facts.key_result_labels[0] if facts.key_result_labels else None
    if rule is None:
        return Verdict(
            WorkClass.UNCLASSIFIED,
            None,
            label_result,
            None,
            False,
            label_result is not None,
            _unknown(label_result, key_results),
        )
    action = rule.rule.then
    key_result = action.key_result or label_result
    return Verdict(
        WorkClass(action.work_class),
        action.category,
        key_result,
        rule.rule_id,
        rule.rule.fallback,
        action.key_result is None and label_result is not None,
        _unknown(key_result, key_results),
    )


def _unknown(key_result: str | None, known: Collection[str] | None) -> tuple[str, ...]:
    if key_result is None or known is None or key_result in known:
        return ()
    return (f"key result {key_result} is not a known key result",)
