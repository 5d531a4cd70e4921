"""``syncd backfill``'s document, computed in one process or in several side by side.

A backfill's steps carry their figures from one to the next, so a range is cut into runs of
consecutive steps (``balanced_parts``: of about equal cost, as the organisation grows over
the range), and each run is computed by a process of its own that reads the store, starts
from scratch at its first step and writes its steps to a part file beside the output. The
parts are then joined in order, with one ``# EOF``: the same series and values as one
process computes (a run's first step equals the as-of figures from scratch, which every
step of a single run equals too). A failing part stops the others; no part file is left.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from syncd.app.backfill import backfill_snapshots, balanced_parts
from syncd.core.errors import SyncdError
from syncd.metrics.backfill import EOF, write_steps
from syncd.service.config import Config
from syncd.service.wiring import mapping_files, open_store

__all__ = ["BackfillFailed", "available_cpus", "write_backfill"]

_POLL_SECONDS = 0.5


class BackfillFailed(SyncdError):
    """A part of the backfill stopped before its last step."""


def available_cpus() -> int:
    """The processors this process may run on, within its cgroup's CPU quota (a container's
    CPU limit), at least one."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = count or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text(encoding="ascii").split()
    except (OSError, ValueError):
        return count
    if quota == "max":
        return count
    return max(1, min(count, -(-int(quota) // int(period))))


def write_backfill(
    config: Config,
    moments: Sequence[datetime],
    output: BinaryIO,
    *,
    labels: Mapping[str, str],
    jobs: int,
    log_level: str,
    on_step: Callable[[datetime], None],
) -> int:
    """Write the backfill of *moments* to *output* as one OpenMetrics document, in up to
    *jobs* processes; call *on_step* with each step's moment as it is done (in the order
    steps finish). Returns the number of steps written."""
    store = open_store(config, upgrade=False)
    try:
        parts = balanced_parts(moments, store.issue_creation_times(), jobs) if jobs > 1 else []
        if len(parts) <= 1:
            snapshots = backfill_snapshots(store, mapping_files(config), config.analytics, moments)
            steps = write_steps(snapshots, output, labels, lambda s: on_step(s.computed_at))
            output.write(EOF)
            return steps
    finally:
        store.engine.dispose()
    folder = Path(getattr(output, "name", ".")).parent
    paths = [folder / f".syncd-backfill-{os.getpid()}-part{index}" for index in range(len(parts))]
    runs = [
        _Part(index, part, str(path), config, dict(labels), log_level)
        for index, (part, path) in enumerate(zip(parts, paths, strict=True))
    ]
    try:
        _compute_parts(runs, on_step)
        for path in paths:
            with path.open("rb") as part:
                shutil.copyfileobj(part, output, 1 << 20)
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
    output.write(EOF)
    return sum(len(part) for part in parts)


@dataclass(frozen=True, slots=True)
class _Part:
    """One run of steps for a process of its own: what it computes and where it writes."""

    index: int
    moments: tuple[datetime, ...]
    path: str
    config: Config
    labels: dict[str, str]
    log_level: str


def _compute_parts(parts: list[_Part], on_step: Callable[[datetime], None]) -> None:
    """Run each part in a process of its own; report their steps as they are done."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    workers = [
        context.Process(target=_compute, args=(part, messages), name=f"syncd-backfill-{part.index}")
        for part in parts
    ]
    for worker in workers:
        worker.start()
    running = set(range(len(workers)))
    try:
        while running:
            message = _next(messages)
            if message is None:
                _check_alive(workers, running)
                continue
            kind, index, value = message
            if kind == "step":
                on_step(value)
            elif kind == "done":
                running.discard(index)
            else:
                raise BackfillFailed(f"part {index + 1} of {len(parts)} failed: {value}")
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        messages.close()


def _next(messages: Any) -> tuple[str, int, Any] | None:
    try:
        return messages.get(timeout=_POLL_SECONDS)  # type: ignore[no-any-return]
    except queue.Empty:
        return None


def _check_alive(workers: list[Any], running: set[int]) -> None:
    """``BackfillFailed`` when a running part's process ended without saying why (killed,
    out of memory)."""
    for index in running:
        code = workers[index].exitcode
        if code is not None and code != 0:
            raise BackfillFailed(f"part {index + 1} of {len(workers)} stopped (exit code {code})")


def _compute(part: _Part, messages: Any) -> None:
    """One part, in its own process: its steps written to its path, each reported."""
    from syncd.service.logs import configure_logging

    configure_logging(part.log_level)
    try:
        config = part.config
        store = open_store(config, upgrade=False)
        snapshots = backfill_snapshots(store, mapping_files(config), config.analytics, part.moments)
        with open(part.path, "wb") as output:
            write_steps(
                snapshots,
                output,
                part.labels,
                lambda snapshot: messages.put(("step", part.index, snapshot.computed_at)),
            )
        store.engine.dispose()
    except Exception as error:  # reported to the parent, which stops the other parts
        messages.put(("failed", part.index, f"{type(error).__name__}: {error}"))
        raise SystemExit(1) from None
    messages.put(("done", part.index, None))
