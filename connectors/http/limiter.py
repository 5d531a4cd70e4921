"""How many requests one source may have in flight: an AIMD limit that follows rate limits.

A ``ConcurrencyLimit`` is shared by every thread that calls one source. It starts at the
configured concurrency (its ``maximum``). An answer that says "too many requests" (429, or
503 with ``Retry-After``) halves the limit (or the requests in flight, when fewer), never
below 1, and closes the gate to every attempt, retries included, until that ``Retry-After``
has passed. Each run of ``run_per_slot * limit`` successes in a row adds one
back, up to the maximum (additive increase, multiplicative decrease). One burst of
rejections is one decrease: a rejection of a request sent before the last decrease changes
nothing more. An answer saying the budget is nearly spent (``X-RateLimit-NearLimit``) takes
one slot away before any refusal (``hear``).

An attempt waits for the gate to open and a slot to be free; the wait ends at once when the
caller's stop event is set (``acquire`` then answers ``None``). Changes are logged:
``http_concurrency_decreased`` at info, ``http_concurrency_increased`` at debug.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import structlog

__all__ = ["ConcurrencyLimit", "Outcome", "Turn"]

Outcome = Literal["success", "throttled", "failed"]
"""How a request ended, for the limit: accepted, refused for its rate, or any other failure."""

_log = structlog.get_logger("connectors.http")
_POLL_SECONDS: Final = 0.05
"""How often a waiting thread looks at its stop event (nothing else can wake it for that)."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One request's slot: the number of decreases (``epoch``) before it was sent."""

    epoch: int


class ConcurrencyLimit:
    """The AIMD limit on one source's requests in flight (see the module docstring).

    *run_per_slot* successes in a row per slot of the current limit earn one more slot (a
    longer run grows back more slowly and probes the server's limit less often); *clock* is a
    monotonic clock in seconds (tests pass their own).
    """

    def __init__(
        self,
        source: str,
        maximum: int,
        *,
        run_per_slot: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if maximum < 1 or run_per_slot < 1:
            raise ValueError("a concurrency limit and its run of successes are at least 1")
        self.source = source
        self.maximum = maximum
        self._run_per_slot = run_per_slot
        self._clock = clock
        self._limit = maximum
        self._in_flight = 0
        self._successes = 0
        self._epoch = 0
        self._closed_until = 0.0
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        """Requests allowed in flight at once now (1 to ``maximum``)."""
        return self._limit

    @property
    def in_flight(self) -> int:
        """Requests holding a slot now."""
        return self._in_flight

    def acquire(self, stop_event: threading.Event) -> Turn | None:
        """Wait until the gate is open and a slot is free, and take the slot; ``None`` when
        *stop_event* is set first. Both in one wait: a thread that found a free slot while
        the gate was closing must not send into the refusal."""
        with self._changed:
            while (closed := self._closed_until - self._clock()) > 0 or (
                self._in_flight >= self._limit
            ):
                if stop_event.is_set():
                    return None
                self._changed.wait(min(closed, _POLL_SECONDS) if closed > 0 else _POLL_SECONDS)
            if stop_event.is_set():
                return None
            self._in_flight += 1
            return Turn(self._epoch)

    def release(self, turn: Turn, outcome: Outcome, retry_after: float | None = None) -> None:
        """Give back *turn*'s slot and learn from its *outcome*; a ``throttled`` answer's
        *retry_after* (seconds) closes the gate to new calls until it has passed."""
        with self._changed:
            self._in_flight -= 1
            if outcome == "success":
                self._succeeded()
            elif outcome == "throttled":
                self._throttled(turn, retry_after)
            self._changed.notify_all()

    def hear(self, headers: Mapping[str, str]) -> None:
        """Learn from an answer's headers: ``X-RateLimit-NearLimit: true`` (Jira Cloud: less
        than a fifth of a budget left) takes one slot away, down to 1, and starts the run of
        successes again, so the limit comes down before the server refuses rather than
        after."""
        if headers.get("X-RateLimit-NearLimit", "").strip().lower() != "true":
            return
        with self._changed:
            self._successes = 0
            self._lower_to(self._limit - 1, near_limit=True)

    def _succeeded(self) -> None:
        self._successes += 1
        if self._successes < self._limit * self._run_per_slot or self._limit >= self.maximum:
            return
        self._successes = 0
        self._limit += 1
        _log.debug("http_concurrency_increased", source=self.source, limit=self._limit)

    def _throttled(self, turn: Turn, retry_after: float | None) -> None:
        if retry_after is not None:
            self._closed_until = max(self._closed_until, self._clock() + retry_after)
        self._successes = 0
        if turn.epoch != self._epoch:
            return  # sent before the last decrease: the same burst, already answered
        self._epoch += 1
        # Half of what was in flight when refused (this request included), not of the limit:
        # at the start fewer requests than the limit may have been enough to be refused.
        in_flight = min(self._limit, self._in_flight + 1)
        self._lower_to(in_flight // 2)

    def _lower_to(self, limit: int, **why: object) -> None:
        """Lower the limit to *limit* (never below 1), logged when it changes."""
        previous, self._limit = self._limit, max(1, limit)
        if self._limit != previous:
            _log.info(
                "http_concurrency_decreased",
                source=self.source,
                limit=self._limit,
                previous=previous,
                **why,
            )
