"""The demo's environment: the whole service on its embedded default, with no set-up.

``demo_environment`` starts the Jira emulator seeded with the demo organisation
(docs/demo-organisation.md), writes its roadmap exports, a copy of the bundled mapping files
(``rules.yaml``, ``okrs.yaml``, ``agreements.yaml``, ``teams.yaml``) and a configuration naming
them into a fresh work folder (with a SQLite store), and stops the emulator on exit; ``syncd
demo`` runs the service on that configuration. The copies are there to read and edit: ``syncd
rules check``/``rules diff`` and ``refresh`` work on them as they would on a team's own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import yaml

import mappings.examples
from connectors.jira.emulator import JiraEmulator, generate_organisation
from connectors.jira.emulator.roadmap_exports import RoadmapExports, write_roadmap_exports
from syncd.core.errors import StoreBusyError
from syncd.store import WriterLock, create_store_engine

__all__ = [
    "MAPPING_FILES",
    "DemoEnvironment",
    "DemoOptions",
    "demo_environment",
    "write_demo_config",
]

_BUNDLED = Path(mappings.examples.__file__).parent
_STORE = "syncd.db"
MAPPING_FILES = ("rules", "okrs", "agreements", "teams")
"""The mapping files the demo copies into its work folder, as ``NAME.yaml``."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What the demo seeds and where it serves: organisation size and seed, the Jira
    deployment to emulate, the endpoints' address, and the work folder (emptied first)."""

    issues: int = 3000
    seed: int = 7
    mode: Literal["cloud", "datacenter"] = "cloud"
    host: str = "127.0.0.1"
    port: int = 9464
    workdir: Path = Path("var/demo")


@dataclass(frozen=True, slots=True)
class DemoEnvironment:
    """A running demo environment: the emulator's URL and the configuration written for it."""

    jira_url: str
    config_path: Path


@contextmanager
def demo_environment(options: DemoOptions) -> Iterator[DemoEnvironment]:
    """Seed and start the emulator, write the exports and the configuration; stop on exit."""
    workdir = options.workdir.resolve()
    _fresh(workdir)
    org = generate_organisation(issues=options.issues, seed=options.seed, now=datetime.now(UTC))
    emulator = JiraEmulator(org, options.mode, user_timezone="America/Los_Angeles")
    jira_url = emulator.start()
    try:
        exports = write_roadmap_exports(org, workdir / "roadmaps", jira_url=jira_url)
        path = write_demo_config(workdir, jira_url, exports, host=options.host, port=options.port)
        yield DemoEnvironment(jira_url, path)
    finally:
        emulator.stop()


def write_demo_config(
    workdir: Path,
    jira_url: str,
    exports: RoadmapExports,
    *,
    host: str = "127.0.0.1",
    port: int = 9464,
) -> Path:
    """Write the demo's configuration (emulator, exports, a copy of the bundled mapping files
    beside it); return its path."""
    for name in MAPPING_FILES:
        shutil.copyfile(_BUNDLED / f"{name}.yaml", workdir / f"{name}.yaml")
    config = {
        "store": {"url": f"sqlite:///{workdir / _STORE}"},
        "service": {"host": host, "port": port, "grace_seconds": 10},
        "sources": {
            "jira": [
                {
                    "name": "acme",
                    "url": jira_url,
                    "auth": {"method": "none"},
                    "projects": ["SHOP", "GROW", "MOB", "PLAT", "DATA"],
                    "interval_seconds": 30,
                    "sweep_interval_seconds": 300,
                    "concurrency": 4,
                }
            ],
            "roadmaps": [
                {
                    "name": "productboard",
                    "format": "productboard_csv",
                    "path": str(exports.productboard),
                },
                {"name": "aha", "format": "aha_csv", "path": str(exports.aha)},
            ],
        },
        "web": {"auth": "none"},
        # Relative: resolved against the configuration's folder, where the copies are.
        "mappings": {name: f"{name}.yaml" for name in MAPPING_FILES},
    }
    path = workdir / "syncd.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _fresh(workdir: Path) -> None:
    # Each demo seeds a new organisation dated from now: an old store would mix two of them.
    if workdir.exists():
        _refuse_if_running(workdir)
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)


def _refuse_if_running(workdir: Path) -> None:
    """``StoreBusyError`` when a demo still writes the store in *workdir* (emptying the folder
    would pull the store from under it); the message names that demo."""
    store = workdir / _STORE
    if not store.exists():
        return
    engine = create_store_engine(f"sqlite:///{store}")
    lock = WriterLock(engine)
    try:
        if not lock.acquire():
            holder = lock.holder() or "another syncd"
            raise StoreBusyError(
                f"the demo folder {workdir} is in use by {holder}; stop that demo, or give "
                "this one another folder with --workdir"
            )
    finally:
        lock.release()
        engine.dispose()
