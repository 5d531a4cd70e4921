"""Hostile values for the storability tests: text no database holds, numbers no JSON column
gives back, and the configuration and command line to check that syncd still works after."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from sync_support import Rig, make_rig, source_config

import mappings.examples
from connectors.jira.source import JiraSource
from syncd.cli import main
from syncd.core.storable import INTEGER_RANGE

BUNDLED = Path(mappings.examples.__file__).parent
HOSTILE_TEXT = ("\x00", "\ud800", "\udfff")
"""NUL (PostgreSQL refuses it) and a lone high and low surrogate (UTF-8 cannot encode them)."""
REPLACED = "\ufffd"
EXTRA_FIELD = "customfield_10077"
"""A custom field the emulator does not know, configured as ``fields.extra.note``."""
NAN_LITERALS = ("NaN", "Infinity", "-Infinity")


def replaced(text: str) -> str:
    """*text* as the store keeps it: every hostile character replaced by U+FFFD."""
    for hostile in HOSTILE_TEXT:
        text = text.replace(hostile, REPLACED)
    return text


def write_config(
    folder: Path,
    store_url: str,
    *,
    jira_url: str | None = None,
    roadmaps: Sequence[Mapping[str, Any]] = (),
    interval_seconds: float = 300,
) -> Path:
    """A configuration over the emulator at *jira_url* (if any) and *roadmaps*, with the
    bundled mapping files; the Jira source stores ``EXTRA_FIELD`` as the custom value ``note``
    and syncs every *interval_seconds* under ``syncd run``."""
    sources: dict[str, Any] = {"roadmaps": list(roadmaps)}
    if jira_url is not None:
        sources["jira"] = [
            {
                "name": "acme",
                "url": jira_url,
                "auth": {"method": "none"},
                "projects": ["SHOP", "GROW", "MOB", "PLAT", "DATA"],
                "max_attempts": 2,
                "interval_seconds": interval_seconds,
                "fields": {"extra": {"note": EXTRA_FIELD}},
            }
        ]
    config = {
        "store": {"url": store_url},
        "sources": sources,
        "mappings": {
            kind: str(BUNDLED / f"{kind}.yaml") for kind in ("rules", "okrs", "agreements", "teams")
        },
    }
    path = folder / "syncd.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def hostile_rig(database_url: str, issues: int = 60) -> Rig:
    """A Cloud rig (caller stops its emulator) whose source stores ``EXTRA_FIELD`` as the
    custom value ``note``."""
    rig = make_rig(database_url, "cloud", issues=issues)
    rig.source = JiraSource(
        source_config(rig.url, fields={"extra": {"note": EXTRA_FIELD}}),
        None,
        sleep=lambda _: None,
        clock=rig.emulator.clock.now,
    )
    return rig


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one ``syncd`` command did."""

    code: int
    out: str
    err: str


def run_cli(*args: str) -> Outcome:
    """Run ``syncd ARGS`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Outcome(code, out.getvalue(), err.getvalue())


# -- numbers ------------------------------------------------------------------------------
def _exponent_literal(mantissa: int, exponent: int, negative: bool) -> str:
    return f"{'-' if negative else ''}{mantissa}.5e{exponent}"


def _integer_literal(digits: int, negative: bool, first: int) -> str:
    return f"{'-' if negative else ''}{first}{'7' * (digits - 1)}"


huge_exponents = st.builds(
    _exponent_literal, st.integers(1, 9), st.integers(309, 999_999), st.booleans()
)
long_integers = st.builds(_integer_literal, st.integers(20, 400), st.booleans(), st.integers(1, 9))
out_of_range_numbers = st.one_of(huge_exponents, long_integers, st.sampled_from(NAN_LITERALS))
"""JSON number literals beyond what the store's JSON columns give back: huge exponents (both
signs), 20-400-digit integers, and the non-standard NaN and Infinity constants."""


def exact_integer(literal: str) -> int | None:
    """The integer *literal* denotes when it fits 64 bits (kept exactly), else ``None``."""
    if not literal.lstrip("-").isdigit():
        return None
    value = int(literal)
    low, high = INTEGER_RANGE
    return value if low <= value <= high else None
