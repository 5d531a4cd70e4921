"""Hostile YAML: anchor bombs ("billion laughs"), deep nesting and unreadable scalars in every
file syncd reads (the service configuration, rule, OKR, agreement and team files).

A bomb of a few hundred bytes names millions of nodes; a document nested a thousand deep
exhausts Python's recursion. Each is refused before anything expands or recurses: the loader
raises the project's own error with one problem at the file and the line where a bound was
passed, and the CLI answers with exit code 2 and no traceback. Bombs and nests are generated
in several shapes (flow and block, lists, mappings, merge keys, long strings) and placed at
the top level and inside the values that matter (a rule's ``when``, a source's projects).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import REPO, run_syncd, scaled, tally

from mappings import parse_agreements, parse_okrs, parse_rule_set, parse_teams
from syncd.core.errors import ConfigError, Problem, RuleSetError
from syncd.core.yamlbounds import MAX_CHARACTERS, MAX_DEPTH, MAX_NODES
from syncd.service.config import parse_config

MAPPINGS = REPO / "mappings/examples"
ENVIRON = {"SYNCD_JIRA_TOKEN": "not-a-real-token"}
BOMB = "<<BOMB>>"
ORIGINALS = {
    "syncd.yaml": (REPO / "docs/examples/syncd.yaml").read_text(encoding="utf-8"),
    **{
        name: (MAPPINGS / name).read_text(encoding="utf-8")
        for name in ("rules.yaml", "okrs.yaml", "agreements.yaml", "teams.yaml")
    },
}
# Value positions that matter in each file: the placeholder replaces the original value.
PLACES = {
    "syncd.yaml": [("projects: [SHOP, GROW, MOB, PLAT, DATA]", f"projects: {BOMB}")],
    "rules.yaml": [
        (
            "rules:\n",
            f"rules:\n  - id: bomb\n    when: {BOMB}\n    then: {{work_class: product}}\n",
        ),
        ("when: {labels: {any: [tech-debt, refactor]}}", f"when: {{labels: {{any: {BOMB}}}}}"),
    ],
    "okrs.yaml": [("    teams: [checkout]", f"    teams: {BOMB}")],
    "agreements.yaml": [("subject: {work_class: technology}", f"subject: {BOMB}")],
    "teams.yaml": [("teams: [checkout, growth, mobile, platform, data]", f"teams: {BOMB}")],
}
Parser = Callable[[str, str], Any]
PARSERS: dict[str, Parser] = {
    "syncd.yaml": lambda text, name: parse_config(text, name, ENVIRON),
    "rules.yaml": parse_rule_set,
    "okrs.yaml": parse_okrs,
    "agreements.yaml": parse_agreements,
    "teams.yaml": parse_teams,
}
_settings = settings(
    max_examples=scaled(60, 600),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


# -- generated hostile nodes -----------------------------------------------------------------
@st.composite
def anchor_bombs(draw: st.DrawFn) -> str:
    """One flow-style line whose anchors, each repeating the previous one, expand past a
    bound: in nodes (millions of short items) or in characters (thousands of long strings)."""
    fan = draw(st.integers(2, 12))
    by_text = draw(st.booleans())
    if by_text:
        leaf_length = draw(st.integers(500, 2000))
        expansion = draw(st.integers(MAX_CHARACTERS // leaf_length + 1, MAX_NODES // 2))
        leaf = "x" * leaf_length
    else:
        expansion = draw(st.integers(MAX_NODES + 1, 1_000_000))
        leaf = draw(st.sampled_from(["x", "7", '"a b"', "{labels: x}", "[x, y]", "~"]))
    levels = max(1, math.ceil(math.log(expansion) / math.log(fan)))
    # A condition's leaf is short: a condition bomb passes the bound on nodes only.
    shape = draw(st.sampled_from(["list", "mapping", "merge", *([] if by_text else ["condition"])]))
    return _levels(shape, fan, levels, "{project: PLAT}" if shape == "condition" else leaf)


def _levels(shape: str, fan: int, levels: int, leaf: str) -> str:
    """Anchors ``b0``..``b<levels>``, each repeating the one before *fan* times, in one node.

    A ``condition`` bomb is a valid rule condition at every level (``any`` of the level
    below), so nothing but its size is wrong with it.
    """

    def body(level: int) -> str:
        items = [leaf if level == 0 else f"*b{level - 1}"] * fan
        if shape == "list":
            return "[" + ", ".join(items) + "]"
        if shape == "condition":
            return leaf if level == 0 else "{any: [" + ", ".join(items) + "]}"
        if shape == "merge" and level > 0:
            return "{<<: [" + ", ".join(items) + f"], own{level}: x}}"
        return "{" + ", ".join(f"k{n}: {item}" for n, item in enumerate(items)) + "}"

    defined = [f"&b{level} {body(level)}" for level in range(levels + 1)]
    if shape in ("list", "condition"):
        opening = "{any: [" if shape == "condition" else "["
        return opening + ", ".join(defined) + ("]}" if shape == "condition" else "]")
    return "{" + ", ".join(f"l{n}: {node}" for n, node in enumerate(defined)) + "}"


@st.composite
def flow_nests(draw: st.DrawFn) -> str:
    """One flow-style line nested past the depth bound: ``[[[…]]]``, ``{a: {a: …}}`` or both."""
    depth = draw(st.integers(MAX_DEPTH + 1, 1500))
    opening, closing = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("[{a: ", "}]")]))
    return opening * depth + "x" + closing * depth


@st.composite
def block_nests(draw: st.DrawFn) -> str:
    """Block-style lines nested past the depth bound under a top-level key ``nest``."""
    depth = draw(st.integers(MAX_DEPTH + 1, 1000))
    shape = draw(st.sampled_from(["sequence", "mapping", "mixed"]))
    if shape == "sequence":
        return "nest:\n  " + "- " * depth + "x"
    step = "a:" if shape == "mapping" else "- a:"
    width = 2 if shape == "mapping" else 4
    return "nest:\n" + "\n".join(" " * width * (n + 1) + step for n in range(depth)) + " x"


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[str, str, range, str]:
    """A file name, its text with one hostile part, the lines that part spans, and which
    bound it passes (``nodes`` covers both size bounds, ``depth`` the nesting bound)."""
    name = draw(st.sampled_from(sorted(ORIGINALS)))
    original = ORIGINALS[name]
    kind = draw(st.sampled_from(["nodes", "depth", "block depth"]))
    if kind == "block depth":
        part = draw(block_nests())
        text = original.rstrip("\n") + "\n" + part + "\n"
        first = original.rstrip("\n").count("\n") + 2
        return name, text, range(first, first + part.count("\n") + 1), "depth"
    hostile = draw(anchor_bombs() if kind == "nodes" else flow_nests())
    places = [*PLACES[name], (None, f"bomb: {BOMB}")]
    old, new = draw(st.sampled_from(places))
    text = (original.replace(old, new, 1) if old else original + new + "\n").replace(BOMB, hostile)
    line = text[: text.index(hostile)].count("\n") + 1
    return name, text, range(line, line + 1), kind


# -- properties ------------------------------------------------------------------------------
def _refusal(name: str, text: str) -> tuple[Problem, ...]:
    try:
        PARSERS[name](text, name)
    except (ConfigError, RuleSetError) as error:
        return error.problems
    raise AssertionError(f"{name} with a hostile part was accepted")


@_settings
@given(case=hostile_files())
def test_bombs_and_deep_nests_are_refused_at_their_line_in_every_file(
    case: tuple[str, str, range, str],
) -> None:
    """Every file kind, every shape and place: one problem, in that file, on a line of the
    hostile part, saying which bound was passed, and nothing else is reported."""
    name, text, lines, kind = case
    (problem,) = _refusal(name, text)
    assert problem.file == name
    assert problem.line in lines, (problem, lines)
    expected = "is nested deeper than" if kind == "depth" else "expands to"
    assert problem.message.startswith("refused: "), problem
    assert expected in problem.message, problem
    tally(f"hostile YAML: {kind} bombs refused at their line")


@pytest.mark.parametrize("name", sorted(ORIGINALS))
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-13-45", "cannot read '2026-13-45' as timestamp"),
        ("2026-02-30 10:00:00", "cannot read '2026-02-30 10:00:00' as timestamp"),
        ("!!int 0x", "cannot read '0x' as int"),
        ("&loop [x, *loop]", "alias *loop is inside the node it names"),
    ],
)
def test_scalars_the_loader_cannot_read_and_recursive_aliases_are_placed(
    name: str, value: str, reason: str
) -> None:
    """A date that does not exist, an integer with no digits, an alias inside its own anchor:
    one placed problem with the reason, where ``ValueError`` or a recursive structure used
    to escape the loader."""
    text = ORIGINALS[name] + f"extra: {value}\n"
    (problem,) = _refusal(name, text)
    assert (problem.file, problem.line) == (name, text.count("\n"))
    assert reason in problem.message, problem


# -- the command line ------------------------------------------------------------------------
BILLION_LAUGHS = _levels("list", 10, 9, '"lol"')
MILLION_CONDITIONS = _levels("condition", 10, 6, "{project: PLAT}")
DEEP_FLOW = "[" * 1000 + "x" + "]" * 1000


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _hostile(folder: Path, name: str, kind: str, hostile: str, place: int = 0) -> tuple[Path, str]:
    """*kind*'s original file with *hostile* at one of its places, and ``file:line:``."""
    old, new = PLACES[kind][place]
    text = ORIGINALS[kind].replace(old, new.replace(BOMB, hostile), 1)
    line = text[: text.index(hostile)].count("\n") + 1
    return _file(folder, name, text), f"{name}:{line}:"


def _config(folder: Path, name: str, **mappings: Path) -> Path:
    data = yaml.safe_load(ORIGINALS["syncd.yaml"])
    data["store"]["url"] = f"sqlite:///{folder / 'syncd.db'}"
    data["mappings"] = {kind: str(MAPPINGS / f"{kind}.yaml") for kind in ("rules", "okrs")}
    data["mappings"].update({kind: str(path) for kind, path in mappings.items()})
    return _file(folder, name, yaml.safe_dump(data, sort_keys=False))


def test_the_cli_refuses_bombs_and_nests_with_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    """``rules check``, ``check-config`` and ``run`` on anchor bombs (a rule whose ``when``
    names a million valid conditions, a billion list items elsewhere) and 1,000-deep nests:
    exit 2 within the subprocess timeout, every hostile file named with its line, no
    traceback. OKR, agreement and team files are read through ``rules check --config`` and
    ``check-config``, which load every configured mapping file."""
    rules, at_rules = _hostile(tmp_path, "bomb-rules.yaml", "rules.yaml", MILLION_CONDITIONS)
    deep_rules, at_deep_rules = _hostile(tmp_path, "deep-rules.yaml", "rules.yaml", DEEP_FLOW, 1)
    config, at_config = _hostile(tmp_path, "bomb.yaml", "syncd.yaml", BILLION_LAUGHS)
    deep_config, at_deep_config = _hostile(tmp_path, "deep.yaml", "syncd.yaml", DEEP_FLOW)
    others = {
        kind: _hostile(tmp_path, f"bomb-{kind}.yaml", f"{kind}.yaml", BILLION_LAUGHS)
        for kind in ("okrs", "agreements", "teams")
    }
    with_others = _config(tmp_path, "others.yaml", **{k: path for k, (path, _) in others.items()})
    serving = _config(tmp_path, "serving.yaml", rules=rules)
    cases = [
        (("rules", "check", str(rules)), [at_rules]),
        (("rules", "check", str(deep_rules)), [at_deep_rules]),
        (("check-config", "--config", str(config)), [at_config]),
        (("check-config", "--config", str(deep_config)), [at_deep_config]),
        (
            ("rules", "check", "--config", str(with_others), str(MAPPINGS / "rules.yaml")),
            [place for _, place in others.values()],
        ),
        (("check-config", "--config", str(with_others)), [place for _, place in others.values()]),
        (("run", "--config", str(serving)), [at_rules]),
    ]
    for command, places in cases:
        done = run_syncd(*command, env=ENVIRON, timeout=60)
        assert done.returncode == 2, (command, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
        for place in places:
            assert f"{place} refused: " in done.stderr, (command, place, done.stderr)
        tally("hostile YAML: CLI runs refused with exit 2")
