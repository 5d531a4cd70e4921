"""A progress indication for long syncs: a live line on a terminal, a log line elsewhere."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from syncd.app.sync import PageProgress
from syncd.cli.console import text_console

__all__ = ["page_progress"]

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
