"""``syncd demo``: the whole service on its embedded default, with no set-up.

Starts the Jira emulator seeded with the demo organisation (docs/demo-organisation.md),
writes its roadmap exports and a configuration into the work folder, and runs the service
against a fresh SQLite store there: sync, classify with the bundled rules, serve metrics.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

import mappings.examples
from connectors.jira.emulator import JiraEmulator, generate_organisation
from connectors.jira.emulator.roadmap_exports import RoadmapExports, write_roadmap_exports
from syncd.service.config import load_config

__all__ = ["register", "write_demo_config"]

_BUNDLED = Path(mappings.examples.__file__).parent


def register(commands: Any) -> None:
    """Add ``syncd demo`` to the ``syncd`` parser."""
    demo = commands.add_parser(
        "demo", help="run syncd against the bundled Jira emulator (no set-up)"
    )
    demo.add_argument("--issues", type=int, default=3000, help="size of the seeded organisation")
    demo.add_argument("--seed", type=int, default=7, help="seed of the generated organisation")
    demo.add_argument(
        "--mode",
        choices=["cloud", "datacenter"],
        default="cloud",
        help="the Jira deployment to emulate",
    )
    demo.add_argument("--host", default="127.0.0.1", help="address of /metrics, /healthz, /readyz")
    demo.add_argument(
        "--port", type=int, default=9464, help="port of the endpoints (0 picks a free one)"
    )
    demo.add_argument(
        "--workdir", type=Path, default=Path("var/demo"), help="where the store and files go"
    )
    demo.add_argument("--once", action="store_true", help="one cycle, print the report, and exit")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from syncd.cli.report import render_report
    from syncd.service.run import build_service, serve

    workdir: Path = args.workdir.resolve()
    _fresh(workdir)
    org = generate_organisation(issues=args.issues, seed=args.seed, now=datetime.now(UTC))
    emulator = JiraEmulator(org, args.mode, user_timezone="America/Los_Angeles")
    jira_url = emulator.start()
    try:
        exports = write_roadmap_exports(org, workdir / "roadmaps", jira_url=jira_url)
        path = write_demo_config(workdir, jira_url, exports, host=args.host, port=args.port)
        service = build_service(load_config(path))
        if args.once:
            service.daemon.run_once()
            snapshot = service.pipeline.current()
            print(render_report(snapshot, fmt="table") if snapshot else "no snapshot")
            return 0
        return serve(service, announce=lambda base: _banner(base, jira_url, path, args))
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
    """Write the demo's configuration (emulator, exports, bundled mappings); return its path."""
    config = {
        "store": {"url": f"sqlite:///{workdir / 'syncd.db'}"},
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
        "mappings": {
            name: str(_BUNDLED / f"{name}.yaml")
            for name in ("rules", "okrs", "agreements", "teams")
        },
    }
    path = workdir / "syncd.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _fresh(workdir: Path) -> None:
    # Each demo seeds a new organisation dated from now: an old store would mix two of them.
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)


def _banner(where: str, jira_url: str, path: Path, args: argparse.Namespace) -> None:
    # Printed once the endpoints are bound: *where* carries the real port, even for --port 0.
    print(
        f"syncd demo: {args.issues} issues, Jira {args.mode} emulator at {jira_url}\n"
        f"  metrics:  {where}/metrics   health: {where}/healthz   ready: {where}/readyz\n"
        f"  try:      syncd status --config {path}\n"
        f"            syncd report --config {path}\n"
        f"            syncd explain SHOP-1 --config {path}\n"
        "  stop with Ctrl-C",
        file=sys.stderr,
        flush=True,
    )
