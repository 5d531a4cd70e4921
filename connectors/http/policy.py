"""The one retry policy every connector's HTTP calls go through.

``RetryPolicy.call`` runs one operation under the outcome table (``connectors.http.outcomes``)
with tenacity: transient failures are retried with exponential backoff and jitter, honouring
``Retry-After``, bounded by ``stop_after_attempt | stop_after_delay`` and a budget of waiting
time, with an injected ``sleep`` (tests never wait) and a stop event (SIGTERM ends the waiting
at once). When it gives up it raises ``TransientSourceError``; a permanent failure raises
``PermanentSourceError`` at once. Messages never carry credentials: every form of the
source's secrets is masked in them. With a ``ConcurrencyLimit`` (``connectors.http.limiter``)
each attempt holds one of the source's slots, and a call waits first while a rate-limited
answer's ``Retry-After`` keeps the source's gate closed (retries included).
"""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import structlog
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)
from tenacity.stop import stop_base

from connectors.http.limiter import ConcurrencyLimit, Outcome, Turn
from connectors.http.outcomes import RequestFailure, describe_failure, parse_retry_after
from syncd.core.errors import PermanentSourceError, TransientSourceError
from syncd.core.redaction import Secret, SecretMask

__all__ = ["NullObserver", "RequestObserver", "RetryPolicy", "StopRequestedError"]

T = TypeVar("T")

_log = structlog.get_logger("connectors.http")
_MAX_BACKOFF_SECONDS = 60.0
_MARKER = "***"


class RequestObserver(Protocol):
    """Counts requests and retries per source (the metrics layer implements it).

    ``status_class`` is ``429`` (on its own, so rate limiting shows), ``2xx``/``3xx``/``4xx``/
    ``5xx``, or ``error`` (no HTTP answer);
    ``reason`` is a bounded label from ``OUTCOMES`` or ``timeout``/``connection``/
    ``invalid_body``.
    """

    def request(self, source: str, status_class: str) -> None:
        """One HTTP request finished with an answer of *status_class*."""
        ...

    def retry(self, source: str, reason: str) -> None:
        """A failed request of *source* is about to be retried because of *reason*."""
        ...


class NullObserver:
    """An observer that records nothing."""

    def request(self, source: str, status_class: str) -> None:
        """Ignore the request."""

    def retry(self, source: str, reason: str) -> None:
        """Ignore the retry."""


class StopRequestedError(TransientSourceError):
    """The stop event was set (SIGTERM): the run ends before it completed."""

    def __init__(self, source: str) -> None:
        super().__init__(source, "stopped by a shutdown request before the run completed")


class _Retryable(Exception):
    """Internal: one transient failure, carried through tenacity to the wait and the give-up."""

    def __init__(self, failure: RequestFailure) -> None:
        self.failure = failure
        super().__init__(failure.detail)


class RetryPolicy:
    """Runs HTTP operations for one source under the outcome table, retrying transient ones.

    Bounded by *max_attempts* attempts, by *max_retry_seconds* of total waiting (one wait is
    capped by it too) and by *stop_event*. *sleep* defaults to waiting on the stop event so a
    shutdown interrupts a long ``Retry-After``. Every form of *secrets* is masked in every
    message (``mask`` offers the same masking to the operations it runs). *limit*, shared by
    the policies of one source's threads, bounds its requests in flight (none: unbounded).
    """

    def __init__(
        self,
        source: str,
        *,
        max_attempts: int,
        max_retry_seconds: float,
        stop_event: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        observer: RequestObserver | None = None,
        rng: random.Random | None = None,
        base_backoff_seconds: float = 1.0,
        secrets: Iterable[Secret | str] = (),
        limit: ConcurrencyLimit | None = None,
    ) -> None:
        self.source = source
        self.max_attempts = max_attempts
        self.max_retry_seconds = max_retry_seconds
        self.stop_event = stop_event or threading.Event()
        self._injected_sleep = sleep
        self._clock = clock or _utcnow
        self.observer: RequestObserver = observer or NullObserver()
        self._rng = rng or random.Random()
        self._base = base_backoff_seconds
        self.mask = SecretMask(secrets, marker=_MARKER)
        self.limit = limit

    def with_stop_event(self, stop_event: threading.Event) -> RetryPolicy:
        """The same policy watching another stop event (one per worker pool)."""
        clone = copy.copy(self)
        clone.stop_event = stop_event
        return clone

    def call(self, operation: Callable[[], T], what: str) -> T:
        """Run *operation*, retrying transient failures; *what* names it in error messages.

        Raises ``PermanentSourceError`` at once for a permanent failure,
        ``TransientSourceError`` when the retries are used up and ``StopRequestedError`` when
        the stop event is set. Other exceptions (programming errors) pass through.
        """
        retrying = Retrying(
            stop=(
                stop_after_attempt(self.max_attempts)
                | stop_after_delay(self.max_retry_seconds)
                | _stop_after_waiting(self.max_retry_seconds)
                | _stop_when_set(self.stop_event)
            ),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self._wait_for_stop if self._injected_sleep is None else self._injected_sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            result: T = retrying(self._attempt, operation, what)
            return result
        except _Retryable as retried:
            if self.stop_event.is_set():
                raise StopRequestedError(self.source) from None
            failure = retried.failure
            message = self.redact(f"{what}: {failure.detail}; gave up after retrying")
            raise failure.error(self.source, message, self._clock()) from None

    def redact(self, text: str) -> str:
        """*text* with every form of the source's secrets replaced by ``***``."""
        return self.mask.mask(text)

    def _attempt(self, operation: Callable[[], T], what: str) -> T:
        if self.stop_event.is_set():
            raise StopRequestedError(self.source)
        turn = None
        if self.limit is not None:
            turn = self.limit.acquire(self.stop_event)
            if turn is None:
                raise StopRequestedError(self.source)
        try:
            result = operation()
        except Exception as error:
            failure = describe_failure(error)
            self._release(turn, _outcome(failure))
            if failure is None:
                raise
            status = _status_class(failure.status)
            self.observer.request(self.source, status)
            if failure.action == "fail":
                raise PermanentSourceError(
                    self.source, self.redact(f"{what}: {failure.detail}")
                ) from None
            raise _Retryable(failure) from None
        self._release(turn, ("success", None))
        self.observer.request(self.source, "2xx")
        return result

    def _release(self, turn: Turn | None, outcome: tuple[Outcome, str | None]) -> None:
        if self.limit is not None and turn is not None:
            kind, retry_after = outcome
            self.limit.release(turn, kind, parse_retry_after(retry_after, self._clock()))

    def _wait_for_stop(self, seconds: float) -> None:
        self.stop_event.wait(seconds)

    def _wait(self, state: RetryCallState) -> float:
        failure = _failure_of(state)
        told = parse_retry_after(failure.retry_after, self._clock()) if failure else None
        if told is not None:
            return min(told, self.max_retry_seconds)
        backoff = min(_MAX_BACKOFF_SECONDS, self._base * 2 ** (state.attempt_number - 1))
        jittered: float = backoff * self._rng.uniform(0.5, 1.0)
        return min(jittered, self.max_retry_seconds)

    def _before_sleep(self, state: RetryCallState) -> None:
        failure = _failure_of(state)
        reason = failure.reason if failure else "unknown"
        self.observer.retry(self.source, reason)
        _log.warning(
            "http_retry",
            source=self.source,
            reason=reason,
            attempt=state.attempt_number,
            wait_s=round(state.upcoming_sleep, 3),
        )


class _stop_after_waiting(stop_base):
    """Stop when the next wait would take the total waiting past *budget* seconds.

    Counts the waits themselves, not the wall clock, so an injected ``sleep`` bounds it too.
    """

    def __init__(self, budget: float) -> None:
        self.budget = budget

    def __call__(self, retry_state: RetryCallState) -> bool:
        return retry_state.idle_for + retry_state.upcoming_sleep > self.budget


class _stop_when_set(stop_base):
    """Stop retrying once *event* is set (shutdown)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.event.is_set()


def _status_class(status: int | None) -> str:
    if status is None:
        return "error"
    return "429" if status == 429 else f"{status // 100}xx"


def _outcome(failure: RequestFailure | None) -> tuple[Outcome, str | None]:
    """What a failed attempt tells the concurrency limit: 429, and 503 with ``Retry-After``,
    say the source is sending too fast (with the wait the server asked for)."""
    if failure is not None and (
        failure.status == 429 or (failure.status == 503 and failure.retry_after is not None)
    ):
        return "throttled", failure.retry_after
    return "failed", None


def _failure_of(state: RetryCallState) -> RequestFailure | None:
    error = state.outcome.exception() if state.outcome is not None else None
    return error.failure if isinstance(error, _Retryable) else None


def _utcnow() -> datetime:
    return datetime.now(UTC)
