"""The harness of the tests that run a real Prometheus: free ports, JSON over loopback,
processes started and stopped, the ``syncd`` command of this interpreter, and dashboard
variables resolved as Grafana would."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import dashboards, require_binary

__all__ = [
    "backfilled_demo",
    "free_port",
    "get",
    "run_ok",
    "start_prometheus_on",
    "stop",
    "substituted",
    "syncd_command",
    "variable_values_at",
    "wait_for",
]

STARTUP_SECONDS = 60.0


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str, timeout: float = 5.0) -> Any:
    """The JSON document at *url* (``{}`` for an answer that is not JSON)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
        return json.loads(response.read()) if "json" in response.headers["Content-Type"] else {}


def wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    """Until *url* answers; fail when *process* exits first or after ``STARTUP_SECONDS``."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode} before {url} answered")
        try:
            get(url, timeout=2)
        except OSError:
            time.sleep(0.5)
        else:
            return
    pytest.fail(f"{what} did not answer {url} within {STARTUP_SECONDS:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate *process*, killing it after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def syncd_command() -> str:
    """The ``syncd`` script beside this interpreter, else the one on ``PATH``."""
    script = Path(sys.executable).with_name("syncd")
    return str(script) if script.exists() else "syncd"


def variable_values_at(base: str) -> dict[str, dict[str, str]]:
    """Each dashboard's variables resolved as Grafana would: All (its regex) for multi-value
    variables, otherwise the variable's preselected value (which must be among those
    Prometheus reports) or the first value Prometheus reports that the variable's regex keeps."""
    resolved: dict[str, dict[str, str]] = {}
    for name, document in dashboards().items():
        values = {"${datasource}": "prometheus"}
        for variable in document["templating"]["list"]:
            if variable["type"] != "query":
                continue
            metric = variable["query"]["query"].split("(")[1].split(",")[0]
            found = get(
                f"{base}/api/v1/label/{variable['name']}/values?"
                + urllib.parse.urlencode({"match[]": metric})
            )["data"]
            if variable.get("regex"):
                keep = re.compile(variable["regex"].strip("/"))
                found = [value for value in found if keep.search(value)]
            assert found, f"{name}: variable {variable['name']} has no values"
            preselected = variable["current"].get("value")
            if preselected:
                assert preselected in found, f"{name}: {variable['name']}={preselected} no data"
            single = preselected or found[0]
            values[f"${variable['name']}"] = variable["allValue"] if variable["multi"] else single
        resolved[name] = values
    return resolved


def substituted(expr: str, values: dict[str, str]) -> str:
    """*expr* with every Grafana variable of *values* replaced, longest names first (so that
    ``$team`` never eats the start of a longer name); no variable may be left."""
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace(name, values[name])
    assert "$" not in expr, expr
    return expr


def run_ok(*command: str, timeout: float = 900) -> str:
    """Run *command* and return its standard output; fail the test, with its output, if it
    exits with anything but 0."""
    done = subprocess.run(command, capture_output=True, timeout=timeout, check=False, text=True)  # noqa: S603
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def backfilled_demo(workdir: Path, first: date) -> tuple[Path, Path]:
    """The demo synced once in *workdir*, backfilled from *first* and turned into blocks by
    ``promtool tsdb create-blocks-from openmetrics``: its configuration file and the blocks'
    data folder."""
    promtool = require_binary("promtool")
    run_ok(syncd_command(), "demo", "--once", "--port", "0", "--workdir", str(workdir / "demo"))
    config = workdir / "demo" / "syncd.yaml"
    history = workdir / "history.om"
    run_ok(
        syncd_command(), "backfill", f"--config={config}", f"--from={first}", f"--output={history}"
    )
    data = workdir / "data"
    run_ok(
        promtool,
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        "--max-block-duration=744h",
        str(history),
        str(data),
    )
    return config, data


def start_prometheus_on(workdir: Path, data: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A Prometheus serving the blocks in *data* (kept whatever their age), ready: the
    process and its base URL."""
    binary = require_binary("prometheus")
    (workdir / "prometheus.yml").write_text(yaml.safe_dump({"global": {}}))
    port = free_port()
    with (workdir / "prometheus.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                binary,
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={data}",
                # Blocks older than the retention are deleted at start: keep the history.
                "--storage.tsdb.retention.time=5y",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/-/ready", process, "prometheus")
    return process, base
