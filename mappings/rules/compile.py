"""Conditions compiled once into predicates over ``Facts``: closures over precomputed sets.

A rule's ``when`` becomes a tuple of ``Check``s (its top-level conditions, each with a
readable description and a way to show the issue's actual value) and one combined predicate.
Classification calls only the combined predicate; ``explain`` evaluates the checks one by one
to say which conditions of a nearly matching rule failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mappings.facts import Facts
from mappings.rules.model import Condition, CustomMatch, RoadmapMatch, Rule, SetMatch
from mappings.rules.patterns import compile_patterns

__all__ = ["Check", "CompiledRule", "Predicate", "compile_condition", "compile_rule"]

Predicate = Callable[[Facts], bool]


@dataclass(frozen=True, slots=True)
class Check:
    """One top-level condition of a rule: what it requires, and how to test and show it."""

    description: str
    test: Predicate
    actual: Callable[[Facts], str]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to run: ``matches`` is the whole ``when``; ``checks`` its top-level parts.

    ``label_gate`` (from a top-level ``labels: {any: ...}``) is a necessary condition: an issue
    with none of these labels cannot match, so whole groups of rules are skipped per label set.
    """

    rule: Rule
    position: int
    checks: tuple[Check, ...]
    matches: Predicate
    label_gate: frozenset[str] | None = None

    @property
    def rule_id(self) -> str:
        """The rule's id."""
        return self.rule.id


def compile_rule(rule: Rule, position: int) -> CompiledRule:
    """Compile *rule* (at *position* in its file, 0-based) once."""
    checks = tuple(compile_condition(rule.when))
    labels = rule.when.labels
    gate = frozenset(v.casefold() for v in labels.any_of) if labels and labels.any_of else None
    return CompiledRule(rule, position, checks, _all_of([c.test for c in checks]), gate)


def compile_condition(condition: Condition) -> Iterator[Check]:
    """The checks of *condition*'s keys (an implicit ``all``), in a stable order."""
    for name in type(condition).model_fields:
        value = getattr(condition, name)
        if value is not None:
            yield from _COMPILERS[name](value)


def _all_of(tests: list[Predicate]) -> Predicate:
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda facts: first(facts) and second(facts)
    frozen = tuple(tests)

    def test(facts: Facts) -> bool:
        return all(part(facts) for part in frozen)

    return test


def _any_of(tests: list[Predicate]) -> Predicate:
    # specialised for the common small groups: a generator per call costs more than the tests
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda facts: first(facts) or second(facts)
    frozen = tuple(tests)
    return lambda facts: any(part(facts) for part in frozen)


def _always(facts: Facts) -> bool:
    return True


def _nested(condition: Condition) -> Check:
    checks = list(compile_condition(condition))
    text = "; ".join(check.description for check in checks) or "always"
    return Check(text, _all_of([c.test for c in checks]), _nested_actual(checks))


def _nested_actual(checks: list[Check]) -> Callable[[Facts], str]:
    return lambda facts: "; ".join(dict.fromkeys(check.actual(facts) for check in checks))


def _group_all(conditions: tuple[Condition, ...]) -> Iterator[Check]:
    parts = [_nested(condition) for condition in conditions]
    text = "all of (" + " | ".join(part.description for part in parts) + ")"
    yield Check(text, _all_of([p.test for p in parts]), _nested_actual(parts))


def _group_any(conditions: tuple[Condition, ...]) -> Iterator[Check]:
    parts = [_nested(condition) for condition in conditions]
    test = _any_of([part.test for part in parts])
    text = "any of (" + " | ".join(part.description for part in parts) + ")"
    yield Check(text, test, _nested_actual(parts))


def _negation(condition: Condition) -> Iterator[Check]:
    inner = _nested(condition)
    yield Check(f"not ({inner.description})", lambda f: not inner.test(f), inner.actual)


def _in_set(
    name: str, values: tuple[str, ...], read: Callable[[Facts], str | None], fold: bool = True
) -> Iterator[Check]:
    wanted = frozenset(v.casefold() if fold else v.upper() for v in values)
    yield Check(
        f"{name} is {_listed(values)}",
        lambda facts: read(facts) in wanted,
        lambda facts: f"{name} is {read(facts) or '(none)'}",
    )


def _set_checks(name: str, read: Callable[[Facts], frozenset[str]]) -> Callable[..., Any]:
    def compile_set(match: SetMatch) -> Iterator[Check]:
        def actual(facts: Facts) -> str:
            return f"{name}: {', '.join(sorted(read(facts))) or '(none)'}"

        if match.any_of:
            anys = frozenset(v.casefold() for v in match.any_of)
            text = f"{name} include any of {_listed(match.any_of)}"
            yield Check(text, lambda f: not anys.isdisjoint(read(f)), actual)
        if match.all_of:
            alls = frozenset(v.casefold() for v in match.all_of)
            text = f"{name} include all of {_listed(match.all_of)}"
            yield Check(text, lambda f: alls <= read(f), actual)
        if match.none_of:
            nones = frozenset(v.casefold() for v in match.none_of)
            text = f"{name} include none of {_listed(match.none_of)}"
            yield Check(text, lambda f: nones.isdisjoint(read(f)), actual)

    return compile_set


def _presence(name: str, read: Callable[[Facts], str | None]) -> Callable[[bool], Iterator[Check]]:
    def compile_presence(wanted: bool) -> Iterator[Check]:
        text = f"{'has' if wanted else 'has no'} {name}"
        yield Check(
            text,
            lambda facts: (read(facts) is not None) == wanted,
            lambda facts: f"{name} is {read(facts) or '(none)'}",
        )

    return compile_presence


def _summary(patterns: tuple[str, ...]) -> Iterator[Check]:
    regex = compile_patterns(patterns)
    yield Check(
        f"summary matches {_listed(patterns)}",
        lambda facts: regex.search(facts.issue.summary) is not None,
        lambda facts: f"summary is {facts.issue.summary!r}",
    )


def _custom(fields: Mapping[str, CustomMatch]) -> Iterator[Check]:
    for name, match in fields.items():
        yield Check(
            _custom_text(name, match),
            _custom_test(name, match),
            _custom_actual(name),
        )


def _custom_actual(name: str) -> Callable[[Facts], str]:
    return lambda facts: f"{name} is {facts.issue.custom.get(name)!r}"


def _custom_text(name: str, match: CustomMatch) -> str:
    parts = []
    if match.equals:
        parts.append(f"is {_listed(match.equals)}")
    if match.present is not None:
        parts.append("is set" if match.present else "is not set")
    if match.min is not None:
        parts.append(f">= {match.min:g}")
    if match.max is not None:
        parts.append(f"<= {match.max:g}")
    return f"{name} " + " and ".join(parts)


def _custom_test(name: str, match: CustomMatch) -> Predicate:
    equals = frozenset(v.casefold() for v in match.equals)
    low, high, present = match.min, match.max, match.present

    def test(facts: Facts) -> bool:
        values = _field_values(facts.issue.custom.get(name))
        if present is not None and bool(values) != present:
            return False
        if equals and equals.isdisjoint(v.casefold() for v in values):
            return False
        if low is not None or high is not None:
            number = _number(values)
            if number is None or (low is not None and number < low):
                return False
            if high is not None and number > high:
                return False
        return True

    return test


def _field_values(value: Any) -> tuple[str, ...]:
    """A custom field's values as text: select options (``value``/``name``), lists flattened."""
    if value is None or value in ("", []):
        return ()
    if isinstance(value, list | tuple):
        return tuple(text for item in value for text in _field_values(item))
    if isinstance(value, dict):
        inner = value.get("value", value.get("name"))
        return _field_values(inner) if inner is not None else ()
    return (str(value),)


def _number(values: tuple[str, ...]) -> float | None:
    try:
        return float(values[0]) if len(values) == 1 else None
    except ValueError:
        return None


def _roadmap(match: RoadmapMatch) -> Iterator[Check]:
    def actual(facts: Facts) -> str:
        item = facts.roadmap
        if item is None:
            return "no roadmap item is linked"
        return f"roadmap item {item.item_id} (hint {item.hint}, key result {item.key_result})"

    if match.linked is not None:
        linked = match.linked
        text = "a roadmap item is linked" if linked else "no roadmap item is linked"
        yield Check(text, lambda f: (f.roadmap is not None) == linked, actual)
    if match.hint:
        hints = frozenset(h.casefold() for h in match.hint)
        yield Check(
            f"roadmap hint is {_listed(match.hint)}",
            lambda f: f.roadmap is not None and (f.roadmap.hint or "").casefold() in hints,
            actual,
        )
    if match.key_result:
        results = frozenset(match.key_result)
        yield Check(
            f"roadmap key result is {_listed(match.key_result)}",
            lambda f: f.roadmap is not None and f.roadmap.key_result in results,
            actual,
        )


def _key_result_label(wanted: bool) -> Iterator[Check]:
    yield Check(
        "has a key-result label" if wanted else "has no key-result label",
        lambda facts: bool(facts.key_result_labels) == wanted,
        lambda facts: f"key-result labels: {', '.join(facts.key_result_labels) or '(none)'}",
    )


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(values) if len(values) > 1 else values[0]


_COMPILERS: dict[str, Callable[[Any], Iterator[Check]]] = {
    "all_of": _group_all,
    "any_of": _group_any,
    "not_": _negation,
    "project": lambda v: _in_set("project", v, lambda f: f.project, fold=False),
    "issue_type": lambda v: _in_set("issue type", v, lambda f: f.issue_type),
    "labels": _set_checks("labels", lambda f: f.labels),
    "components": _set_checks("components", lambda f: f.components),
    "epic_key": lambda v: _in_set("epic", v, lambda f: f.issue.epic_key, fold=False),
    "parent_key": lambda v: _in_set("parent", v, lambda f: f.issue.parent_key, fold=False),
    "has_parent": _presence("parent", lambda f: f.issue.parent_key),
    "has_epic": _presence("epic", lambda f: f.issue.epic_key),
    "status_category": lambda v: _in_set("status category", v, lambda f: f.status_category),
    "priority": lambda v: _in_set("priority", v, lambda f: f.priority),
    "team": lambda v: _in_set("team", v, lambda f: f.team),
    "custom": _custom,
    "summary_matches": _summary,
    "roadmap": _roadmap,
    "key_result_label": _key_result_label,
}
