"""Running contenders in their own processes and collecting what they report."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import yaml

from bench.contenders import peak_rss_mb

__all__ = [
    "PROJECTS",
    "Samples",
    "contender",
    "scrape_service",
    "service_cycles",
    "write_config",
]

_BUNDLED = Path(__file__).resolve().parent.parent / "mappings" / "examples"
PROJECTS = ("SHOP", "GROW", "MOB", "PLAT", "DATA")


@dataclass
class Samples:
    """Repeated measurements of one contender: seconds and peak RSS per run."""

    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)

    def add(self, result: dict[str, Any]) -> None:
        """Record one run's result."""
        self.seconds.append(result["seconds"])
        self.rss_mb.append(result["peak_rss_mb"])
        for name, value in result.items():
            if name not in ("seconds", "peak_rss_mb") and isinstance(value, int | float):
                self.extra.setdefault(name, []).append(float(value))

    @property
    def median(self) -> float:
        """Median seconds."""
        return statistics.median(self.seconds)

    @property
    def rss(self) -> float:
        """Median peak RSS in MiB."""
        return statistics.median(self.rss_mb)

    def median_of(self, name: str) -> float:
        """Median of an extra figure."""
        return statistics.median(self.extra[name])


def contender(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``bench.contenders NAME`` in a fresh interpreter; its JSON result."""
    command = [sys.executable, "-m", "bench.contenders", name, json.dumps(spec)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"contender {name} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def write_config(
    workdir: Path,
    url: str,
    store_url: str,
    *,
    page_size: int,
    rules: Path | None = None,
    port: int = 0,
    changelog: bool = True,
    weightings: tuple[str, ...] | None = None,
    interval_seconds: int = 3600,
) -> Path:
    """A syncd configuration, in *workdir*, for the emulator at *url* and the store at
    *store_url* (reading histories unless *changelog* is false; the default weightings unless
    *weightings* names them; a service syncs every *interval_seconds*)."""
    config = {
        "store": {"url": store_url},
        "service": {"host": "127.0.0.1", "port": port, "grace_seconds": 5},
        "sources": {
            "jira": [
                {
                    "name": "acme",
                    "url": url,
                    "auth": {"method": "none"},
                    "projects": list(PROJECTS),
                    "page_size": page_size,
                    # One fetch thread per project partition: with 4 threads for 5 projects
                    # the fifth waits, and the slowest thread fetches 34% of the pages.
                    "concurrency": len(PROJECTS),
                    "interval_seconds": interval_seconds,
                    "sweep_interval_seconds": 86400,
                    "changelog": changelog,
                }
            ],
        },
        "mappings": {
            "rules": str(rules or _BUNDLED / "rules.yaml"),
            **{name: str(_BUNDLED / f"{name}.yaml") for name in ("okrs", "agreements", "teams")},
        },
    }
    name = "syncd.yaml" if rules is None else f"syncd-{rules.stem}.yaml"
    if weightings is not None:
        config["analytics"] = {"weightings": list(weightings)}
        name = f"{'-'.join(weightings)}-{name}"
    path = workdir / (name if changelog else f"nochangelog-{name}")
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def changed_rules(workdir: Path) -> Path:
    """The bundled rules with one rule's decision changed: performance work becomes product."""
    text = (_BUNDLED / "rules.yaml").read_text(encoding="utf-8")
    changed = text.replace(
        "then: {work_class: technology, category: performance}",
        "then: {work_class: product, category: feature}",
    )
    if changed == text:
        raise RuntimeError("the bundled rules no longer hold the rule the benchmark changes")
    path = workdir / "rules-changed.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _service(
    workdir: Path,
    url: str,
    store_url: str,
    page_size: int,
    *,
    interval_seconds: int = 3600,
    log: Path | None = None,
) -> Iterator[tuple[str, int]]:
    port = _free_port()
    config = write_config(
        workdir, url, store_url, page_size=page_size, port=port, interval_seconds=interval_seconds
    )
    command = [str(Path(sys.executable).parent / "syncd"), "run", "--config", str(config)]
    with (log or Path(os.devnull)).open("w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"syncd run exited with {process.returncode}")
            try:
                if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("syncd run did not become ready")
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def scrape_service(
    workdir: Path, url: str, store_url: str, page_size: int, scrapes: int
) -> dict[str, Any]:
    """Start ``syncd run`` over the stored organisation and time *scrapes* ``/metrics`` GETs."""
    with _service(workdir, url, store_url, page_size) as (base, pid):
        session = requests.Session()
        session.get(f"{base}/metrics", timeout=30)  # warm the connection
        times: list[float] = []
        size = 0
        for _ in range(scrapes):
            began = time.perf_counter()
            answer = session.get(f"{base}/metrics", timeout=30)
            times.append(time.perf_counter() - began)
            size = len(answer.content)
        times.sort()
        series = sum(1 for line in answer.text.splitlines() if line and line[0] != "#")
        return {
            "median_ms": 1000 * statistics.median(times),
            "p99_ms": 1000 * times[min(len(times) - 1, int(0.99 * len(times)))],
            "bytes": size,
            "series": series,
            "service_rss_mb": peak_rss_mb(str(pid)),
        }


def service_cycles(  # noqa: PLR0917 - the service's store and the emulator it polls
    workdir: Path,
    url: str,
    store_url: str,
    page_size: int,
    edit: Callable[[], int],
    rounds: int,
) -> list[dict[str, Any]]:
    """Start ``syncd run`` (syncing every 2 s) over the stored organisation and let it
    refresh twice (the first refresh reads every issue, the second starts what later ones
    bring up to date, as a service does once per ``REREAD_AFTER``); then *rounds* times,
    *edit* the emulator's issues and time the service's next cycle that wrote something,
    from its log: ``sync_seconds`` (the run), ``refresh_seconds`` (from the run's end to the
    refresh's), their sum ``seconds``, the issues the run ``fetched``, the refresh's
    ``issues_read``, how many were ``edited`` and the service's peak RSS so far."""
    log = workdir / "service.log"
    found = []
    with _service(workdir, url, store_url, page_size, interval_seconds=2, log=log) as (_, pid):
        _refreshes(log, 2)
        for _ in range(rounds):
            seen = len(_events(log))
            edited = edit()
            found.append({**_next_cycle(log, seen), "edited": edited})
            found[-1]["service_rss_mb"] = peak_rss_mb(str(pid))
    return found


def _events(log: Path) -> list[dict[str, Any]]:
    events = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line still being written
    return events


def _wrote(run: dict[str, Any]) -> bool:
    """Whether a ``sync_run`` event wrote issues, new or newer."""
    return int(run.get("issues_inserted", 0)) + int(run.get("issues_updated", 0)) > 0


def _refreshes(log: Path, count: int, timeout: float = 900) -> None:
    """Wait until the service has logged *count* refreshes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for e in _events(log) if e.get("event") == "refreshed") >= count:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the service logged fewer than {count} refreshes")


def _next_cycle(log: Path, seen: int, timeout: float = 900) -> dict[str, Any]:
    """The first cycle logged after the first *seen* events whose sync wrote issues (a cycle
    that only read again the overlap of an earlier round's edits, unchanged, is not it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = _events(log)[seen:]
        synced = next(
            (n for n, e in enumerate(events)
             if e.get("event") == "sync_run" and _wrote(e)),
            None,
        )  # fmt: skip
        if synced is not None:
            refreshed = next((e for e in events[synced:] if e.get("event") == "refreshed"), None)
            if refreshed is not None:
                run = events[synced]
                gap = datetime.fromisoformat(refreshed["timestamp"]) - datetime.fromisoformat(
                    run["timestamp"]
                )
                sync_seconds = float(run["duration_s"])
                return {
                    "seconds": sync_seconds + gap.total_seconds(),
                    "sync_seconds": sync_seconds,
                    "refresh_seconds": gap.total_seconds(),
                    "issues_read": int(refreshed["issues_read"]),
                    "fetched": int(run["issues_fetched"]),
                }
        time.sleep(0.2)
    raise RuntimeError("the service logged no cycle after the edit")
