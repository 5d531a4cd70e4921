"""Bad input: generated and mutated configuration files, rule files and roadmap exports.

Every loader either succeeds or raises the project's own error whose every problem has a
place (file plus line or key path); a roadmap export is either read, quarantines rows with a
reference, or is refused as a whole with a stated reason. No other exception, ever. The CLI
answers broken files with exit code 2 and no traceback. The long variant tries more inputs.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import REPO, run_syncd, scaled, tally

from connectors.roadmap import SAMPLES, RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from mappings import parse_agreements, parse_okrs, parse_rule_set, parse_teams
from syncd.core.errors import ConfigError, Problem, RuleSetError
from syncd.service.config import parse_config

EXAMPLES = scaled(150, 2000)
CONFIG = (REPO / "docs/examples/syncd.yaml").read_text(encoding="utf-8")
MAPPINGS = REPO / "mappings/examples"
ENVIRON = {"SYNCD_JIRA_TOKEN": "not-a-real-token"}
_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- generated YAML-ish documents and structured mutations ---------------------------------
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "~", "*all", "!!python/object:os.system", "${HOME}", "1e400", "0x10"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
yamlish = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "sources:",
                "  jira:",
                "    - name: acme",
                "      url: https://x",
                "rules:",
                "  - id: a",
                "    when: {labels: [x]}",
                "&a [*a]",
                "key: [unclosed",
                "\t- tab",
                "? [complex, key]",
                ": :",
                "%YAML 9.9",
                "!!binary zzz",
                "--- ",
                "...",
            ]
        ),
    ),
    max_size=12,
).map("\n".join)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for position, value in enumerate(data):
            found += _paths(value, (*prefix, position))
    return found


@st.composite
def mutated(draw: st.DrawFn, original: str) -> str:
    """*original* YAML with one to three keys replaced, deleted or added."""
    data = copy.deepcopy(yaml.safe_load(original))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _assert_placed(problems: tuple[Problem, ...], filename: str) -> None:
    assert problems
    for problem in problems:
        assert problem.file == filename
        assert problem.line is not None or problem.where, problem
        assert problem.message.strip()


def _config_outcome(text: str) -> None:
    try:
        parse_config(text, "syncd.yaml", ENVIRON)
    except ConfigError as error:
        _assert_placed(error.problems, "syncd.yaml")
        tally("bad input: configuration files refused with placed problems")
    tally("bad input: configuration files tried")


@_settings
@given(text=st.one_of(yamlish, mutated(CONFIG), st.text(max_size=200)))
def test_any_configuration_text_loads_or_lists_placed_problems(text: str) -> None:
    """Mutations of the documented example and generated YAML-ish text: ``Config`` or
    ``ConfigError`` with every problem at a line or key path, never anything else."""
    _config_outcome(text)


MAPPING_PARSERS = {
    "rules.yaml": parse_rule_set,
    "okrs.yaml": parse_okrs,
    "agreements.yaml": parse_agreements,
    "teams.yaml": parse_teams,
}
MAPPING_TEXTS = {name: (MAPPINGS / name).read_text(encoding="utf-8") for name in MAPPING_PARSERS}


@st.composite
def mapping_inputs(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(MAPPING_PARSERS)))
    text = draw(st.one_of(mutated(MAPPING_TEXTS[name]), yamlish))
    return name, text


@_settings
@given(case=mapping_inputs())
def test_any_rule_okr_agreement_or_team_file_loads_or_lists_placed_problems(
    case: tuple[str, str],
) -> None:
    """Mutated bundled mapping files: a model or ``RuleSetError`` with placed problems."""
    name, text = case
    try:
        MAPPING_PARSERS[name](text, name)  # type: ignore[operator]
    except RuleSetError as error:
        _assert_placed(error.problems, name)
        tally("bad input: mapping files refused with placed problems")
    tally("bad input: mapping files tried")


SAMPLE_CONFIGS: dict[str, dict[str, Any]] = {
    "productboard-features.csv": {"format": "productboard_csv"},
    "aha-features.csv": {"format": "aha_csv"},
    "productboard-api.json": {"format": "productboard_json"},
    "generic.csv": {
        "format": "generic_csv",
        "delimiter": ";",
        "date_formats": ["%d/%m/%Y"],
        "columns": {"id": "Ref", "title": "Summary", "team": "Area", "start": "From"},
    },
    "generic.json": {
        "format": "generic_json",
        "records": "roadmap.items",
        "columns": {"id": "ref", "title": "summary", "team": "squad.name", "end": "dates.to"},
    },
}


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """*original* with bytes flipped, cut, duplicated or spliced with hostile content."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "double"]))
        if action == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position : position + draw(st.integers(1, 40))]
        elif action == "insert":
            hostile = draw(
                st.one_of(
                    st.binary(max_size=20),
                    st.sampled_from(
                        [b'"', b"\n\n", b"\xff\xfe", b"\xef\xbb\xbf", b"[" * 3000, b"9" * 5000]
                    ),
                )
            )
            data[position:position] = hostile
        elif action == "truncate":
            del data[position:]
        else:
            data += data[position:]
    return bytes(data)


@st.composite
def export_inputs(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SAMPLE_CONFIGS)))
    return name, draw(damaged((SAMPLES / name).read_bytes()))


@_settings
@given(case=export_inputs())
def test_any_damaged_roadmap_export_is_read_quarantined_or_refused_with_a_reason(
    tmp_path_factory: Any, case: tuple[str, bytes]
) -> None:
    """Damaged samples of every format: a snapshot, never an exception; a refused export says
    why; every quarantined row names its place and reason."""
    name, content = case
    path: Path = tmp_path_factory.mktemp("export") / name
    path.write_bytes(content)
    config = RoadmapSourceConfig.model_validate(
        {"name": "roadmap", "path": path, **SAMPLE_CONFIGS[name]}
    )
    snapshot = RoadmapSource(config).poll(None)
    assert snapshot is not None
    if snapshot.fatal is not None:
        assert snapshot.fatal.strip()
        tally("bad input: roadmap exports refused with a reason")
    for rejected in snapshot.rejected:
        assert rejected.reference.strip()
        assert rejected.reason.strip()
    tally("bad input: roadmap rows quarantined", len(snapshot.rejected))
    tally("bad input: roadmap exports tried")


def test_the_cli_answers_broken_files_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    """``syncd check-config`` and ``syncd rules check`` on broken files: exit code 2, each
    problem with its file and line, no traceback."""
    broken_config = tmp_path / "syncd.yaml"
    broken_config.write_text(
        CONFIG.replace("page_size: 100", "page_size: -4").replace("port: 9464", "port: [1"),
        encoding="utf-8",
    )
    invalid_config = tmp_path / "invalid.yaml"
    invalid_config.write_text(CONFIG.replace("page_size: 100", "page_size: lots"), encoding="utf-8")
    broken_rules = tmp_path / "rules.yaml"
    broken_rules.write_text(
        MAPPING_TEXTS["rules.yaml"].replace("work_class: technology", "work_class: chores", 1),
        encoding="utf-8",
    )
    cases = [
        (("check-config", "--config", str(broken_config)), "syncd.yaml:"),
        (("check-config", "--config", str(invalid_config)), "invalid.yaml:"),
        (("rules", "check", str(broken_rules)), "rules.yaml:"),
        (("check-config", "--config", str(tmp_path / "missing.yaml")), "missing.yaml"),
    ]
    for command, place in cases:
        done = run_syncd(*command, env=ENVIRON)
        assert done.returncode == 2, (command, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
        assert place in done.stderr
        tally("bad input: CLI runs refused with exit 2")
