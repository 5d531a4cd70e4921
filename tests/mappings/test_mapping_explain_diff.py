"""``explain`` answers for any issue; ``diff`` shows which decisions and shares would change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from mapping_builders import issue, roadmap

from mappings import RuleSet, TeamConfig, diff_rule_sets, explain, parse_rule_set
from mappings.examples import RULES
from syncd.analytics import AnalyticsConfig, ShareRow
from syncd.app.figures import figures
from syncd.app.rules_preview import share_changes
from syncd.core.domain import Decision

RESOLVED = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
ISSUES = [
    issue("SHOP-1", "Epic", labels=("kr:SHOP-KR3",), resolved=RESOLVED),
    issue("SHOP-2", epic_key="SHOP-1", resolved=RESOLVED),
    issue("SHOP-3", "Sub-task", parent_key="SHOP-2", resolved=RESOLVED),
    issue("SHOP-4", "Task", labels=("refactor",), resolved=RESOLVED),
    issue("SHOP-5", "Bug", labels=("needs-triage",), resolved=RESOLVED),
    issue("PLAT-1", "Epic"),
]


def test_explain_shows_the_path_the_rule_and_the_steps(rules: RuleSet, teams: TeamConfig) -> None:
    """A sub-task's explanation names the deciding rule, its version, the path and each step."""
    found = explain("SHOP-3", ISSUES, [], rules, teams=teams)
    assert found.decision.path == ("SHOP-3", "SHOP-2", "SHOP-1")
    assert (found.decision.rule_id, found.team) == ("key-result-product", "checkout")
    text = found.render()
    for expected in (
        "SHOP-3 (Sub-task, SHOP): product / feature, key result SHOP-KR3",
        f"rule:    key-result-product in rule set {rules.version}",
        "path:    SHOP-3 → SHOP-2 → SHOP-1",
        "✓ has a key-result label",
        "SHOP-1: rule key-result-product → product/feature",
        "team:    checkout (from projects)",
    ):
        assert expected in text


def test_explain_lists_rules_that_nearly_matched(rules: RuleSet) -> None:
    """A bug marked needs-triage nearly matched bug-default: the failed condition is shown."""
    found = explain("SHOP-5", ISSUES, [], rules)
    miss = next(m for m in found.near_misses if m.rule_id == "bug-default")
    assert (
        miss.failed,
        miss.passed,
    ) == ("not (labels include any of needs-triage)", ("issue type is Bug",))
    assert "labels: needs-triage" in miss.actual
    assert found.near_misses[0].rule_id == "bug-default", "most nearly matching first"
    assert "nearly matched:" in found.render()


def test_explain_shows_a_roadmap_step(rules: RuleSet) -> None:
    """An epic decided by its roadmap item shows the item in the path."""
    items = [roadmap("F-3", "PLAT-1", hint="product")]
    text = explain("PLAT-1", ISSUES, items, rules).render()
    assert "path:    PLAT-1 → roadmap:F-3" in text
    assert "roadmap:F-3: roadmap item" in text


def test_explain_refuses_an_unknown_key(rules: RuleSet) -> None:
    """An unknown key is a LookupError naming it."""
    with pytest.raises(LookupError, match="NOPE-1"):
        explain("NOPE-1", ISSUES, [], rules)


def _without_refactor() -> RuleSet:
    return parse_rule_set(
        RULES.read_text().replace("any: [tech-debt, refactor]", "any: [tech-debt]")
    )


def test_rules_diff_lists_changed_issues(rules: RuleSet, teams: TeamConfig) -> None:
    """Dropping the refactor label from tech debt moves SHOP-4 out of technology work."""
    diff = diff_rule_sets(rules, _without_refactor(), ISSUES, [], teams=teams)
    assert [(c.key, c.fields) for c in diff.changes] == [("SHOP-4", ("work_class", "category"))]
    text = diff.render()
    assert "1 of 6 issues would change" in text
    assert "SHOP-4 [checkout] work_class technology → unclassified" in text


def test_rules_diff_shares_are_the_analytics_shares_of_classified_work(
    rules: RuleSet, teams: TeamConfig
) -> None:
    """The share changes are the analytics' shares: of the five completed checkout issues,
    SHOP-5 stays unclassified (needs triage) and is not in any denominator. Before: SHOP-4 is
    technology, 1 of 4 classified = 25%. After: SHOP-4 is unclassified too, 0 of 3 = 0%."""
    diff = diff_rule_sets(rules, _without_refactor(), ISSUES, [], teams=teams)
    assert diff.before[("acme", ISSUES[4].issue_id)].work_class.value == "unclassified"
    now = datetime(2026, 11, 20, tzinfo=UTC)

    def shares(side: Mapping[tuple[str, int], Decision]) -> tuple[ShareRow, ...]:
        return figures(
            ISSUES, side, teams, agreements=(), analytics=AnalyticsConfig(), now=now
        ).shares

    technology = {
        (c.team, c.window): (c.before, c.after)
        for c in share_changes(shares(diff.before), shares(diff.after))
        if c.work_class == "technology" and not c.category and c.weighting == "issues"
    }
    assert technology[("checkout", "30d")] == (0.25, 0.0)
    assert technology[("all", "quarter")] == (0.25, 0.0)


def test_an_unchanged_rule_set_has_an_empty_diff(rules: RuleSet, teams: TeamConfig) -> None:
    """Diffing a rule set against itself shows no change at all."""
    diff = diff_rule_sets(rules, rules, ISSUES, [], teams=teams)
    assert diff.changes == ()
    assert diff.before == diff.after
