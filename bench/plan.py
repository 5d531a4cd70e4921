"""One benchmark pass over an organisation: every contender against one emulator process.

Contenders are interleaved (raw, syncd, raw, syncd, ...) so that ratios compare runs made
under the same machine load. Every syncd full sync starts from an empty store.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.emulator import EmulatorProcess
from bench.runner import Samples, changed_rules, contender, scrape_service, write_config
from bench.stores import BenchStore, bench_store

__all__ = ["Options", "Outcome", "measure"]

DC_PAGE = 1000  # the emulator's (and Data Center's common) maxResults clamp
CLOUD_PAGE = 100  # /search/jql's cap when fields are requested


@dataclass(frozen=True)
class Options:
    """What to run: repetitions, the naive baseline's size cap, scrapes, profiling, and the
    PostgreSQL server syncd stores on (``None``: a SQLite file)."""

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
        raw_spec = {"url": emulator.url, "mode": mode, "page_size": page}
        steps: list[tuple[str, Callable[[], None]]] = [
            ("full sync", lambda: _full(outcome, store, config, raw_spec, options, "")),
            ("incremental", lambda: _incremental(outcome, emulator, config, options)),
            ("re-decide", lambda: _redecide(outcome, workdir, store, options)),
            ("scrape", lambda: _scrape(outcome, workdir, emulator.url, store, options)),
            ("naive", lambda: _naive(outcome, emulator.url, workdir, options)),
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


def _full(  # noqa: PLR0917 - the latency pass reuses it with its own suffix and repeats
    outcome: Outcome,
    store: BenchStore,
    config: Path,
    raw_spec: dict[str, Any],
    options: Options,
    suffix: str,
    repeats: int | None = None,
) -> None:
    for _ in range(repeats or options.repeats):
        outcome.add(f"raw{suffix}", contender("raw", raw_spec))
        store.reset()
        outcome.add(f"syncd{suffix}", contender("syncd", {"config": str(config), "full": True}))
    if options.profile_dir is not None and not suffix:
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
        outcome.add("incremental", contender("syncd", {"config": str(config), "full": False}))


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


def _naive(outcome: Outcome, url: str, workdir: Path, options: Options) -> None:
    if outcome.issues > options.naive_cap:
        outcome.notes.append(
            f"naive baseline not run at {outcome.issues:,} issues (cap {options.naive_cap:,}); "
            "its figures are extrapolated linearly from the largest measured size"
        )
        return
    repeats = options.repeats if outcome.issues <= 10_000 else 1
    for _ in range(repeats):
        database = workdir / "naive.db"
        database.unlink(missing_ok=True)
        spec = {"url": url, "mode": outcome.mode, "database": str(database)}
        outcome.add("naive", contender("naive", spec))


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
        _full(outcome, store, config, raw_spec, options, "_latency", options.latency_repeats)
    finally:
        emulator.set_latency(0)
