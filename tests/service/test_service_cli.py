"""The ``syncd`` command line as an operator meets it: exit codes, messages, what it stores."""

from __future__ import annotations

import json
import re
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from service_support import (
    BUNDLED,
    SyncdProcess,
    emulator_issue_count,
    free_port,
    run_syncd,
    syncd_env,
    write_config,
)

from connectors.jira.emulator import JiraEmulator, generate_organisation
from syncd.store import (
    Store,
    WriterLock,
    create_store_engine,
    current_revision,
    head_revision,
)


@dataclass(frozen=True)
class Synced:
    """A store filled by one ``syncd sync --once`` from a running emulator."""

    emulator: JiraEmulator
    config: Path
    store: Store
    folder: Path


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """One sync of a 150-issue organisation into SQLite, shared by the read-only tests."""
    folder = tmp_path_factory.mktemp("cli")
    org = generate_organisation(issues=150, seed=21, now=datetime.now(UTC))
    with JiraEmulator(org, "cloud") as emulator:
        store_url = f"sqlite:///{folder / 'syncd.db'}"
        config = write_config(folder, emulator.url, store_url)
        result = run_syncd("sync", "--once", "--config", str(config), cwd=folder)
        assert result.returncode == 0, result.stderr
        yield Synced(emulator, config, Store(create_store_engine(store_url)), folder)


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_check_config_exits_2_listing_every_problem_with_its_line(tmp_path: Path) -> None:
    """Five independent mistakes in one file: all five are listed, each with its line."""
    broken = _write(
        tmp_path / "broken.yaml",
        """
        store:
          url: "sqlite:///syncd.db"
        service:
          port: 99999
        sources:
          jira:
            - name: Acme
              url: ftp://jira.example.com
              auth: {method: none}
              projects: [SHOP]
              interval_seconds: 0
              colour: blue
        """,
    )
    result = run_syncd("check-config", "--config", str(broken), cwd=tmp_path)

    assert result.returncode == 2
    listed = re.findall(r"^  - \S*broken\.yaml:(\d+): (\S+):", result.stderr, re.M)
    assert listed == [
        ("4", "service.port"),
        ("7", "sources.jira[0].name"),
        ("8", "sources.jira[0].url"),
        ("11", "sources.jira[0].interval_seconds"),
        ("12", "sources.jira[0].colour"),
    ]
    assert "Traceback" not in result.stderr


def test_a_missing_credential_is_named_by_its_variable_and_no_secret_is_shown(
    tmp_path: Path,
) -> None:
    """Sources whose variable is unset or empty are reported at their line, naming the
    variable; the token of the source whose variable is set appears nowhere in the output."""
    config = _write(
        tmp_path / "secrets.yaml",
        """
        sources:
          jira:
            - name: cloud
              url: https://acme.atlassian.net
              auth: {method: cloud_token, user: ops@example.com, secret_env: ACME_CLOUD_TOKEN}
              projects: [SHOP]
            - name: dc
              url: https://jira.acme.example
              auth: {method: pat, secret_env: ACME_DC_TOKEN}
              projects: [PLAT]
            - name: legacy
              url: https://legacy.acme.example
              auth: {method: basic, user: sync, secret_env: ACME_LEGACY_PASSWORD}
              projects: [DATA]
        """,
    )
    token = "tok-Zq81-visible-only-to-jira"
    env = syncd_env(ACME_CLOUD_TOKEN=token, ACME_LEGACY_PASSWORD="")
    result = run_syncd("check-config", "--config", str(config), cwd=tmp_path, env=env)

    assert result.returncode == 2
    listed = re.findall(
        r"secrets\.yaml:(\d+): sources\.jira\[(\d)\]\.auth: .*variable (\w+)", result.stderr
    )
    assert listed == [("9", "1", "ACME_DC_TOKEN"), ("13", "2", "ACME_LEGACY_PASSWORD")]
    assert "ACME_CLOUD_TOKEN" not in result.stderr
    assert token not in result.stdout + result.stderr


def test_without_a_configuration_syncd_exits_2_and_says_how_to_give_one(tmp_path: Path) -> None:
    """No --config and no SYNCD_CONFIG: exit 2 naming both ways; no command at all: usage."""
    result = run_syncd("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "pass --config FILE or set SYNCD_CONFIG" in result.stderr
    assert "Traceback" not in result.stderr

    bare = run_syncd(cwd=tmp_path)
    assert bare.returncode == 2
    assert "usage: syncd" in bare.stderr


def test_syncd_config_in_the_environment_names_the_file(synced: Synced) -> None:
    """SYNCD_CONFIG stands in for --config."""
    env = syncd_env(SYNCD_CONFIG=str(synced.config))
    result = run_syncd("check-config", cwd=synced.folder, env=env)
    assert result.returncode == 0, result.stderr
    assert "valid (1 Jira source(s))" in result.stdout


def test_status_json_after_a_sync_shows_counts_watermark_and_last_run(synced: Synced) -> None:
    """The source's stored issues equal the emulator's, with a watermark and a successful
    full run that inserted every one of them."""
    result = run_syncd(
        "status", "--config", str(synced.config), "--format", "json", cwd=synced.folder
    )

    assert result.returncode == 0, result.stderr
    (source,) = json.loads(result.stdout)["sources"]
    issues = emulator_issue_count(synced.emulator)
    assert source["source"] == "acme"
    assert source["issues_stored"] == issues
    assert source["watermark"] is not None
    datetime.fromisoformat(source["watermark"])
    run = source["last_run"]
    assert (run["kind"], run["outcome"], run["error"]) == ("full", "success", None)
    assert run["issues_fetched"] == run["issues_inserted"] == issues
    assert run["finished_at"] is not None


def test_sync_once_against_an_unreachable_jira_exits_1_with_one_line_and_records_the_failure(
    tmp_path: Path,
) -> None:
    """Connection refused: exit 1, one plain `syncd:` line naming the cause, no traceback,
    and the failed run recorded in the store with its error."""
    store_url = f"sqlite:///{tmp_path / 'syncd.db'}"
    config = write_config(
        tmp_path, f"http://127.0.0.1:{free_port()}", store_url, source={"max_attempts": 1}
    )
    result = run_syncd("sync", "--once", "--config", str(config), cwd=tmp_path)

    assert result.returncode == 1
    said = [line for line in result.stderr.splitlines() if line.startswith("syncd:")]
    assert len(said) == 1, result.stderr
    assert re.fullmatch(r"syncd: full run #1 failed: acme: .*connect.*", said[0]), said
    assert "Traceback" not in result.stderr
    (run,) = Store(create_store_engine(store_url)).recent_runs("acme")
    assert run.outcome == "failure"
    assert run.finished_at is not None
    assert run.error is not None
    assert "connect" in run.error


def test_rules_check_exits_2_listing_each_bad_rule_with_its_line(tmp_path: Path) -> None:
    """Structural mistakes (an unknown condition, a bad work class) are all listed with lines;
    so are consistency mistakes (a repeated id, an undeclared category)."""
    structure = _write(
        tmp_path / "structure.yaml",
        """
        format: 1
        name: broken
        categories: {technology: [security], product: [feature]}
        rules:
          - id: security
            when: {labels: [security], colour: red}
            then: {work_class: technology, category: security}
          - id: other
            when: {labels: [x]}
            then: {work_class: sideways}
        """,
    )
    consistency = _write(
        tmp_path / "consistency.yaml",
        """
        format: 1
        name: broken
        categories: {technology: [security], product: [feature]}
        rules:
          - id: security
            when: {labels: [security]}
            then: {work_class: technology, category: security}
          - id: security
            when: {labels: [ktlo]}
            then: {work_class: technology, category: ktlo}
        """,
    )
    expected = {
        structure: [("6", "rules[0].when.colour"), ("10", "rules[1].then.work_class")],
        consistency: [("8", "rules[1].id"), ("10", "rules[1].then.category")],
    }
    for path, problems in expected.items():
        result = run_syncd("rules", "check", str(path), cwd=tmp_path)
        assert result.returncode == 2
        listed = re.findall(rf"^\S*{re.escape(path.name)}:(\d+): (\S+):", result.stderr, re.M)
        assert listed == problems, result.stderr


def test_rules_check_accepts_the_bundled_rule_file(tmp_path: Path) -> None:
    """The bundled rules are valid: exit 0 and the rule count."""
    result = run_syncd("rules", "check", str(BUNDLED / "rules.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"rules\.yaml: valid \(\d+ rules, version \w+\)", result.stdout)


def test_explain_prints_the_matching_rule_and_the_inheritance_path(synced: Synced) -> None:
    """For an issue decided through inheritance, the rule that matched and every key on the
    path; an unknown key exits 1 saying so."""
    decisions = [d for d in synced.store.iter_decisions() if d.rule_id is not None]
    inherited = [d for d in decisions if len(d.path) > 1]
    decision = (inherited or decisions)[0]
    key = decision.path[0]

    result = run_syncd("explain", key, "--config", str(synced.config), cwd=synced.folder)

    assert result.returncode == 0, result.stderr
    assert re.search(rf"^\s+rule:\s+{re.escape(str(decision.rule_id))}\b", result.stdout, re.M)
    path_line = next(line for line in result.stdout.splitlines() if "path:" in line)
    assert all(step in path_line for step in decision.path), (decision.path, path_line)
    missing = run_syncd("explain", "NOPE-1", "--config", str(synced.config), cwd=synced.folder)
    assert missing.returncode == 1
    assert "NOPE-1" in missing.stderr


def test_rules_diff_lists_exactly_the_issues_a_changed_rule_moves(synced: Synced) -> None:
    """Turning the security rule into product work moves exactly the issues decided by it."""
    bundled = (BUNDLED / "rules.yaml").read_text(encoding="utf-8")
    original = "then: {work_class: technology, category: security}"
    assert bundled.count(original) == 1
    changed = synced.folder / "rules-new.yaml"
    changed.write_text(
        bundled.replace(original, "then: {work_class: product, category: customer_request}"),
        encoding="utf-8",
    )
    moved = {d.path[0] for d in synced.store.iter_decisions() if d.rule_id == "security"}
    assert moved, "the organisation has no security work to move"

    result = run_syncd(
        "rules",
        "diff",
        str(changed),
        "--limit",
        "1000",
        "--config",
        str(synced.config),
        cwd=synced.folder,
    )

    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^  ([A-Z]+-\d+) \[", result.stdout, re.M))
    assert listed == moved
    assert f"{len(moved)} of {emulator_issue_count(synced.emulator)} issues would change" in (
        result.stdout
    )


def test_db_upgrade_migrates_a_fresh_sqlite_file_that_status_refused(tmp_path: Path) -> None:
    """`status` on a never-migrated file exits 1 asking for `syncd db upgrade`; after it the
    file is at the head revision and `status` answers."""
    store_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    config = write_config(tmp_path, "http://127.0.0.1:9", store_url)

    refused = run_syncd("status", "--config", str(config), cwd=tmp_path)
    assert refused.returncode == 1
    assert "syncd db upgrade" in refused.stderr

    result = run_syncd("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is up to date" in result.stdout
    assert current_revision(create_store_engine(store_url)) == head_revision()

    status = run_syncd("status", "--config", str(config), "--format", "json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["sources"] == []


def test_db_upgrade_waits_while_another_process_holds_the_migration_lock(tmp_path: Path) -> None:
    """Replicas starting together migrate one at a time: while the migration lock is held
    elsewhere `syncd db upgrade` leaves the store alone, and it migrates once the lock frees."""
    store_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    config = write_config(tmp_path, "http://127.0.0.1:9", store_url)
    engine = create_store_engine(store_url)
    with WriterLock(engine, "migrate"):
        waiting = SyncdProcess(["db", "upgrade", "--config", str(config)], tmp_path)
        time.sleep(2.0)  # ample for an unguarded upgrade to have run (it takes well under 1 s)
        assert waiting.process.poll() is None, waiting.stderr()
        assert current_revision(engine) is None
    assert waiting.process.wait(timeout=30) == 0, waiting.stderr()
    assert current_revision(engine) == head_revision()
