"""A port already in use stops ``syncd run`` and ``syncd demo`` with one line naming the port
and the option that sets it (exit 2, no traceback); ``make demo`` takes the port; a second
demo in the folder of a running one leaves that one's store alone."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import SyncdProcess, http_get, run_syncd, write_config

from connectors.jira.emulator import JiraEmulator

_REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port some other program listens on for the whole test."""
    with socket.create_server(("127.0.0.1", 0)) as other:
        yield other.getsockname()[1]


def _only_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if not line.startswith("{")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_run_on_a_taken_port_names_the_port_and_service_port(
    tmp_path: Path, sqlite_url: str, emulator: JiraEmulator, taken_port: int
) -> None:
    config = write_config(tmp_path, emulator.url, sqlite_url, port=taken_port)

    result = run_syncd("run", "--config", str(config), cwd=tmp_path)

    assert result.returncode == 2
    assert _only_line(result.stderr) == (
        f"syncd: cannot serve on 127.0.0.1:{taken_port}: port {taken_port} is in use; "
        f"choose another with service.port in {config}"
    )
    assert "Traceback" not in result.stderr


def test_demo_on_a_taken_port_names_the_port_and_its_option(
    tmp_path: Path, taken_port: int
) -> None:
    result = run_syncd(
        "demo",
        "--issues",
        "50",
        "--port",
        str(taken_port),
        "--workdir",
        str(tmp_path / "demo"),
        cwd=tmp_path,
    )

    assert result.returncode == 2
    line = _only_line(result.stderr)
    assert f"port {taken_port} is in use" in line
    assert "--port (make demo PORT=...)" in line
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("arguments", "environment", "port"),
    [([], {}, "9464"), (["PORT=9999"], {}, "9999"), ([], {"PORT": "9777"}, "9777")],
)
def test_make_demo_takes_the_port_from_a_variable_or_the_environment(
    arguments: list[str], environment: dict[str, str], port: str
) -> None:
    result = subprocess.run(  # noqa: S603 - fixed program, test-chosen arguments
        ["make", "-n", "-C", str(_REPOSITORY), "demo", *arguments],  # noqa: S607
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"syncd demo --port {port}" in result.stdout


def test_a_second_demo_in_a_running_demos_folder_is_refused_and_leaves_its_store(
    tmp_path: Path,
) -> None:
    workdir = tmp_path / "demo"
    args = ["demo", "--issues", "50", "--port", "0", "--workdir", str(workdir)]
    with SyncdProcess(args, tmp_path) as first:
        base = first.wait_ready(timeout=60)
        store = (workdir / "syncd.db").stat()

        second = run_syncd(*args, cwd=tmp_path)

        assert second.returncode == 75
        assert _only_line(second.stderr).startswith(
            f"syncd: the demo folder {workdir} is in use by syncd demo (pid {first.pid} on "
        )
        assert (workdir / "syncd.db").stat().st_ino == store.st_ino
        assert http_get(f"{base}/readyz")[0] == 200
