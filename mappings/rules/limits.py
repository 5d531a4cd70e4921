"""Bounds on what a rule set compiles to, checked before anything is compiled.

The YAML bounds (``syncd.core.yamlbounds``) already cap a rule file's expanded size; these
bound what the compiler builds from it, with a rule-set-level message at the rule where a
bound is passed: the number of conditions (each becomes a predicate run for every issue), the
number of summary-pattern conditions (each holds a compiled RE2 automaton of up to
``PATTERN_MEMORY_BYTES``), and how deeply ``all``/``any``/``not`` nest (the compiler, ``explain``
and the team check walk conditions recursively). The walk here is iterative.
"""

from __future__ import annotations

from collections.abc import Iterator

from mappings.rules.model import Condition, RuleFile
from syncd.core.errors import Problem
from syncd.core.yamlfile import LineIndex

__all__ = ["MAX_CONDITIONS", "MAX_NESTING", "MAX_PATTERN_CONDITIONS", "limit_problems"]

MAX_CONDITIONS = 20_000
MAX_PATTERN_CONDITIONS = 500
MAX_NESTING = 16


def limit_problems(parsed: RuleFile, index: LineIndex) -> list[Problem]:
    """The first bound *parsed* passes, placed at the rule that passes it (empty when none)."""
    conditions = patterns = 0
    for position, rule in enumerate(parsed.rules):
        here = ("rules", position)
        for condition, depth in _walk(rule.when):
            if depth > MAX_NESTING:
                message = f"conditions nest deeper than {MAX_NESTING} levels (the limit)"
                return [index.problem((*here, "when"), message)]
            conditions += _keys(condition)
            patterns += condition.summary_matches is not None
        if conditions > MAX_CONDITIONS:
            message = f"the rule set has more than {MAX_CONDITIONS:,} conditions by here"
            return [index.problem(here, f"{message} (the limit)")]
        if patterns > MAX_PATTERN_CONDITIONS:
            message = f"the rule set has more than {MAX_PATTERN_CONDITIONS:,} summary patterns"
            return [index.problem(here, f"{message} by here (the limit)")]
    return []


def _walk(root: Condition) -> Iterator[tuple[Condition, int]]:
    """Every condition under *root* (itself at depth 1), with its depth, without recursion."""
    stack = [(root, 1)]
    while stack:
        condition, depth = stack.pop()
        yield condition, depth
        nested = [*(condition.all_of or ()), *(condition.any_of or ())]
        if condition.not_ is not None:
            nested.append(condition.not_)
        stack.extend((inner, depth + 1) for inner in nested)


def _keys(condition: Condition) -> int:
    return sum(getattr(condition, name) is not None for name in type(condition).model_fields)
