"""Progress of long commands (syncs, backfills): a live line on a terminal, a log line
elsewhere."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from syncd.app.sync import PageProgress
from syncd.cli.console import text_console

__all__ = ["page_progress", "step_progress"]

_log = structlog.get_logger("syncd.progress")
_LOG_EVERY_SECONDS = 15.0


@contextmanager
def page_progress() -> Iterator[_Reporter]:
    """Yield a callback for ``SyncEngine(on_page=...)`` suited to where stderr goes."""
    if sys.stderr.isatty():
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=text_console(stderr=True), transient=True) as bar:
            yield _Reporter(bar)
    else:
        yield _Reporter(None)


class _Reporter:
    def __init__(self, bar: Progress | None) -> None:
        self._bar = bar
        self._tasks: dict[str, TaskID] = {}
        self._last_log = time.monotonic()

    def __call__(self, progress: PageProgress) -> None:
        text = (
            f"{progress.source}: {progress.fetched} issues in {progress.pages} pages"
            f" (now {progress.partition})"
        )
        if self._bar is not None:
            if progress.source not in self._tasks:
                self._tasks[progress.source] = self._bar.add_task(text, total=None)
            self._bar.update(self._tasks[progress.source], description=text)
        elif time.monotonic() - self._last_log >= _LOG_EVERY_SECONDS:
            self._last_log = time.monotonic()
            _log.info(
                "sync_progress",
                source=progress.source,
                pages=progress.pages,
                fetched=progress.fetched,
            )


@contextmanager
def step_progress(total: int, what: str) -> Iterator[Callable[[str], None]]:
    """Yield a callback to call after each of *total* steps with the step's name: a bar on
    a terminal, a log line every few seconds elsewhere."""
    if sys.stderr.isatty():
        columns = (
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=text_console(stderr=True), transient=True) as bar:
            task = bar.add_task(what, total=total)
            yield lambda name: bar.update(task, advance=1, description=f"{what} {name}")
        return
    done = 0
    last_log = time.monotonic()

    def logged(name: str) -> None:
        nonlocal done, last_log
        done += 1
        if time.monotonic() - last_log >= _LOG_EVERY_SECONDS or done == total:
            last_log = time.monotonic()
            _log.info("progress", what=what, done=done, total=total, step=name)

    yield logged
