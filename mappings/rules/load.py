"""Loading and checking rule files: ``load_rule_set``, ``parse_rule_set``, ``check_rule_file``.

A rule set is validated as a whole (schema, repeated ids, undeclared categories, rules that can
never match, unknown key results, the bounds of ``mappings.rules.limits``) and every problem is
reported with its line. Its
``version`` is the content hash of the parsed file, so reformatting or comments do not change it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from mappings._files import content_version, parse_model, read_text
from mappings.rules.compile import CompiledRule, compile_rule
from mappings.rules.limits import limit_problems
from mappings.rules.model import Condition, Rule, RuleFile, Settings
from syncd.core.errors import Problem, RuleSetError
from syncd.core.yamlfile import LineIndex

__all__ = ["RuleSet", "check_rule_file", "check_rule_text", "load_rule_set", "parse_rule_set"]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A validated, compiled rule set; ``version`` is its content hash."""

    name: str
    version: str
    settings: Settings
    rules: tuple[CompiledRule, ...]
    categories: dict[str, tuple[str, ...]] | None
    filename: str
    uses_team: bool = True
    _gated: dict[frozenset[str], tuple[CompiledRule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def candidates(self, labels: frozenset[str]) -> tuple[CompiledRule, ...]:
        """The rules an issue with (case-folded) *labels* can still match, in order.

        Label sets repeat across issues, so each distinct one is worked out once; rules whose
        ``label_gate`` the labels miss are skipped without running their predicates.
        """
        found = self._gated.get(labels)
        if found is None:
            found = tuple(
                r for r in self.rules if r.label_gate is None or not r.label_gate.isdisjoint(labels)
            )
            self._gated[labels] = found
        return found

    def rule(self, rule_id: str) -> CompiledRule:
        """The compiled rule with *rule_id*; ``KeyError`` when there is none."""
        for rule in self.rules:
            if rule.rule_id == rule_id:
                return rule
        raise KeyError(rule_id)


def load_rule_set(path: Path, key_results: Collection[str] | None = None) -> RuleSet:
    """Read, validate and compile the rule file at *path*; ``RuleSetError`` lists every problem.

    With *key_results* (the known key result ids), a rule naming an unknown one is a problem.
    """
    return parse_rule_set(read_text(path), str(path), key_results)


def parse_rule_set(
    text: str, filename: str = "<rules>", key_results: Collection[str] | None = None
) -> RuleSet:
    """Validate and compile rule-file *text*; ``RuleSetError`` lists every problem with its line."""
    rule_set, problems = _parse(text, filename, key_results)
    if rule_set is None:
        raise RuleSetError(f"{filename}: the rule set is invalid", problems)
    return rule_set


def check_rule_file(path: Path, key_results: Collection[str] | None = None) -> list[Problem]:
    """Every problem in the rule file at *path*, each with its line (empty when it is valid)."""
    try:
        text = read_text(path)
    except RuleSetError as error:
        return list(error.problems)
    return check_rule_text(text, str(path), key_results)


def check_rule_text(
    text: str, filename: str = "<rules>", key_results: Collection[str] | None = None
) -> list[Problem]:
    """Every problem in rule-file *text*, each with its line."""
    return _parse(text, filename, key_results)[1]


def _parse(
    text: str, filename: str, key_results: Collection[str] | None
) -> tuple[RuleSet | None, list[Problem]]:
    parsed, data, index, problems = parse_model(text, filename, RuleFile)
    if parsed is None:
        return None, problems
    problems = limit_problems(parsed, index) + _cross_checks(parsed, index, key_results)
    if problems:
        return None, problems
    rules = tuple(compile_rule(rule, position) for position, rule in enumerate(parsed.rules))
    categories = (
        {str(work_class): tuple(names) for work_class, names in parsed.categories.items()}
        if parsed.categories is not None
        else None
    )
    version = content_version(data)
    uses_team = any(_tests_team(rule.when) for rule in parsed.rules)
    rule_set = RuleSet(
        parsed.name, version, parsed.settings, rules, categories, filename, uses_team
    )
    return rule_set, []


def _tests_team(condition: Condition) -> bool:
    """True when *condition* (at any depth) tests the issue's team, which costs a resolution."""
    nested = [*(condition.all_of or ()), *(condition.any_of or ())]
    if condition.not_ is not None:
        nested.append(condition.not_)
    return condition.team is not None or any(_tests_team(inner) for inner in nested)


def _cross_checks(
    parsed: RuleFile, index: LineIndex, key_results: Collection[str] | None
) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    catch_all: str | None = None
    for position, rule in enumerate(parsed.rules):
        here = ("rules", position)
        if rule.id in seen:
            message = f"rule id {rule.id!r} is repeated (first at rules[{seen[rule.id]}])"
            problems.append(index.problem((*here, "id"), message))
        seen.setdefault(rule.id, position)
        if catch_all is not None:
            message = f"rule {rule.id!r} can never match: rule {catch_all!r} above matches all"
            problems.append(index.problem(here, message))
        if _matches_everything(rule):
            catch_all = catch_all or rule.id
        problems.extend(_action_problems(parsed, position, index, key_results))
        if rule.when.key_result_label is not None and not parsed.settings.key_result_label_prefix:
            message = "key_result_label needs settings.key_result_label_prefix"
            problems.append(index.problem((*here, "when", "key_result_label"), message))
    return problems


def _matches_everything(rule: Rule) -> bool:
    return all(getattr(rule.when, name) is None for name in type(rule.when).model_fields)


def _action_problems(
    parsed: RuleFile, position: int, index: LineIndex, key_results: Collection[str] | None
) -> list[Problem]:
    action = parsed.rules[position].then
    here = ("rules", position, "then")
    problems = []
    if action.category is not None and parsed.categories is not None:
        allowed = parsed.categories.get(action.work_class) or ()
        if action.category not in allowed:
            listed = ", ".join(allowed) or "none"
            message = (
                f"category {action.category!r} is not declared for {action.work_class} "
                f"(declared: {listed})"
            )
            problems.append(index.problem((*here, "category"), message))
    unknown = action.key_result is not None and action.key_result not in (key_results or ())
    if key_results is not None and unknown:
        message = f"key result {action.key_result!r} is not in the OKR file"
        problems.append(index.problem((*here, "key_result"), message))
    return problems
