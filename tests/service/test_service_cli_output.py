"""What a person running the commands sees: the configured log level, a report cut short by
``head``, and demo hints that name files which exist."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from service_support import run_syncd, syncd_env, write_config

from connectors.jira.emulator import JiraEmulator, generate_organisation
from syncd.service.demo import MAPPING_FILES, DemoOptions, demo_environment


@dataclass(frozen=True)
class Synced:
    """A store filled by one ``syncd sync --once`` from a running emulator."""

    emulator: JiraEmulator
    config: Path
    folder: Path


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    folder = tmp_path_factory.mktemp("cli-output")
    org = generate_organisation(issues=150, seed=21, now=datetime.now(UTC))
    with JiraEmulator(org, "cloud") as emulator:
        config = write_config(folder, emulator.url, f"sqlite:///{folder / 'syncd.db'}")
        result = run_syncd("sync", "--once", "--config", str(config), cwd=folder)
        assert result.returncode == 0, result.stderr
        yield Synced(emulator, config, folder)


def _levels(stderr: str) -> set[str]:
    return {json.loads(line)["level"] for line in stderr.splitlines() if line.startswith("{")}


def _with_log_level(synced: Synced, level: str) -> Path:
    path = synced.folder / f"config-{level}.yaml"
    path.write_text(synced.config.read_text() + f"log_level: {level}\n", encoding="utf-8")
    return path


def test_log_level_in_the_configuration_file_is_honoured(synced: Synced) -> None:
    """``log_level: warning`` silences the info lines a sync writes; at debug there are more."""
    quiet = run_syncd(
        "sync", "--once", "--config", str(_with_log_level(synced, "warning")), cwd=synced.folder
    )
    default = run_syncd("sync", "--once", "--config", str(synced.config), cwd=synced.folder)

    assert quiet.returncode == default.returncode == 0, quiet.stderr + default.stderr
    assert "info" in _levels(default.stderr)
    assert _levels(quiet.stderr) <= {"warning", "error"}


def test_the_log_level_option_overrides_the_file(synced: Synced) -> None:
    config = _with_log_level(synced, "error")
    result = run_syncd(
        "--log-level", "info", "sync", "--once", "--config", str(config), cwd=synced.folder
    )

    assert result.returncode == 0, result.stderr
    assert "info" in _levels(result.stderr)


def test_report_piped_into_head_ends_quietly(synced: Synced) -> None:
    """The JSON report is larger than a pipe's buffer, so ``head`` closes it mid-write."""
    command = (
        f"{shlex.quote(sys.executable)} -m syncd report --format json "
        f"--config {shlex.quote(str(synced.config))} | head -n 2; "
        'echo "status=${PIPESTATUS[0]}" >&2'
    )
    result = subprocess.run(  # noqa: S603 - fixed program, test-chosen arguments
        ["bash", "-c", command],  # noqa: S607
        cwd=synced.folder,
        env=syncd_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.splitlines()[0] == "{"
    assert result.stderr.strip() == "status=141", result.stderr  # no traceback, no message


def test_the_demo_names_mapping_files_that_exist_in_its_work_folder(tmp_path: Path) -> None:
    """The configuration names copies beside it, so ``rules check`` on the hinted file works."""
    with demo_environment(DemoOptions(issues=50, workdir=tmp_path / "demo")) as demo:
        folder = demo.config_path.parent
        for name in MAPPING_FILES:
            assert (folder / f"{name}.yaml").is_file()
        result = run_syncd(
            "rules",
            "check",
            str(folder / "rules.yaml"),
            "--config",
            str(demo.config_path),
            cwd=tmp_path,
        )
        checked = run_syncd("check-config", "--config", str(demo.config_path), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert re.match(r"\S*rules\.yaml: valid", result.stdout)
    assert checked.returncode == 0, checked.stderr
