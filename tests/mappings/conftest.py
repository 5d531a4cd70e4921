"""Fixtures: the bundled example files, loaded once per test session."""

from __future__ import annotations

import pytest

from mappings import (
    AgreementSet,
    OkrSet,
    RuleSet,
    TeamConfig,
    load_agreements,
    load_okrs,
    load_rule_set,
    load_teams,
)
from mappings.examples import AGREEMENTS, OKRS, RULES, TEAMS


@pytest.fixture(scope="session")
def okrs() -> OkrSet:
    """The bundled OKRs."""
    return load_okrs(OKRS)


@pytest.fixture(scope="session")
def rules(okrs: OkrSet) -> RuleSet:
    """The bundled rule set, checked against the bundled key results."""
    return load_rule_set(RULES, okrs.key_result_ids)


@pytest.fixture(scope="session")
def teams() -> TeamConfig:
    """The bundled team resolution."""
    return load_teams(TEAMS)


@pytest.fixture(scope="session")
def agreements(rules: RuleSet) -> AgreementSet:
    """The bundled agreements, checked against the rule set's categories."""
    categories = {c for names in (rules.categories or {}).values() for c in names}
    return load_agreements(AGREEMENTS, categories)
