"""One benchmark pass over an organisation: every contender against one emulator process.

Contenders are whole commands (``bench.whole``) interleaved (raw, naive, syncd, raw, naive,
syncd, ...) so that ratios compare runs made under the same machine load. Every full sync,
syncd's and the naive baseline's, starts from an empty store.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.emulator import EmulatorProcess
from bench.runner import (
    PROJECTS,
    Samples,
    changed_rules,
    contender,
    scrape_service,
    service_cycles,
    write_config,
)
from bench.stores import BenchStore, bench_store
from bench.whole import naive_script, raw_script, syncd_sync_once
from connectors.jira.fields import discover_fields
from connectors.jira.jql import PAGE_ORDER, sync_partitions

__all__ = ["Options", "Outcome", "fetch_spec", "measure"]

DC_PAGE = 1000  # the emulator's (and Data Center's common) maxResults clamp
CLOUD_PAGE = 100  # /search/jql's cap when fields are requested


@dataclass(frozen=True)
class Options:
    """What to run: repetitions, the naive baseline's size cap, scrapes, profiling, and the
    PostgreSQL server syncd and the naive baseline store on (``None``: a SQLite file)."""

    repeats: int
    latency_repeats: int
    naive_cap: int
    scrapes: int
    latency_ms: float
    profile_dir: Path | None
    postgres: str | None = None


@dataclass
class Outcome:
    """Everything measured for one mode and size."""

    mode: str
    issues: int
    page_size: int
    emulator_start_seconds: float = 0.0
    samples: dict[str, Samples] = field(default_factory=dict)
    scrape: dict[str, Any] = field(default_factory=dict)
    edited: int = 0
    notes: list[str] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)
    cycles: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, result: dict[str, Any]) -> None:
        """Record one run of contender *name*."""
        self.samples.setdefault(name, Samples()).add(result)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(mode: str, issues: int, options: Options, workdir: Path) -> Outcome:
    """Run every benchmark for *issues* issues in *mode*; the emulator runs meanwhile."""
    page = CLOUD_PAGE if mode == "cloud" else DC_PAGE
    outcome = Outcome(mode, issues, page)
    workdir.mkdir(parents=True, exist_ok=True)
    store = bench_store(workdir, options.postgres)
    with EmulatorProcess(mode, issues) as emulator:
        outcome.emulator_start_seconds = emulator.started_seconds
        config = write_config(workdir, emulator.url, store.url, page_size=page)
        raw_spec = fetch_spec(emulator.url, mode, page)
        scope = ", ".join(f'"{key}"' for key in PROJECTS)
        naive_spec = {
            **raw_spec,
            "jql": f"project in ({scope}) {PAGE_ORDER}",
            "database": store.url,
        }
        steps: list[tuple[str, Callable[[], None]]] = [
            ("full sync", lambda: _full(outcome, store, config, raw_spec, naive_spec, options)),
            ("incremental", lambda: _incremental(outcome, emulator, config, options)),
            ("re-decide", lambda: _redecide(outcome, workdir, store, options)),
            ("scrape", lambda: _scrape(outcome, workdir, emulator.url, store, options)),
            ("service cycle", lambda: _cycles(outcome, workdir, emulator, store, options)),
            ("latency", lambda: _latency(outcome, emulator, store, config, raw_spec, options)),
        ]
        try:
            for name, step in steps:
                _say(f"bench: {mode} {issues}: {name}")
                step()
        finally:
            store.drop()
    shutil.rmtree(workdir, ignore_errors=True)
    return outcome


def fetch_spec(url: str, mode: str, page: int) -> dict[str, Any]:
    """The pages a full sync asks for: its fields and its JQL per project partition."""
    fields = discover_fields(requests.get(f"{url}/rest/api/2/field", timeout=30).json())
    partitions = sync_partitions(PROJECTS, None, since=None, overlap_minutes=10, zone=None)
    return {
        "url": url,
        "mode": mode,
        "page_size": page,
        "fields": list(fields.requested()),
        "jqls": [partition.jql for partition in partitions],
    }


def _full(  # noqa: PLR0917 - one interleaved round per repetition
    outcome: Outcome,
    store: BenchStore,
    config: Path,
    raw_spec: dict[str, Any],
    naive_spec: dict[str, Any],
    options: Options,
) -> None:
    workdir = config.parent
    naive = outcome.issues <= options.naive_cap
    if not naive:
        outcome.notes.append(
            f"naive baseline not run at {outcome.issues:,} issues (cap {options.naive_cap:,})"
        )
    for _ in range(options.repeats):
        outcome.add("raw", raw_script(raw_spec, workdir))
        if naive:
            store.reset()
            outcome.add("naive", naive_script(naive_spec, workdir))
        store.reset()
        outcome.add("syncd", syncd_sync_once(config, workdir))  # leaves the store synced
    if options.profile_dir is not None:
        target = options.profile_dir / f"syncd-{outcome.mode}-{outcome.issues}.txt"
        store.reset()
        spec = {"config": str(config), "full": True, "profile": str(target)}
        contender("syncd", spec)
        outcome.profiles["full sync"] = str(target)


def _incremental(
    outcome: Outcome, emulator: EmulatorProcess, config: Path, options: Options
) -> None:
    for _ in range(options.repeats):
        outcome.edited = emulator.edit(0.01)
        outcome.add("incremental", syncd_sync_once(config, config.parent))


def _redecide(outcome: Outcome, workdir: Path, store: BenchStore, options: Options) -> None:
    bundled = workdir / "syncd.yaml"
    changed = write_config(
        workdir,
        _url_of(bundled),
        store.url,
        page_size=outcome.page_size,
        rules=changed_rules(workdir),
    )
    contender("redecide", {"config": str(bundled)})  # decisions under the bundled rules first
    for number in range(options.repeats):
        # Alternate the rule sets, so that every timed refresh follows a rules change.
        config = changed if number % 2 == 0 else bundled
        outcome.add("redecide", contender("redecide", {"config": str(config)}))


def _url_of(config: Path) -> str:
    import yaml

    loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
    return str(loaded["sources"]["jira"][0]["url"])


def _scrape(outcome: Outcome, workdir: Path, url: str, store: BenchStore, options: Options) -> None:
    outcome.scrape = scrape_service(workdir, url, store.url, outcome.page_size, options.scrapes)


def _cycles(
    outcome: Outcome,
    workdir: Path,
    emulator: EmulatorProcess,
    store: BenchStore,
    options: Options,
) -> None:
    outcome.cycles = service_cycles(
        workdir,
        emulator.url,
        store.url,
        outcome.page_size,
        lambda: emulator.edit(0.01),
        options.repeats,
    )


def _latency(  # noqa: PLR0917
    outcome: Outcome,
    emulator: EmulatorProcess,
    store: BenchStore,
    config: Path,
    raw_spec: dict[str, Any],
    options: Options,
) -> None:
    emulator.set_latency(options.latency_ms)
    try:
        for _ in range(options.latency_repeats):
            outcome.add("raw_latency", raw_script(raw_spec, config.parent))
            store.reset()
            outcome.add("syncd_latency", syncd_sync_once(config, config.parent))
    finally:
        emulator.set_latency(0)
