"""Golden cases: issue (with its ancestors) → expected decision and reason, bundled rules."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from mapping_builders import issue, roadmap

from mappings import OkrSet, RuleSet, TeamConfig, decide_all, parse_rule_set
from mappings.examples import RULES
from syncd.core.domain import Issue, RoadmapItem, WorkClass


@dataclass(frozen=True)
class Case:
    name: str
    issues: tuple[Issue, ...]
    target: str
    work_class: WorkClass
    category: str | None
    key_result: str | None
    rule_id: str | None
    path: tuple[str, ...]
    reason: str
    roadmap: tuple[RoadmapItem, ...] = ()


EPIC_KR = issue("SHOP-1", "Epic", labels=("kr:SHOP-KR3",))
CASES = [
    Case(
        "a label decides the class and category",
        (issue("SHOP-10", labels=("refactor", "needs-triage")),),
        "SHOP-10",
        WorkClass.TECHNOLOGY,
        "tech_debt",
        None,
        "tech-debt",
        ("SHOP-10",),
        "rule tech-debt matched",
    ),
    Case(
        "a summary pattern catches security work without a label",
        (issue("GROW-3", summary="Patch CVE-2026-1234 in the mailer"),),
        "GROW-3",
        WorkClass.TECHNOLOGY,
        "security",
        None,
        "security",
        ("GROW-3",),
        "rule security matched",
    ),
    Case(
        "first match wins: security beats feature",
        (issue("SHOP-11", labels=("feature", "security")),),
        "SHOP-11",
        WorkClass.TECHNOLOGY,
        "security",
        None,
        "security",
        ("SHOP-11",),
        "rule security matched",
    ),
    Case(
        "no rule and nothing to inherit is a normal unclassified decision",
        (issue("GROW-4", labels=("good-first-issue",)),),
        "GROW-4",
        WorkClass.UNCLASSIFIED,
        None,
        None,
        None,
        ("GROW-4",),
        "no rule matched (nothing to inherit)",
    ),
    Case(
        "a kr label sets the key result on a product epic",
        (EPIC_KR,),
        "SHOP-1",
        WorkClass.PRODUCT,
        "feature",
        "SHOP-KR3",
        "key-result-product",
        ("SHOP-1",),
        "rule key-result-product matched",
    ),
    Case(
        "a platform key result label is technology work in any project",
        (issue("MOB-7", labels=("kr:PLAT-KR5",)),),
        "MOB-7",
        WorkClass.TECHNOLOGY,
        "platform",
        "PLAT-KR5",
        "platform-key-result",
        ("MOB-7",),
        "rule platform-key-result matched",
    ),
    Case(
        "a sub-task inherits through its story from the epic",
        (
            EPIC_KR,
            issue("SHOP-2", epic_key="SHOP-1"),
            issue("SHOP-3", "Sub-task", parent_key="SHOP-2"),
        ),
        "SHOP-3",
        WorkClass.PRODUCT,
        "feature",
        "SHOP-KR3",
        "key-result-product",
        ("SHOP-3", "SHOP-2", "SHOP-1"),
        "inherited from parent SHOP-2 ⟵ inherited from epic SHOP-1 ⟵ "
        "rule key-result-product matched",
    ),
    Case(
        "an own explicit label beats the inherited class but keeps the epic's key result",
        (EPIC_KR, issue("SHOP-4", "Bug", epic_key="SHOP-1", labels=("tech-debt",))),
        "SHOP-4",
        WorkClass.TECHNOLOGY,
        "tech_debt",
        "SHOP-KR3",
        "tech-debt",
        ("SHOP-4",),
        "rule tech-debt matched (key result SHOP-KR3 from SHOP-1)",
    ),
    Case(
        "a fallback rule yields to the inherited decision",
        (issue("SHOP-5", "Epic", labels=("tech-debt",)), issue("SHOP-6", "Bug", epic_key="SHOP-5")),
        "SHOP-6",
        WorkClass.TECHNOLOGY,
        "tech_debt",
        None,
        "tech-debt",
        ("SHOP-6", "SHOP-5"),
        "inherited from epic SHOP-5 (over fallback rule bug-default) ⟵ rule tech-debt matched",
    ),
    Case(
        "a fallback rule decides when there is nothing to inherit",
        (issue("GROW-5", "Bug"),),
        "GROW-5",
        WorkClass.PRODUCT,
        "defect",
        None,
        "bug-default",
        ("GROW-5",),
        "fallback rule bug-default matched",
    ),
    Case(
        "an epic inherits from its roadmap item, class by hint and key result",
        (issue("DATA-1", "Epic"), issue("DATA-2", epic_key="DATA-1")),
        "DATA-2",
        WorkClass.TECHNOLOGY,
        None,
        "DATA-KR3",
        "@roadmap-hint",
        ("DATA-2", "DATA-1", "roadmap:F-9"),
        "inherited from epic DATA-1 ⟵ inherited from roadmap item roadmap:F-9 ⟵ "
        "roadmap item F-9 hint 'Infrastructure'",
        (roadmap("F-9", "DATA-1", hint="Infrastructure", key_result="DATA-KR3"),),
    ),
    Case(
        "a missing parent is noted and the epic is used instead",
        (EPIC_KR, issue("SHOP-8", "Sub-task", parent_key="SHOP-999", epic_key="SHOP-1")),
        "SHOP-8",
        WorkClass.PRODUCT,
        "feature",
        "SHOP-KR3",
        "key-result-product",
        ("SHOP-8", "SHOP-1"),
        "inherited from epic SHOP-1 (parent SHOP-999 not found) ⟵ rule key-result-product matched",
    ),
    Case(
        "a cycle is ignored: each member decides on its own",
        (
            issue("GROW-6", parent_key="GROW-7"),
            issue("GROW-7", parent_key="GROW-6", labels=("ktlo",)),
        ),
        "GROW-6",
        WorkClass.UNCLASSIFIED,
        None,
        None,
        None,
        ("GROW-6",),
        "no rule matched (nothing to inherit; inheritance cycle GROW-6 → GROW-7 → GROW-6 ignored)",
    ),
    Case(
        "an issue that is its own parent is safe",
        (issue("MOB-9", parent_key="MOB-9", labels=("a11y",)),),
        "MOB-9",
        WorkClass.PRODUCT,
        "accessibility",
        None,
        "accessibility",
        ("MOB-9",),
        "rule accessibility matched (inheritance cycle MOB-9 → MOB-9 ignored)",
    ),
    Case(
        "an unknown key result is kept, decided, and named in the reason",
        (issue("MOB-8", labels=("kr:MOB-KR99",)),),
        "MOB-8",
        WorkClass.PRODUCT,
        "feature",
        "MOB-KR99",
        "key-result-product",
        ("MOB-8",),
        "rule key-result-product matched (key result MOB-KR99 is not a known key result)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden_decision(case: Case, rules: RuleSet, teams: TeamConfig, okrs: OkrSet) -> None:
    """Each golden issue gets the expected class, category, key result, rule, path and reason."""
    rule_set = _with_infrastructure_hint(rules)
    decisions = decide_all(case.issues, case.roadmap, rule_set, teams, okrs.key_result_ids)
    target = next(i for i in case.issues if i.key == case.target)
    got = decisions[(target.source, target.issue_id)]
    assert (
        case.work_class,
        case.category,
        case.key_result,
        case.rule_id,
        case.path,
        case.reason,
    ) == (got.work_class, got.category, got.key_result, got.rule_id, got.path, got.reason)
    assert got.ruleset_version == rule_set.version


def test_precedence_inherited_lets_the_ancestor_win(okrs: OkrSet) -> None:
    """With ``precedence: inherited`` an own explicit rule yields to the inherited decision."""
    text = RULES.read_text().replace("precedence: own ", "precedence: inherited ")
    rule_set = parse_rule_set(text)
    story = issue("SHOP-21", epic_key="SHOP-20", labels=("tech-debt",))
    decisions = decide_all([EPIC_KR_20, story], [], rule_set)
    got = decisions[(story.source, story.issue_id)]
    assert (
        got.work_class,
        got.rule_id,
        got.path,
    ) == (WorkClass.PRODUCT, "key-result-product", ("SHOP-21", "SHOP-20"))
    assert got.reason.startswith("inherited from epic SHOP-20 (over rule tech-debt)")


def test_key_result_inheritance_can_be_switched_off() -> None:
    """With ``inheritance.key_result: false`` an own decision keeps no inherited key result."""
    text = RULES.read_text().replace("key_result: true ", "key_result: false ")
    story = issue("SHOP-22", epic_key="SHOP-20", labels=("tech-debt",))
    got = decide_all([EPIC_KR_20, story], [], parse_rule_set(text))[(story.source, story.issue_id)]
    assert (got.work_class, got.key_result) == (WorkClass.TECHNOLOGY, None)


EPIC_KR_20 = issue("SHOP-20", "Epic", labels=("kr:SHOP-KR4",))


def _with_infrastructure_hint(rules: RuleSet) -> RuleSet:
    text = RULES.read_text().replace(
        "platform: technology}", "platform: technology, infrastructure: technology}"
    )
    return parse_rule_set(text)
