"""Bad input: generated and mutated configuration files, rule files, roadmap exports and Jira
issue payloads.

Every loader either succeeds or raises the project's own error whose every problem has a
place (file plus line or key path); a roadmap export is either read, quarantines rows with a
reference, or is refused as a whole with a stated reason. No other exception, ever. Exports
and issues carry text no database holds (NUL, lone surrogates) and numbers no JSON column
gives back (NaN, Infinity, 1e999999, integers past 64 bits): what is read is stored and
reads back, what holds such a number is quarantined. The CLI answers broken files with exit
code 2 and no traceback. The long variant tries more inputs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from hostile_support import HOSTILE_TEXT, out_of_range_numbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import REPO, SAMPLE_CONFIGS, run_syncd, scaled, tally

from connectors.jira.decode import decode_page
from connectors.jira.emulator import JiraEmulator, JsonLiteral, generate_organisation
from connectors.jira.emulator.tamper import encode_body
from connectors.jira.fields import FieldIds
from connectors.jira.parse import parse_issue
from connectors.roadmap import SAMPLES, RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from mappings import parse_agreements, parse_okrs, parse_rule_set, parse_teams
from syncd.core.domain import Issue, Page, RoadmapSnapshot
from syncd.core.errors import ConfigError, Problem, RuleSetError
from syncd.core.storable import unstorable_number
from syncd.service.config import parse_config
from syncd.store import Store, create_store_engine, upgrade

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
                    st.sampled_from(_HOSTILE_BYTES),
                )
            )
            data[position:position] = hostile
        elif action == "truncate":
            del data[position:]
        else:
            data += data[position:]
    return bytes(data)


# Text no database holds (NUL, lone surrogates: raw, as JSON escapes, and as the UTF-8 bytes a
# surrogate would have) and numbers no JSON column gives back.
_HOSTILE_BYTES = (
    b"\x00",
    b"\\u0000",
    b"\\ud800",
    b"\\udfff",
    b"\xed\xa0\x80",
    b"1e999999",
    b"-4.5E+400",
    b"NaN",
    b"-Infinity",
    b"9" * 40,
    b"-" + b"7" * 400,
)
hostile_text = st.builds(
    lambda before, hostile, after: f"{before}{hostile}{after}",
    st.text(max_size=8),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=8),
)
hostile_values = st.one_of(hostile_text, out_of_range_numbers.map(JsonLiteral))


@st.composite
def with_hostile_values(draw: st.DrawFn, name: str, original: bytes) -> bytes:
    """*original* with one to three values made hostile: a JSON export's values (anywhere:
    a record's top level, nested objects, custom fields) replaced, or a NUL written into a
    CSV export's cells."""
    if name.endswith(".csv"):
        text = original.decode("utf-8-sig")
        for _ in range(draw(st.integers(1, 3))):
            position = draw(st.integers(0, len(text)))
            text = text[:position] + "\x00" + text[position:]
        return text.encode("utf-8")
    data = json.loads(original)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)[1:]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = draw(hostile_values)
    return encode_body(data)


@st.composite
def export_inputs(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SAMPLE_CONFIGS)))
    original = (SAMPLES / name).read_bytes()
    return name, draw(st.one_of(damaged(original), with_hostile_values(name, original)))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite store for every generated input of a test module."""
    engine = create_store_engine(f"sqlite:///{tmp_path_factory.mktemp('store') / 'syncd.db'}")
    upgrade(engine)
    yield Store(engine)
    engine.dispose()


@_settings
@given(case=export_inputs())
def test_any_damaged_roadmap_export_is_read_quarantined_or_refused_with_a_reason(
    tmp_path_factory: Any, store: Store, case: tuple[str, bytes]
) -> None:
    """Damaged samples of every format, and samples with hostile text and numbers: a
    snapshot, never an exception; a refused export says why; every quarantined row names its
    place and reason; what is read is stored and reads back, holding no number the store
    cannot keep."""
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
    if snapshot.ok:
        _stored_and_read_back(store, snapshot)
    tally("bad input: roadmap rows quarantined", len(snapshot.rejected))
    tally("bad input: roadmap exports tried")


def _stored_and_read_back(store: Store, snapshot: RoadmapSnapshot) -> None:
    assert all(unstorable_number(item.raw) is None for item in snapshot.items)
    assert all(unstorable_number(k.target) is None for k in snapshot.key_results)
    items = store.replace_roadmap_items("roadmap", snapshot.items, snapshot.rejected, "h")
    stored = list(store.iter_roadmap_items("roadmap"))
    assert len(stored) == items == len({item.item_id for item in stored})
    tally("bad input: roadmap exports stored and read back")


# -- Jira issue payloads --------------------------------------------------------------------
_CLOUD_FIELDS = FieldIds(
    story_points="customfield_10016",
    sprint="customfield_10020",
    epic_link="customfield_10014",
    team="customfield_10001",
    extra={"note": "customfield_10077"},
)
_EVERY_PROJECT = "project in (SHOP, GROW, MOB, PLAT, DATA) ORDER BY id"


@pytest.fixture(scope="module")
def served_issues() -> list[dict[str, Any]]:
    """Issues as the emulator's Cloud search serves them, every field included."""
    org = generate_organisation(issues=30, seed=5, now=datetime(2026, 5, 1, tzinfo=UTC))
    with JiraEmulator(org, "cloud").serve() as url:
        answer = requests.get(
            f"{url}/rest/api/3/search/jql",
            params={"jql": _EVERY_PROJECT, "fields": "*all", "maxResults": 30},
            timeout=10,
        )
    issues: list[dict[str, Any]] = answer.json()["issues"]
    for issue in issues:
        issue["fields"]["customfield_10077"] = {"value": "note", "list": [1, 2.5]}
    return issues


@st.composite
def issue_pages(draw: st.DrawFn, issues: list[dict[str, Any]]) -> tuple[bytes, int]:
    """A search page of two served issues, the first with one to four values made hostile
    anywhere in its payload (keys, names, lists, custom fields, nested objects)."""
    first, second = draw(st.permutations(range(len(issues))))[:2]
    hostile = copy.deepcopy(issues[first])
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from([p for p in _paths(hostile) if p and p[0] != "id"]))
        parent = hostile
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = draw(hostile_values)
    return encode_body({"issues": [hostile, issues[second]]}), int(issues[second]["id"])


@_settings
@given(data=st.data())
def test_any_hostile_issue_payload_is_stored_or_quarantined_and_reads_back(
    served_issues: list[dict[str, Any]], store: Store, data: st.DataObject
) -> None:
    """A page whose first issue carries NUL, lone surrogates or out-of-range numbers: the
    page decodes, each issue is parsed or quarantined with a reason, the page is stored, and
    its neighbour with it; everything reads back, holding no number the store cannot keep."""
    body, neighbour = data.draw(issue_pages(served_issues))

    page = decode_page(body)
    parsed = [parse_issue(raw, "acme", _CLOUD_FIELDS) for raw in page["issues"]]

    issues = tuple(p for p in parsed if isinstance(p, Issue))
    rejected = tuple(p for p in parsed if not isinstance(p, Issue))
    assert neighbour in {issue.issue_id for issue in issues}
    assert all(record.reason.strip() for record in rejected)
    run_id = store.begin_run("acme", "full")
    store.write_page("acme", run_id, Page("SHOP", 0, issues, rejected))
    store.finish_run(run_id, "success")
    # By id: an earlier example may have stored the same issue under a hostile key.
    stored = {issue.issue_id: issue for issue in store.iter_issues("acme")}
    for issue in issues:
        assert unstorable_number(dict(stored[issue.issue_id].raw)) is None
        json.dumps(dict(stored[issue.issue_id].raw)).encode("utf-8")
    tally("bad input: hostile issues tried")
    tally("bad input: hostile issues quarantined", len(rejected))


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
