"""Run a standalone emulated Jira until SIGINT or SIGTERM, printing its URL first::

    python -m connectors.jira.emulator --mode cloud --issues 10000 --seed 7 --port 8080 \\
        --user-timezone America/Los_Angeles --latency-ms 0
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from types import FrameType

from connectors.jira.emulator.org import generate_organisation
from connectors.jira.emulator.server import JiraEmulator

__all__ = ["main"]


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m connectors.jira.emulator",
        description="Serve an emulated Jira on 127.0.0.1.",
    )
    parser.add_argument("--mode", choices=("cloud", "dc", "datacenter"), default="cloud")
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--user-timezone", default="UTC")
    parser.add_argument("--instance-timezone", default="UTC")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every search page")
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=None,
        help="the organisation's 'now' (ISO 8601 with offset); default: now",
    )
    parser.add_argument("--token", default=None, help="require this API token")
    parser.add_argument("--dc-max-results", type=int, default=1000)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the organisation, serve it, and block until a stop signal."""
    args = _arguments(argv)
    now = args.now.astimezone(UTC) if args.now else datetime.now(UTC)
    org = generate_organisation(args.issues, args.seed, now)
    emulator = JiraEmulator(
        org,
        args.mode,
        user_timezone=args.user_timezone,
        instance_timezone=args.instance_timezone,
        dc_max_results=args.dc_max_results,
        required_token=args.token,
        latency_seconds=args.latency_ms / 1000,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    with emulator.serve(args.port) as url:
        sys.stdout.write(f"{url}\n")
        sys.stdout.flush()
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
