"""Rule, OKR, agreement and team files: every problem is reported with its line."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from mapping_builders import issue

from mappings import (
    AgreementSet,
    check_rule_file,
    check_rule_text,
    parse_agreements,
    parse_okrs,
    parse_rule_set,
    parse_teams,
    resolve_team,
)
from mappings.examples import RULES
from syncd.core.domain import Subject
from syncd.core.errors import RuleSetError

BROKEN_RULES = """\
format: 1
categories:
  technology: [tech_debt]
rules:
  - id: debt
    when: {labels: [tech-debt], projcet: SHOP}
    then: {work_class: technology, category: tech_debt}
  - id: debt
    when: {summary_matches: '(unclosed'}
    then: {work_class: technology}
  - id: wrong-category
    when: {issue_type: Bug}
    then: {work_class: product, category: tech_debt}
  - id: everything
    then: {work_class: product}
  - id: unreachable
    when: {project: PLAT}
    then: {work_class: techology, key_result: NOPE-1}
"""


def test_every_rule_file_problem_is_listed_with_its_line() -> None:
    """Typos, bad patterns, repeated ids, undeclared categories and dead rules all show up."""
    problems = check_rule_text(BROKEN_RULES, "rules.yaml")
    found = {(p.line, p.message.split(" (")[0].split(":")[0]) for p in problems}
    assert {
        (6, "unknown key"),
        (9, "pattern '(unclosed' is not a valid regular expression"),
        (18, "Input should be 'product' or 'technology'"),
    } <= found
    schema_fixed = BROKEN_RULES.replace("projcet", "project").replace("'(unclosed'", "x")
    problems = check_rule_text(
        schema_fixed.replace("techology", "technology"), "rules.yaml", {"SHOP-KR1"}
    )
    assert [(p.line, p.message) for p in problems] == [
        (8, "rule id 'debt' is repeated (first at rules[0])"),
        (13, "category 'tech_debt' is not declared for product (declared: none)"),
        (16, "rule 'unreachable' can never match: rule 'everything' above matches all"),
        (18, "key result 'NOPE-1' is not in the OKR file"),
    ]
    assert all(p.file == "rules.yaml" for p in problems)


def test_invalid_rules_raise_with_every_problem() -> None:
    """Loading an invalid rule set raises ``RuleSetError`` carrying all its problems."""
    with pytest.raises(RuleSetError) as raised:
        parse_rule_set(BROKEN_RULES, "rules.yaml")
    assert len(raised.value.problems) >= 3


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("format: 1\nrules: [\n", 3, "not valid YAML"),
        ("format: 2\nrules: []\n", 1, "Input should be 1"),
        (
            "format: 1\nformat: 1\nrules:\n  - {id: a, then: {work_class: product}}\n",
            2,
            "key is repeated",
        ),
        ("", 1, "the file is empty"),
    ],
)
def test_structural_rule_file_errors(text: str, line: int, message: str) -> None:
    """Syntax errors, wrong format versions, repeated keys and empty files are problems too."""
    problems = check_rule_text(text, "r.yaml")
    assert any(p.line == line and p.message.startswith(message) for p in problems), problems


def test_check_rule_file_reports_an_unreadable_file(tmp_path: Path) -> None:
    """A missing file is one problem naming the file, not an exception."""
    problems = check_rule_file(tmp_path / "missing.yaml")
    assert [str(tmp_path / "missing.yaml")] == [p.file for p in problems]


def test_the_bundled_rule_file_is_clean(okrs_ids: frozenset[str]) -> None:
    """The bundled rules pass the check, including their key results."""
    assert check_rule_file(RULES, okrs_ids) == []


@pytest.fixture(name="okrs_ids")
def _okrs_ids(okrs) -> frozenset[str]:  # type: ignore[no-untyped-def]
    return okrs.key_result_ids  # type: ignore[no-any-return]


def test_bundled_okrs_cover_two_quarters_per_team(okrs) -> None:  # type: ignore[no-untyped-def]
    """One objective per team per quarter, with two or three key results each."""
    quarters = Counter((o.teams, o.period_start) for o in okrs.objectives)
    assert set(quarters.values()) == {1}
    assert {date(2026, 7, 1), date(2026, 10, 1)} == {o.period_start for o in okrs.objectives}
    per_objective = Counter(kr.objective_id for kr in okrs.key_results)
    assert set(per_objective.values()) <= {2, 3}
    assert date(2026, 12, 31) == okrs.key_result("SHOP-KR3").period_end


OKR_ERRORS = """\
objectives:
  - id: A
    title: a
    teams: [checkout]
    period: 2026-Q5
    key_results:
      - {id: A-KR1, title: x, measure: field_sum, target: 3}
  - id: B
    title: b
    teams: [checkout]
    period: {start: 2026-01-01, end: 2026-03-31}
    key_results:
      - {id: B-KR1, title: x, measure: points, target: 3}
"""


def test_okr_file_errors_carry_lines() -> None:
    """A bad quarter, a field_sum without field and an unknown measure are each placed."""
    with pytest.raises(RuleSetError) as raised:
        parse_okrs(OKR_ERRORS, "okrs.yaml")
    lines = sorted(p.line for p in raised.value.problems if p.line is not None)
    assert lines == [5, 7, 13]


def test_repeated_key_result_ids_are_refused() -> None:
    """A key result id names one key result in the whole file."""
    text = OKR_ERRORS.replace("2026-Q5", "2026-Q1").replace("field_sum", "issue_count")
    text = text.replace("points", "story_points").replace("B-KR1", "A-KR1")
    with pytest.raises(RuleSetError) as raised:
        parse_okrs(text, "okrs.yaml")
    assert [(p.line, p.message) for p in raised.value.problems] == [
        (13, "key result id 'A-KR1' is repeated")
    ]


AGREEMENT = """\
  - id: {id}
    subject: {{work_class: technology}}
    team: {team}
    min: {low}
    max: {high}
    valid_from: {start}
    valid_to: {end}
    owner: cto
"""


def _agreements(*rows: dict[str, object]) -> str:
    return "agreements:\n" + "".join(AGREEMENT.format(**row) for row in rows)


def test_agreement_bands_and_overlaps_are_validated() -> None:
    """Bands outside [0, 1], min above max and overlapping periods are each refused."""
    text = _agreements(
        {"id": "a", "team": "null", "low": 0.5, "high": 0.4, "start": "2026-01-01", "end": "null"},
        {"id": "b", "team": "null", "low": 0.1, "high": 1.5, "start": "2026-01-01", "end": "null"},
    )
    with pytest.raises(RuleSetError) as raised:
        parse_agreements(text, "a.yaml")
    messages = [p.message for p in raised.value.problems]
    assert any("min 0.5 is above max 0.4" in m for m in messages)
    assert any("less than or equal to 1" in m for m in messages)
    text = _agreements(
        {
            "id": "a",
            "team": "null",
            "low": 0.2,
            "high": 0.4,
            "start": "2026-01-01",
            "end": "2026-07-01",
        },
        {"id": "b", "team": "null", "low": 0.3, "high": 0.5, "start": "2026-06-01", "end": "null"},
    )
    with pytest.raises(RuleSetError) as raised:
        parse_agreements(text, "a.yaml")
    assert [(p.line, p.message) for p in raised.value.problems] == [
        (15, "overlaps agreement 'a' for the same subject and team")
    ]


def test_the_agreement_in_force_changes_mid_quarter(agreements: AgreementSet) -> None:
    """A window is judged by the agreement in force on its last day; teams fall back to org-wide."""
    tech = Subject(work_class="technology")
    before = agreements.for_window(tech, "checkout", date(2026, 10, 1), date(2026, 11, 15))
    after = agreements.for_window(tech, "checkout", date(2026, 10, 1), date(2026, 11, 16))
    org = agreements.in_force(tech, "growth", date(2026, 11, 20))
    assert (
        before.agreement_id if before else None,
        after.agreement_id if after else None,
        org.agreement_id if org else None,
    ) == (
        "checkout-technology-before-freeze",
        "checkout-technology-freeze",
        "org-technology",
    )
    debt = agreements.in_force(Subject(category="tech_debt"), None, date(2026, 11, 20))
    assert debt is not None
    assert (debt.min_share, debt.max_share) == (0.10, None)


def test_team_resolution_follows_the_configured_order(teams) -> None:  # type: ignore[no-untyped-def]
    """Team field, then a team: label, then the project, then the default."""
    assert resolve_team(issue("SHOP-1", team="Data", labels=("team:mobile",)), teams) == "data"
    assert resolve_team(issue("SHOP-1", labels=("team:mobile",)), teams) == "mobile"
    assert resolve_team(issue("SHOP-1", team="Sales"), teams) == "checkout"
    assert resolve_team(issue("OPS-1"), teams) == "unassigned"


def test_team_file_rejects_unknown_sources_and_teams() -> None:
    """A misspelt source or a map to an unlisted team is a problem with its line."""
    text = "teams: [a]\nsources:\n  - source: projcts\n    map: {X: a}\n"
    with pytest.raises(RuleSetError) as raised:
        parse_teams(text, "t.yaml")
    assert {3} == {p.line for p in raised.value.problems}
    with pytest.raises(RuleSetError):
        parse_teams("teams: [a]\nsources:\n  - {source: projects, map: {X: b}}\n", "t.yaml")
