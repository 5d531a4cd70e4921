"""What the benchmark measures, one contender per process: ``python -m bench.contenders NAME SPEC``.

*SPEC* is a JSON object (the emulator URL, mode, working folder, ...). The contender prints
one JSON line: its timings, the issues it handled and its own peak RSS (``VmHWM``), so
memory is per contender and never mixes with the driver's or the emulator's.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

from bench.naive import naive_sync
from connectors.jira.fields import discover_fields
from connectors.jira.jql import sync_partitions

__all__ = ["main", "peak_rss_mb"]

PROJECTS = ("SHOP", "GROW", "MOB", "PLAT", "DATA")
Spec = dict[str, Any]


def peak_rss_mb(pid: str = "self") -> float:
    """The peak resident set (``VmHWM``) of process *pid*, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def raw_fetch(spec: Spec) -> dict[str, Any]:
    """The ceiling: the same pages syncd asks for, fetched with ``requests`` and decoded."""
    started = time.perf_counter()
    session = requests.Session()
    url = spec["url"]
    fields = discover_fields(session.get(f"{url}/rest/api/2/field", timeout=30).json())
    wanted = ",".join(fields.requested())
    partitions = sync_partitions(PROJECTS, None, since=None, overlap_minutes=10, zone=None)
    issues = pages = 0
    for partition in partitions:
        for body in _raw_pages(session, spec, partition.jql, wanted):
            issues += len(body["issues"])
            pages += 1
    return {"seconds": time.perf_counter() - started, "issues": issues, "pages": pages}


def _raw_pages(session: requests.Session, spec: Spec, jql: str, fields: str) -> Iterator[Any]:
    size = spec["page_size"]
    params: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": size}
    if spec["mode"] == "cloud":
        address = f"{spec['url']}/rest/api/2/search/jql"
        while True:
            body = session.get(address, params=params, timeout=60).json()
            yield body
            token = body.get("nextPageToken")
            if not token or body.get("isLast"):
                return
            params["nextPageToken"] = token
    address = f"{spec['url']}/rest/api/2/search"
    start = 0
    while True:
        body = session.get(address, params={**params, "startAt": start}, timeout=60).json()
        yield body
        start += body["maxResults"]
        if start >= body["total"]:
            return


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


def naive(spec: Spec) -> dict[str, Any]:
    """The baseline: ``jira``'s ``search_issues(maxResults=False)``, one ORM merge per issue."""
    return naive_sync(spec["url"], spec["mode"], Path(spec["database"]), PROJECTS)


_CONTENDERS: dict[str, Callable[[Spec], dict[str, Any]]] = {
    "raw": raw_fetch,
    "syncd": syncd_sync,
    "fetch": fetch,
    "redecide": redecide,
    "naive": naive,
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
