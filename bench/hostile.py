"""``python -m bench.hostile``: what a lying, endless, slow or bloated Jira costs a sync run.

Prints the figures docs/reliability.md quotes: the requests a Data Center sync spends on
checking its ``total`` (full and unchanged incremental run), how a short ``total`` and an
endless token end, how long a trickled answer holds a run, and the process's peak RSS when
a 300 MB answer arrives. Each case runs ``SyncEngine`` against the emulator in this process,
on a SQLite file in a temporary folder.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.jira.config import JiraSourceConfig
from connectors.jira.emulator import Clock, Fault, JiraEmulator, generate_organisation
from connectors.jira.emulator.lies import PagingLie
from connectors.jira.source import JiraSource
from syncd.app.sync import RunReport, SyncEngine
from syncd.store import Store, create_store_engine, upgrade

_NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_PROJECTS = ("SHOP", "GROW", "MOB", "PLAT", "DATA")


class _Rig:
    """An emulator of *issues* issues in *mode*, a fresh store and an engine."""

    def __init__(self, database: Path, mode: str, issues: int) -> None:
        self.clock = Clock(pinned=_NOW + timedelta(hours=1))
        org = generate_organisation(issues=issues, seed=11, now=_NOW)
        self.emulator = JiraEmulator(org, mode, clock=self.clock, dc_max_results=100)
        self.url = self.emulator.start()
        engine = create_store_engine(f"sqlite:///{database}")
        upgrade(engine)
        self.engine = SyncEngine(Store(engine), clock=self.clock.now)

    def sync(self, **settings: Any) -> RunReport:
        values: dict[str, Any] = {"name": "acme", "url": self.url, "auth": {"method": "none"}}
        values |= {"projects": _PROJECTS, "page_size": 100, **settings}
        config = JiraSourceConfig.model_validate(values)
        return self.engine.sync(JiraSource(config, None, sleep=lambda _: None))

    def searches(self) -> int:
        return sum(1 for r in self.emulator.requests if r.path.endswith(("/search", "/jql")))


def _total_check_cost(rig: _Rig) -> str:
    full = rig.sync()
    sent = rig.searches()
    rig.clock.advance(600)
    rig.emulator.reset_log()
    incremental = rig.sync()
    return (
        f"Data Center, 2,000 issues, pages of 100: full sync {full.counts.pages} pages in {sent} "
        f"search requests; unchanged incremental {incremental.counts.pages} pages in "
        f"{rig.searches()} requests"
    )


def _lie(rig: _Rig, lie: PagingLie) -> str:
    rig.emulator.faults.lie(lie)
    began = time.monotonic()
    report = rig.sync(projects=["SHOP"], concurrency=1)
    seconds = time.monotonic() - began
    pages = rig.searches()
    return f"{lie.kind}: {report.outcome} after {pages} pages, {seconds:.1f} s: {report.error}"


def _fault(rig: _Rig, fault: Fault, **settings: Any) -> str:
    rig.emulator.faults.script("/search", [fault] * 10)
    began = time.monotonic()
    report = rig.sync(projects=["SHOP"], concurrency=1, **settings)
    seconds = time.monotonic() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"{fault.kind}: {report.outcome} in {seconds:.1f} s, peak RSS {peak:.0f} MB: {report.error}"
    )


_CASES: tuple[tuple[str, int, Callable[[_Rig], str]], ...] = (
    ("datacenter", 2000, _total_check_cost),
    ("datacenter", 2000, lambda rig: _lie(rig, PagingLie("total_short", amount=300))),
    ("cloud", 2000, lambda rig: _lie(rig, PagingLie("fresh_tokens"))),
    (
        "cloud",
        200,
        lambda rig: _fault(rig, Fault.trickle(1.0), max_attempts=2, response_deadline_seconds=5),
    ),
    ("cloud", 200, lambda rig: _fault(rig, Fault.oversized(300 * 2**20, announce=False))),
)


def main() -> int:
    """Run every case and print one line each."""
    with tempfile.TemporaryDirectory() as folder:
        for number, (mode, issues, case) in enumerate(_CASES):
            rig = _Rig(Path(folder) / f"case-{number}.db", mode, issues)
            try:
                print(case(rig))
            finally:
                rig.emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
