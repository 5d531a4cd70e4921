"""``syncd demo``: the whole service on its embedded default, with no set-up.

The environment (emulator, exports, configuration) comes from ``syncd.service.demo``; this
module parses the options, runs the service on it and prints where everything is.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from syncd.service.demo import DemoEnvironment

__all__ = ["register"]


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
    from syncd.service.config import load_config
    from syncd.service.demo import DemoOptions, demo_environment
    from syncd.service.run import build_service, serve

    options = DemoOptions(args.issues, args.seed, args.mode, args.host, args.port, args.workdir)
    with demo_environment(options) as demo:
        service = build_service(load_config(demo.config_path), command="syncd demo")
        if args.once:
            service.daemon.run_once()
            snapshot = service.pipeline.current()
            print(render_report(snapshot, fmt="table") if snapshot else "no snapshot")
            return 0
        return serve(
            service,
            announce=lambda base: _banner(base, demo, args),
            port_option="--port (make demo PORT=...)",
        )


def _command_name() -> str:
    """How to call this ``syncd``: its full path when it is not the one on PATH (a venv's)."""
    program = Path(sys.argv[0])
    if program.name != "syncd":
        return f"{sys.executable} -m syncd"
    on_path = shutil.which("syncd")
    return "syncd" if on_path and Path(on_path).resolve() == program.resolve() else str(program)


def _banner(where: str, demo: DemoEnvironment, args: argparse.Namespace) -> None:
    # Printed once the endpoints are bound: *where* carries the real port, even for --port 0.
    jira_url, path = demo.jira_url, demo.config_path
    syncd = _command_name()
    print(
        f"syncd demo: {args.issues} issues, Jira {args.mode} emulator at {jira_url}\n"
        f"  metrics:  {where}/metrics   health: {where}/healthz   ready: {where}/readyz\n"
        f"  web view: {where}/   (the issues behind every figure; no credentials in the demo)\n"
        f"  try:      {syncd} status --config {path}\n"
        f"            {syncd} report --config {path}\n"
        f"            {syncd} explain SHOP-1 --config {path}\n"
        f"            {syncd} rules check {path.parent / 'rules.yaml'} --config {path}\n"
        f"  files:    {path.parent}/{{rules,okrs,agreements,teams}}.yaml "
        "(edit them: the demo reloads them on its next cycle)\n"
        "  stop with Ctrl-C",
        file=sys.stderr,
        flush=True,
    )
