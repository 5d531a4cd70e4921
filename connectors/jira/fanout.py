"""Fetching independent partitions on worker threads, handing results over a bounded queue.

Memory stays bounded whatever the organisation's size: a worker blocks once the queue holds
``queue_size`` results the consumer has not taken yet. Results are yielded in the caller's
thread. The first error in any worker halts the others and is re-raised in the caller; the
stop event (or the consumer closing the iterator) halts everything promptly: workers watch
the per-run ``halt`` event, which also ends their retry waits.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar, cast

from connectors.http import StopRequestedError

__all__ = ["fan_out"]

P = TypeVar("P")
R = TypeVar("R")
Worker = Callable[[threading.Event], Callable[[P], Iterator[R]]]
"""Called once per thread with the run's halt event; returns the per-partition function."""

_POLL_SECONDS: Final = 0.05
_JOIN_SECONDS: Final = 2.0


@dataclass(frozen=True, slots=True)
class _Item(Generic[R]):
    result: R | None = None
    error: BaseException | None = None
    finished: bool = False


def fan_out(
    partitions: Sequence[P],
    worker: Worker[P, R],
    *,
    concurrency: int,
    stop_event: threading.Event,
    source: str,
    queue_size: int | None = None,
) -> Iterator[R]:
    """Run ``worker(halt)(partition)`` for every partition on up to *concurrency* threads."""
    threads = max(1, min(concurrency, len(partitions)))
    # One waiting result per thread: when the consumer is the slower side (it usually is:
    # it writes), deeper queues only hold more pages in memory (Data Center pages hold 1000).
    results: queue.Queue[_Item[R]] = queue.Queue(maxsize=queue_size or threads)
    todo: queue.SimpleQueue[P] = queue.SimpleQueue()
    for partition in partitions:
        todo.put(partition)
    halt = threading.Event()
    pool = [
        threading.Thread(
            target=_work,
            args=(worker, todo, results, halt),
            name=f"{source}-fetch-{number}",
            daemon=True,
        )
        for number in range(threads)
    ]
    for thread in pool:
        thread.start()
    try:
        yield from _drain(results, threads, halt, stop_event, source)
    finally:
        halt.set()
        # Workers stuck in a request end with it (daemon threads); do not wait past a bound.
        deadline = time.monotonic() + _JOIN_SECONDS
        for thread in pool:
            thread.join(max(0.0, deadline - time.monotonic()))


def _drain(
    results: queue.Queue[_Item[R]],
    threads: int,
    halt: threading.Event,
    stop_event: threading.Event,
    source: str,
) -> Iterator[R]:
    finished = 0
    while finished < threads:
        if stop_event.is_set():
            halt.set()
            raise StopRequestedError(source)
        try:
            item = results.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            continue
        if item.error is not None:
            halt.set()
            raise item.error
        if item.finished:
            finished += 1
        else:
            yield cast(R, item.result)


def _work(
    worker: Worker[P, R],
    todo: queue.SimpleQueue[P],
    results: queue.Queue[_Item[R]],
    halt: threading.Event,
) -> None:
    try:
        fetch = worker(halt)
        while not halt.is_set():
            try:
                partition = todo.get_nowait()
            except queue.Empty:
                break
            for result in fetch(partition):
                if not _put(results, _Item(result), halt):
                    return
        _put(results, _Item(finished=True), halt)
    except BaseException as error:  # every failure must reach the caller
        _put(results, _Item(error=error), halt)


def _put(results: queue.Queue[_Item[R]], item: _Item[R], halt: threading.Event) -> bool:
    while not halt.is_set():
        try:
            results.put(item, timeout=_POLL_SECONDS)
        except queue.Full:
            continue
        return True
    return False
