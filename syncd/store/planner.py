"""When a PostgreSQL store should refresh the planner's statistics of ``issues``.

Each page's id look-up (``source = … AND issue_id IN …``) is planned from the table's
statistics. Before there are any (a first sync into a new store; autovacuum off, or not run
yet) or while a new source's issues pour in, the planner takes ``source = …`` to match a
handful of rows, and reads every stored issue of the source for each page: a sync that
slows down as it goes, quadratic in the organisation's size. The store therefore analyses
``issues`` itself whenever a source's issues inserted since the last analyse reach the number
inserted before it (and at least :data:`FLOOR`): a load of *n* issues is analysed about
``log2(n / FLOOR)`` times, each time sampling a bounded number of rows.
"""

from __future__ import annotations

import threading
from typing import Final

__all__ = ["FLOOR", "AnalyseSchedule"]

FLOOR: Final = 1000


class AnalyseSchedule:
    """Counts the issues this process inserts, per source, and says when to analyse."""

    def __init__(self) -> None:
        self._inserted: dict[str, int] = {}
        self._at_last_analyse: dict[str, int] = {}
        self._lock = threading.Lock()

    def due(self, source: str, inserted: int) -> bool:
        """Count *inserted* new issues of *source*; whether ``issues`` should be analysed now."""
        with self._lock:
            total = self._inserted[source] = self._inserted.get(source, 0) + inserted
            before = self._at_last_analyse.get(source, 0)
            return total - before >= max(FLOOR, before)

    def analysed(self) -> None:
        """Record that ``issues`` was just analysed: every source's count starts again."""
        with self._lock:
            self._at_last_analyse.update(self._inserted)
