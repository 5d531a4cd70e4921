"""The bundled example files for the demo organisation (docs/demo-organisation.md)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["AGREEMENTS", "EXAMPLES_DIR", "OKRS", "RULES", "TEAMS"]

EXAMPLES_DIR = Path(__file__).resolve().parent
RULES = EXAMPLES_DIR / "rules.yaml"
OKRS = EXAMPLES_DIR / "okrs.yaml"
AGREEMENTS = EXAMPLES_DIR / "agreements.yaml"
TEAMS = EXAMPLES_DIR / "teams.yaml"
