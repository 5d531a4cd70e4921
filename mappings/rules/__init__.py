"""Classification rules kept as code: the file schema, its compiler and its loader."""

from __future__ import annotations

from mappings.rules.compile import Check, CompiledRule
from mappings.rules.load import (
    RuleSet,
    check_rule_file,
    check_rule_text,
    load_rule_set,
    parse_rule_set,
)

__all__ = [
    "Check",
    "CompiledRule",
    "RuleSet",
    "check_rule_file",
    "check_rule_text",
    "load_rule_set",
    "parse_rule_set",
]
