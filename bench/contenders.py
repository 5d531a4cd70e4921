"""Parts of syncd timed alone, one per process: ``python -m bench.contenders NAME SPEC``.

These are spans (a sync, a fetch, a refresh), timed inside the process after its imports;
the whole commands a user runs are timed from outside (``bench.runner.whole_command``).
*SPEC* is a JSON object (the configuration file, ...). The contender prints one JSON line:
its timings, the issues it handled and its own peak RSS (``VmHWM``), so memory is per
contender and never mixes with the driver's or the emulator's.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["main", "peak_rss_mb"]

Spec = dict[str, Any]


def peak_rss_mb(pid: str = "self") -> float:
    """The peak resident set (``VmHWM``) of process *pid*, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def syncd_sync(spec: Spec) -> dict[str, Any]:
    """syncd's own sync (``SyncEngine.sync``) into the SQLite store of the spec's config."""
    from syncd.app.sync import SyncEngine
    from syncd.core.domain import RunOutcome
    from syncd.service.config import load_config
    from syncd.service.logs import configure_logging
    from syncd.service.wiring import jira_sources, open_store

    configure_logging("warning")
    config = load_config(Path(spec["config"]))
    store = open_store(config)
    (source,) = jira_sources(config, stop=threading.Event())
    started = time.perf_counter()
    report = SyncEngine(store).sync(source, full=spec["full"])
    seconds = time.perf_counter() - started
    if report.outcome != RunOutcome.SUCCESS:
        raise RuntimeError(f"sync ended {report.outcome}: {report.error}")
    return {
        "seconds": seconds,
        "issues": report.counts.issues_fetched,
        "pages": report.counts.pages,
        "written": report.counts.issues_inserted + report.counts.issues_updated,
    }


def fetch(spec: Spec) -> dict[str, Any]:
    """syncd's source alone: every page of a full sync fetched and parsed, nothing stored."""
    from syncd.service.config import load_config
    from syncd.service.logs import configure_logging
    from syncd.service.wiring import jira_sources

    configure_logging("warning")
    (source,) = jira_sources(load_config(Path(spec["config"])), stop=threading.Event())
    started = time.perf_counter()
    issues = changes = pages = 0
    for page in source.pages(None):
        pages += 1
        issues += len(page.issues)
        changes += len(page.changes)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "issues": issues, "pages": pages, "changes": changes}


def redecide(spec: Spec) -> dict[str, Any]:
    """Re-decide every stored issue under the spec's config, phase by phase."""
    from bench.phases import refresh_phases

    return refresh_phases(Path(spec["config"]))


_CONTENDERS: dict[str, Callable[[Spec], dict[str, Any]]] = {
    "syncd": syncd_sync,
    "fetch": fetch,
    "redecide": redecide,
}


def main(argv: list[str] | None = None) -> int:
    """Run one contender and print its result with its peak RSS as one JSON line."""
    name, spec = (argv or sys.argv[1:])[:2]
    profile = json.loads(spec).get("profile")
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    cpu = time.process_time()
    result = _CONTENDERS[name](json.loads(spec))
    result["cpu_seconds"] = time.process_time() - cpu  # the measured work, imports excluded
    if profile:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, color=False))
    result["peak_rss_mb"] = peak_rss_mb()
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
