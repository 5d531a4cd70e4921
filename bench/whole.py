"""Whole commands, timed as a user waits for them: from spawn to exit.

Every contender of the main tables is measured the same way: wall seconds from ``Popen`` to
the process's exit, CPU seconds and peak RSS of the process and the children it waited for
(the kernel's accounting, ``wait4``), so imports, schema checks and whatever a command does
after its work all count. What a contender says about itself (a span timed inside it) is
kept beside, never in place of, the whole figures.

Every contender runs as an installed package runs: with its bytecode compiled, as ``pip
install`` leaves it. Before the first timed command the project's packages and the bench's
scripts are compiled, and ``PYTHONDONTWRITEBYTECODE`` is left out of the commands'
environment (``INSTALLED``): otherwise each start would compile the project again.
"""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["INSTALLED", "naive_script", "raw_script", "syncd_sync_once", "whole_command"]

_BIN = Path(sys.executable).parent
_ROOT = Path(__file__).resolve().parent.parent
_LAUNCHER = Path(__file__).resolve().parent / "launch.py"
_PACKAGES = ("syncd", "connectors", "mappings", "bench")
INSTALLED = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The environment every timed command runs in: bytecode is read and written as usual."""
_compiled: list[bool] = []


def _compile_once() -> None:
    """Compile the project's packages, once per benchmark process, as an install does."""
    if not _compiled:
        for package in _PACKAGES:
            compileall.compile_dir(_ROOT / package, quiet=1)
        _compiled.append(True)


def whole_command(command: list[str], workdir: Path) -> dict[str, Any]:
    """Run *command* to its exit: ``seconds`` (wall), ``cpu_seconds``, ``peak_rss_mb``, and
    ``output``/``log``, the text it wrote to stdout and stderr. A failure raises with its log.

    It starts from ``bench.launch``, a small process of its own, so that its peak RSS is its
    own and not the benchmark process's (see there)."""
    _compile_once()
    out, err, cost = workdir / "command.out", workdir / "command.err", workdir / "command.json"
    launched = [sys.executable, str(_LAUNCHER), str(cost), *command]
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.run(launched, stdout=stdout, stderr=stderr, env=INSTALLED, check=False)
    log = err.read_text(encoding="utf-8", errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {process.returncode}:\n{log[-4000:]}")
    measured = json.loads(cost.read_text(encoding="utf-8"))
    return {**measured, "output": out.read_text(encoding="utf-8"), "log": log}


def syncd_sync_once(config: Path, workdir: Path) -> dict[str, Any]:
    """``syncd sync --once --config CONFIG`` as a user runs it; with ``span_seconds``, the sync
    run's own duration from its ``sync_run`` log line (the refresh after it excluded)."""
    run = whole_command([str(_BIN / "syncd"), "sync", "--once", "--config", str(config)], workdir)
    span = sum(
        float(line["duration_s"])
        for line in _json_lines(run.pop("log"))
        if line.get("event") == "sync_run"
    )
    run.pop("output")
    return {**run, "span_seconds": span}


def raw_script(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """``python -m bench.raw_fetch SPEC``, whole; with what the script printed."""
    return _script("bench.raw_fetch", spec, workdir)


def naive_script(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """``python -m bench.naive SPEC``, whole; with what the script printed."""
    return _script("bench.naive", spec, workdir)


def _script(module: str, spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    run = whole_command([sys.executable, "-m", module, json.dumps(spec)], workdir)
    printed = _json_lines(run.pop("output"))
    run.pop("log")
    return {**run, **printed[-1]}


def _json_lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return found
