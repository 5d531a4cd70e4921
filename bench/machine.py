"""The machine and software a benchmark ran on, for the results' header."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

__all__ = ["describe_machine", "describe_versions"]

_PACKAGES = ("syncd", "sqlalchemy", "jira", "requests", "orjson", "google-re2", "prometheus-client")


def describe_machine() -> list[tuple[str, str]]:
    """CPU model, cores, memory, kernel, and the load when the benchmark started (the machine
    may be shared: runnable processes over the last minute and five)."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
            break
    return [
        ("CPU", cpu),
        ("cores available", str(len(os.sched_getaffinity(0)))),
        ("memory", memory),
        ("kernel", platform.release()),
        ("load average at start (1, 5 min)", "{:.1f}, {:.1f}".format(*os.getloadavg()[:2])),
    ]


def describe_versions() -> list[tuple[str, str]]:
    """Python and the packages that decide the figures."""
    found = [("Python", platform.python_version())]
    for name in _PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, "not installed"))
    found.append(("SQLite", _sqlite_version()))
    return found


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version
