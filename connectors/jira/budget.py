"""How many pages one query may take before its source is judged endless.

A Jira that hands out a fresh page token for ever, or a ``total`` that keeps growing, would
keep a run paging for ever. Each query walk therefore spends a ``PageBudget`` derived from
what is known of the query's size: Data Center's first ``total``, or Cloud's approximate
count (``/search/approximate-count``), asked only once a query runs past ``FREE_PAGES`` so
that the usual short incremental query costs no extra request. The budget is generous:
``HEADROOM`` times that size plus ``SLACK_RESULTS``, counted in pages of the largest page
the query has served (a server that clamps page sizes silently is not taken for an endless
one), plus ``FREE_PAGES``. A first count below what the query has already served is stale
(Cloud's counts lag), so the larger wins; an exhausted budget asks the count again, ``ASKS``
times in all, before it fails. Without any count the budget assumes ``UNKNOWN_RESULTS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

from syncd.core.errors import PermanentSourceError

__all__ = ["ASKS", "FREE_PAGES", "HEADROOM", "SLACK_RESULTS", "UNKNOWN_RESULTS", "PageBudget"]

FREE_PAGES: Final = 10
HEADROOM: Final = 2
SLACK_RESULTS: Final = 1000
UNKNOWN_RESULTS: Final = 1_000_000
ASKS: Final = 3

Count = Callable[[], int | None]
"""Ask the server how many results the query has (``None``: it cannot say)."""


class PageBudget:
    """The pages one query walk may take; ``spend`` fails the walk once they run out.

    *count* asks the query's size when it is needed; ``know`` sets it from the answer
    itself (Data Center's ``total``), after which it is never asked.
    """

    def __init__(self, *, source: str, partition: str, count: Count | None = None) -> None:
        self._source = source
        self._partition = partition
        self._count = count
        self._asks = 0
        self._expected: int | None = None
        self.pages = 0
        self.served = 0
        self.largest = 0

    def know(self, expected: int) -> None:
        """The query's size as the server stated it; no count will be asked."""
        if self._expected is None:
            self._expected = expected
            self._count = None

    def spend(self, served: int) -> None:
        """One more page, of *served* results; ``PermanentSourceError`` past the budget."""
        self.pages += 1
        self.served += served
        self.largest = max(self.largest, served)
        if self.pages <= FREE_PAGES:
            return
        if self._expected is None:
            self._ask()
        while self.pages > self.allowed() and self._ask():
            pass
        if self.pages > self.allowed():
            size = "a size it does not tell" if self._expected is None else self._expected
            raise PermanentSourceError(
                self._source,
                f"{self._partition}: Jira served {self.pages} pages ({self.served} results) "
                f"for a query of {size} results, more than the {self.allowed()} pages it "
                "could need; its paging would never end",
            )

    def allowed(self) -> int:
        """Pages the walk may take, from what is known now."""
        expected = UNKNOWN_RESULTS if self._expected is None else self._expected
        results = HEADROOM * expected + SLACK_RESULTS
        return FREE_PAGES + math.ceil(results / max(1, self.largest))

    def _ask(self) -> bool:
        """Ask the count (again); whether the budget grew."""
        if self._count is None or self._asks >= ASKS:
            return False
        self._asks += 1
        counted = self._count()
        if counted is None:
            return False
        if self._asks == 1:
            # A first count below what the query has already served is stale (Cloud's
            # counts lag); later ones are not corrected, or repeated pages would feed it.
            counted = max(counted, self.served)
        grew = self._expected is None or counted > self._expected
        self._expected = max(self._expected or 0, counted)
        return grew
