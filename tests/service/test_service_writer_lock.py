"""Commands that write take the service's writer lock: one writer at a time, named when busy.

A ``syncd sync --once`` or ``syncd refresh`` beside a running ``syncd run`` is refused with
exit code 75 and a message naming the holder (command, process id, host); with ``--wait`` it
waits and runs once the service has stopped. On SQLite (the lock file) and PostgreSQL (the
advisory lock).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import SyncdProcess, run_syncd, syncd_env, wait_until, write_config

from connectors.jira.emulator import JiraEmulator

EXIT_BUSY = 75


@pytest.fixture
def service(
    tmp_path: Path, database_url: str, emulator: JiraEmulator
) -> Iterator[tuple[SyncdProcess, Path]]:
    """A ``syncd run`` that holds the writer lock (it reports itself the leader), and its
    configuration."""
    config = write_config(tmp_path, emulator.url, database_url, interval_seconds=30)
    with SyncdProcess(["run", "--config", str(config)], tmp_path) as running:
        running.wait_ready(timeout=60)
        wait_until(lambda: running.scrape().get("syncd_leader") == 1.0, 30, "leadership")
        yield running, config


@pytest.mark.parametrize("command", [["sync", "--once"], ["sync", "--census"], ["refresh"]])
def test_a_writing_command_beside_the_service_is_refused_naming_the_holder(
    service: tuple[SyncdProcess, Path], tmp_path: Path, command: list[str]
) -> None:
    running, config = service
    runs_before = len(running.events("sync_run"))

    result = run_syncd(*command, "--config", str(config), cwd=tmp_path)

    assert result.returncode == EXIT_BUSY, result.stderr
    assert f"being written by syncd run (pid {running.pid} on " in result.stderr
    assert "--wait" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(running.events("sync_run")) == runs_before
    assert running.process.poll() is None


def test_with_wait_a_sync_runs_once_the_service_has_stopped(
    service: tuple[SyncdProcess, Path], tmp_path: Path
) -> None:
    running, config = service
    waiting = subprocess.Popen(  # noqa: S603 - fixed program, test-chosen arguments
        [sys.executable, "-m", "syncd", "sync", "--once", "--wait", "--config", str(config)],
        cwd=tmp_path,
        env=syncd_env(),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert waiting.stderr is not None
        first = waiting.stderr.readline()
        assert first.startswith(
            f"syncd: waiting for the writer lock, held by syncd run (pid {running.pid} "
        )
        assert waiting.poll() is None
        assert running.terminate(timeout=30) == 0
        assert waiting.wait(timeout=60) == 0
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
