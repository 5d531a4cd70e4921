"""``syncd check-config`` refuses each bad input with exit 2, its place, and no traceback.

One table of inputs a person can get wrong: the store URL, numbers that are infinite or
booleans, a JQL that escapes its parentheses, and mapping files that are missing, folders,
pipes, too large, not text or not valid. Each is checked alone (the line it is reported at),
then all together (every problem listed in one run).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from service_support import BUNDLED, run_syncd, syncd_env

from mappings._files import MAX_FILE_BYTES


@dataclass(frozen=True)
class BadInput:
    """A configuration with one mistake, and what the report must say about it."""

    name: str
    store_url: str = "sqlite:///syncd.db"
    source: str = ""
    rules: str = str(BUNDLED / "rules.yaml")
    expected: str = ""


_BAD_INPUTS = [
    BadInput(
        "unparsable store url", store_url="not a url", expected=r"store\.url: not a database URL"
    ),
    BadInput(
        "unsupported store driver",
        store_url="mysql://root:hunter2@db/syncd",
        expected=r"store\.url: the driver mysql\+mysqldb is not one syncd supports",
    ),
    BadInput(
        "asynchronous postgres driver",
        store_url="postgresql+asyncpg://syncd@db/syncd",
        expected=r"store\.url: the driver postgresql\+asyncpg .*postgresql\+psycopg://",
    ),
    BadInput(
        "infinite interval",
        source="interval_seconds: .inf",
        expected=r"sources\.jira\[0\]\.interval_seconds: Input should be a finite number",
    ),
    BadInput(
        "NaN timeout",
        source="request_timeout_seconds: .nan",
        expected=r"sources\.jira\[0\]\.request_timeout_seconds: Input should be a finite number",
    ),
    BadInput(
        "boolean page size",
        source="page_size: true",
        expected=r"sources\.jira\[0\]\.page_size: must be a number, not the boolean true",
    ),
    BadInput(
        "boolean interval",
        source="interval_seconds: false",
        expected=r"sources\.jira\[0\]\.interval_seconds: must be a number, not the boolean false",
    ),
    BadInput(
        "jql escaping its parentheses",
        source="jql: 'project = SHOP) OR (project is not EMPTY'",
        expected=r"sources\.jira\[0\]\.jql: .*one balanced expression: '\)' at character 15",
    ),
    BadInput(
        "jql with an unclosed quote",
        source="jql: 'summary ~ \"outage'",
        expected=r"sources\.jira\[0\]\.jql: .*one balanced expression: a \" quote is never closed",
    ),
    BadInput("missing rules file", rules="absent.yaml", expected=r"absent\.yaml: No such file"),
    BadInput("rules file is a folder", rules="folder", expected=r"folder: not a regular file"),
    BadInput("rules file is a pipe", rules="pipe", expected=r"pipe: not a regular file"),
    BadInput("rules file too large", rules="huge.yaml", expected=r"huge\.yaml: larger than 8 MiB"),
    BadInput("rules file not text", rules="binary.yaml", expected=r"binary\.yaml: not UTF-8 text"),
    BadInput(
        "rules file not valid YAML", rules="broken.yaml", expected=r"broken\.yaml:3: not valid YAML"
    ),
    BadInput(
        "rule that does not compile",
        rules="uncompiled.yaml",
        expected=r"uncompiled\.yaml:\d+: .*rules\[0\]",
    ),
]


def _prepare_files(folder: Path) -> None:
    (folder / "folder").mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "huge.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (folder / "binary.yaml").write_bytes(b"format: 1\n\xff\xfe\x00")
    (folder / "broken.yaml").write_text("format: 1\nrules: [\n", encoding="utf-8")
    (folder / "uncompiled.yaml").write_text(
        "format: 1\nname: x\nrules:\n  - id: bad\n    when: {summary_matches: '('}\n"
        "    then: {work_class: product}\n",
        encoding="utf-8",
    )


def _config(folder: Path, bad: BadInput) -> Path:
    source = f"\n      {bad.source}" if bad.source else ""
    path = folder / (re.sub(r"\W+", "-", bad.name) + ".yaml")
    path.write_text(
        f"""store:
  url: "{bad.store_url}"
sources:
  jira:
    - name: acme
      url: http://127.0.0.1:9
      auth: {{method: none}}
      projects: [SHOP]{source}
mappings:
  rules: {bad.rules}
""",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("bad", _BAD_INPUTS, ids=lambda bad: bad.name)
def test_each_bad_input_is_refused_with_exit_2_and_its_place(tmp_path: Path, bad: BadInput) -> None:
    _prepare_files(tmp_path)
    config = _config(tmp_path, bad)

    result = run_syncd("check-config", "--config", str(config), cwd=tmp_path, timeout=30)

    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(bad.expected, result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr
    assert result.stdout == ""


def test_every_problem_of_the_file_and_its_mapping_files_is_listed_in_one_run(
    tmp_path: Path,
) -> None:
    _prepare_files(tmp_path)
    config = tmp_path / "all.yaml"
    config.write_text(
        """store: {url: "mysql://db/syncd"}
sources:
  jira:
    - name: acme
      url: http://127.0.0.1:9
      auth: {method: none}
      jql: 'project = SHOP) OR (project is not EMPTY'
      interval_seconds: .inf
      page_size: true
mappings: {rules: broken.yaml, okrs: folder}
""",
        encoding="utf-8",
    )
    env = syncd_env(SYNCD_STORE_URL="postgresql+asyncpg://syncd:s3cret@db/syncd")

    result = run_syncd("check-config", "--config", str(config), cwd=tmp_path, env=env)

    assert result.returncode == 2
    listed = re.findall(r"^  - (\S+?):(?:(\d+):)? (\S+?)?:? ", result.stderr, re.M)
    places = [(Path(file).name, line) for file, line, _ in listed]
    assert places == [
        ("all.yaml", "1"),
        ("all.yaml", "7"),
        ("all.yaml", "8"),
        ("all.yaml", "9"),
        ("all.yaml", ""),
        ("folder", ""),
        ("broken.yaml", "3"),
    ], result.stderr
    assert "SYNCD_STORE_URL (environment)" in result.stderr
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_valid_configuration_still_passes(tmp_path: Path) -> None:
    config = _config(tmp_path, BadInput("valid", source="jql: 'summary ~ \"a) b\" AND (x = 1)'"))

    result = run_syncd("check-config", "--config", str(config), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_the_documented_example_is_valid_once_its_token_is_given(tmp_path: Path) -> None:
    """docs/examples/syncd.yaml, as a reader copies it: only the credential is missing."""
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "syncd.yaml"

    without = run_syncd("check-config", "--config", str(example), cwd=tmp_path)
    given = run_syncd(
        "check-config",
        "--config",
        str(example),
        cwd=tmp_path,
        env=syncd_env(SYNCD_JIRA_TOKEN="example-token"),
    )

    assert without.returncode == 2
    assert [line for line in without.stderr.splitlines() if line.startswith("  - ")] == [
        line for line in without.stderr.splitlines() if "no credential found" in line
    ]
    assert given.returncode == 0, given.stderr


def test_booleans_and_infinities_in_the_mapping_files_are_refused_at_their_lines(
    tmp_path: Path,
) -> None:
    """``min: true`` would otherwise be an agreed share of 100%, ``target: .inf`` a key result
    no work can progress."""
    (tmp_path / "agreements.yaml").write_text(
        """agreements:
  - id: tech
    subject: {work_class: technology}
    min: true
    max: .inf
    valid_from: 2025-01-01
    owner: cto
""",
        encoding="utf-8",
    )
    (tmp_path / "okrs.yaml").write_text(
        (BUNDLED / "okrs.yaml")
        .read_text(encoding="utf-8")
        .replace("target: 40}", "target: .inf}", 1),
        encoding="utf-8",
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "mappings: {agreements: agreements.yaml, okrs: okrs.yaml}\n", encoding="utf-8"
    )

    result = run_syncd("check-config", "--config", str(config), cwd=tmp_path)

    assert result.returncode == 2
    assert re.search(r"okrs\.yaml:\d+: .*target: Input should be a finite number", result.stderr)
    assert "agreements.yaml:4: agreements[0].min: must be a number, not the boolean true" in (
        result.stderr
    )
    assert "agreements.yaml:5: agreements[0].max: Input should be a finite number" in result.stderr
    assert "Traceback" not in result.stderr
