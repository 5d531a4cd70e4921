"""The bounds on what a rule set compiles to: nesting, conditions and summary patterns.

Each is refused as one placed problem before anything is compiled, at the rule that passes it.
"""

from __future__ import annotations

import pytest

from mappings import check_rule_text
from mappings.rules import limits
from mappings.rules.limits import MAX_NESTING

HEADER = "format: 1\nrules:\n"


def _rule(rule_id: str, when: str) -> str:
    return f"  - id: {rule_id}\n    when: {when}\n    then: {{work_class: product}}\n"


@pytest.mark.parametrize(
    ("opening", "closing", "step"),
    [
        ("{not: ", "}", 1),
        ("{any: [", "]}", 1),
        ("{all: [{project: X}, ", "]}", 1),
        ("{not: {any: [", "]}}", 2),
    ],
)
def test_conditions_nested_past_the_bound_are_refused_at_their_rule(
    opening: str, closing: str, step: int
) -> None:
    """``not``/``any``/``all`` nested one level past ``MAX_NESTING`` (well within the YAML
    depth bound) are refused at the rule's ``when``; at the bound they load."""
    # The rule's ``when`` is the first level; each wrapper adds *step* levels.
    levels = MAX_NESTING // step
    deep = opening * levels + "{project: X}" + closing * levels
    text = HEADER + _rule("fine", "{project: Y}") + _rule("deep", deep)
    problems = check_rule_text(text, "rules.yaml")
    assert [(p.line, p.where, p.message) for p in problems] == [
        (7, "rules[1].when", f"conditions nest deeper than {MAX_NESTING} levels (the limit)")
    ]
    at_bound = opening * (levels - 1) + "{project: X}" + closing * (levels - 1)
    assert check_rule_text(HEADER + _rule("deep", at_bound), "rules.yaml") == []


# The two counting bounds are lowered here: what is pinned down is where and how a rule set
# past them is refused, and a file of 20,000 conditions takes seconds to parse.
def test_a_rule_set_with_more_conditions_than_the_bound_is_refused_where_it_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rules of 100 conditions each (an ``any`` of 99 and the ``any`` itself): the rule that
    takes the set past ``MAX_CONDITIONS`` is named, with its line."""
    monkeypatch.setattr(limits, "MAX_CONDITIONS", 1_000)
    block = "{any: [" + ", ".join(["{project: X}"] * 99) + "]}"
    rules = [_rule(f"r{n}", block) for n in range(11)]
    problems = check_rule_text(HEADER + "".join(rules), "rules.yaml")
    assert [(p.line, p.where, p.message) for p in problems] == [
        (33, "rules[10]", "the rule set has more than 1,000 conditions by here (the limit)")
    ]


def test_a_rule_set_with_more_summary_patterns_than_the_bound_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One summary condition per rule: the rule after ``MAX_PATTERN_CONDITIONS`` of them is
    named, with its line."""
    monkeypatch.setattr(limits, "MAX_PATTERN_CONDITIONS", 100)
    rules = [_rule(f"r{n}", f"{{summary_matches: 'word{n}'}}") for n in range(101)]
    problems = check_rule_text(HEADER + "".join(rules), "rules.yaml")
    assert [(p.line, p.message) for p in problems] == [
        (303, "the rule set has more than 100 summary patterns by here (the limit)")
    ]
