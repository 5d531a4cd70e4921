"""The mapping layer: OKRs, agreed shares and explainable classification rules kept as code.

Pure logic over ``syncd.core.domain`` values; it never touches the store. The application feeds
it issues and roadmap items and saves its decisions. Entry points:

- ``load_rule_set`` / ``check_rule_file``: rule files (``syncd rules check``);
- ``decide_all``: one ``Decision`` per issue, with rule, version and inheritance path
  (``StandingDecider`` does the same for issues that come, change and go, holding a small
  record each and re-deciding only what a change reaches);
- ``explain``: ``syncd explain KEY``;
- ``diff_rule_sets`` / ``diff_decisions``: ``syncd rules diff``;
- ``load_okrs``, ``load_agreements``, ``load_teams`` and ``resolve_team``;
- ``join_okrs``: the OKR file's model joined with the objectives roadmap exports bring.
"""

from __future__ import annotations

from mappings.agreements import AgreementSet, Judging, load_agreements, parse_agreements
from mappings.config import MappingsConfig
from mappings.diff import RuleDiff, diff_decisions, diff_rule_sets
from mappings.explain import Explanation, explain, explain_with
from mappings.inherit import Decider, StandingDecider, decide_all
from mappings.okr_join import OkrConflict, OkrJoin, join_okrs
from mappings.okrs import OkrSet, load_okrs, parse_okrs
from mappings.rules import RuleSet, check_rule_file, check_rule_text, load_rule_set, parse_rule_set
from mappings.teams import (
    TeamConfig,
    load_teams,
    parse_teams,
    resolve_team,
    team_of,
    team_source,
)

__all__ = [
    "AgreementSet",
    "Decider",
    "Explanation",
    "Judging",
    "MappingsConfig",
    "OkrConflict",
    "OkrJoin",
    "OkrSet",
    "RuleDiff",
    "RuleSet",
    "StandingDecider",
    "TeamConfig",
    "check_rule_file",
    "check_rule_text",
    "decide_all",
    "diff_decisions",
    "diff_rule_sets",
    "explain",
    "explain_with",
    "join_okrs",
    "load_agreements",
    "load_okrs",
    "load_rule_set",
    "load_teams",
    "parse_agreements",
    "parse_okrs",
    "parse_rule_set",
    "parse_teams",
    "resolve_team",
    "team_of",
    "team_source",
]
