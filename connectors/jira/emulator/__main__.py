"""Run a standalone emulated Jira until SIGINT or SIGTERM, printing its URL first::

    python -m connectors.jira.emulator --mode cloud --issues 10000 --seed 7 --port 8080 \\
        --user-timezone America/Los_Angeles --latency-ms 0 --latency-jitter-ms 0 --people 40

``--rate-limit PER_SECOND`` answers 429 (with Jira's rate-limit headers) once a token bucket
of ``--rate-burst`` requests (default: one second's worth), refilled at that rate, runs dry.

``--now`` sets the organisation's present (default: now); ``--clock`` pins the emulator's
clock at a moment (default: it follows real time): pinned before ``--now``, every issue and
history is served as it stood then, and issues created later are absent.

``--ready-file PATH`` also writes the URL to *PATH* once serving (for a parent process
that does not read stdout). ``--control`` reads commands from stdin, one a line, and answers
each on stdout, so a driving process (the benchmarks) can change issues between syncs:

* ``edit FRACTION`` edits the summary of every ``1/FRACTION``-th issue by id (``edit 0.01``
  edits 1%), bumping their ``updated``; answers ``edited N``.
* ``latency MS`` sets the per-page latency; answers ``latency MS``.
* ``requests`` answers ``requests N limited M``: the requests answered so far, and how many
  of them were 429s.

End of input stops the emulator, as a signal does.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from connectors.jira.emulator.clock import Clock
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
        "--latency-jitter-ms",
        type=float,
        default=0.0,
        help="moves each page's latency by up to this much either way (seeded)",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        metavar="PER_SECOND",
        help="answer 429 beyond this many requests a second (default: no limit)",
    )
    parser.add_argument(
        "--rate-burst",
        type=int,
        default=None,
        help="requests the rate limit lets through at once (default: one second's worth)",
    )
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=None,
        help="the organisation's 'now' (ISO 8601 with offset); default: now",
    )
    parser.add_argument(
        "--clock",
        type=datetime.fromisoformat,
        default=None,
        help="pin the emulator's clock here (ISO 8601 with offset); default: real time",
    )
    parser.add_argument("--token", default=None, help="require this API token")
    parser.add_argument("--dc-max-results", type=int, default=1000)
    parser.add_argument(
        "--people", type=int, default=None, help="people sharing the work (default: by size)"
    )
    parser.add_argument(
        "--history-quarters",
        type=int,
        default=1,
        help="quarters of issue history before the OKR period's two (default 1)",
    )
    parser.add_argument(
        "--dc-inline-changelog",
        type=int,
        default=None,
        help="Data Center: show only this many latest histories inline (default: all)",
    )
    parser.add_argument("--ready-file", default=None, help="write the URL here once serving")
    parser.add_argument(
        "--control", action="store_true", help="read edit/latency commands from stdin"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the organisation, serve it, and block until a stop signal."""
    args = _arguments(argv)
    now = args.now.astimezone(UTC) if args.now else datetime.now(UTC)
    org = generate_organisation(
        args.issues, args.seed, now, people=args.people, history_quarters=args.history_quarters
    )
    emulator = JiraEmulator(
        org,
        args.mode,
        user_timezone=args.user_timezone,
        instance_timezone=args.instance_timezone,
        dc_max_results=args.dc_max_results,
        dc_inline_changelog=args.dc_inline_changelog,
        required_token=args.token,
        latency_seconds=args.latency_ms / 1000,
        latency_jitter_seconds=args.latency_jitter_ms / 1000,
        clock=Clock(args.clock.astimezone(UTC)) if args.clock else None,
    )
    if args.rate_limit is not None:
        burst = args.rate_burst or max(1, math.ceil(args.rate_limit))
        emulator.faults.rate_limit(burst, args.rate_limit)
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    with emulator.serve(args.port) as url:
        sys.stdout.write(f"{url}\n")
        sys.stdout.flush()
        if args.ready_file:
            Path(args.ready_file).write_text(f"{url}\n", encoding="utf-8")
        if args.control:
            threading.Thread(target=_control, args=(emulator, stop), daemon=True).start()
        stop.wait()
    return 0


def _control(emulator: JiraEmulator, stop: threading.Event) -> None:
    for line in sys.stdin:
        verb, _, value = line.strip().partition(" ")
        if verb == "edit":
            answer = f"edited {_edit_fraction(emulator, float(value))}"
        elif verb == "requests":
            statuses = [request.status for request in emulator.requests]
            answer = f"requests {len(statuses)} limited {statuses.count(429)}"
        elif verb == "latency":
            emulator.faults.latency_seconds = float(value) / 1000
            answer = f"latency {value}"
        else:
            answer = f"unknown command {verb!r}"
        sys.stdout.write(f"{answer}\n")
        sys.stdout.flush()
    stop.set()


def _edit_fraction(emulator: JiraEmulator, fraction: float) -> int:
    # Evenly spread over ids, so every project (partition) sees its share of the changes.
    ids = sorted(record.id for record in emulator.state.org.issues)
    step = max(1, round(1 / fraction)) if fraction > 0 else len(ids) + 1
    chosen = ids[::step]
    for issue_id in chosen:
        record = emulator.state.get(issue_id)
        if record is not None:
            emulator.edit(issue_id, summary=f"{record.summary} (edited)")
    return len(chosen)


if __name__ == "__main__":
    sys.exit(main())
