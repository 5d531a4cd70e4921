"""The one retry policy every connector's HTTP calls go through.

``OUTCOMES`` maps each HTTP status to an action: 429, 408 and most 5xx are transient (retried
with exponential backoff and jitter, honouring ``Retry-After`` in seconds or HTTP-date form);
other 4xx are permanent and fail the run at once with the status and the server's own error
messages. Timeouts, connection resets and truncated or unparsable bodies are transient too.

``RetryPolicy.call`` runs one operation under that table with tenacity, bounded by
``stop_after_attempt | stop_after_delay`` and a budget of waiting time, with an injected
``sleep`` (tests never wait) and a stop event (SIGTERM ends the waiting at once). When it gives
up it raises ``TransientSourceError``; messages never carry credentials or header values.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final, Literal, Protocol, TypeVar

import requests
import structlog
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)
from tenacity.stop import stop_base

from syncd.core.errors import PermanentSourceError, TransientSourceError

__all__ = [
    "OUTCOMES",
    "HttpStatusError",
    "MalformedResponseError",
    "NullObserver",
    "RequestObserver",
    "RetryPolicy",
    "StopRequestedError",
    "Verdict",
    "classify",
    "error_messages",
    "parse_retry_after",
]

T = TypeVar("T")
Action = Literal["retry", "fail"]

_log = structlog.get_logger("connectors.http")
_MESSAGE_LIMIT: Final = 300
_MAX_BACKOFF_SECONDS: Final = 60.0
_HTTP_DATE: Final = re.compile(r"[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT")

OUTCOMES: Final[Mapping[int, tuple[Action, str]]] = {
    400: ("fail", "bad_request"),
    401: ("fail", "unauthorized"),
    403: ("fail", "forbidden"),
    404: ("fail", "not_found"),
    408: ("retry", "timeout"),
    410: ("fail", "gone"),
    429: ("retry", "rate_limited"),
    500: ("retry", "server_error"),
    501: ("fail", "not_implemented"),
    502: ("retry", "bad_gateway"),
    503: ("retry", "unavailable"),
    504: ("retry", "gateway_timeout"),
}
"""Status -> (action, reason). Statuses not listed fall back by class: 4xx fail, 5xx retry."""


class RequestObserver(Protocol):
    """Counts requests and retries per source (the metrics layer implements it).

    ``status_class`` is ``2xx``/``3xx``/``4xx``/``5xx`` or ``error`` (no HTTP answer);
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


class HttpStatusError(Exception):
    """A non-2xx answer, reduced to what is safe to report: status, messages, Retry-After."""

    def __init__(
        self, status: int, messages: tuple[str, ...] = (), retry_after: str | None = None
    ) -> None:
        self.status = status
        self.messages = messages
        self.retry_after = retry_after
        super().__init__(f"HTTP {status}")

    @classmethod
    def from_response(cls, response: requests.Response) -> HttpStatusError:
        """Capture *response*'s status, error messages and ``Retry-After`` header."""
        return cls(
            response.status_code,
            error_messages(response.text),
            response.headers.get("Retry-After"),
        )


class MalformedResponseError(Exception):
    """A 2xx answer whose body is not the JSON shape the protocol promises (truncated, wrong)."""


class StopRequestedError(TransientSourceError):
    """The stop event was set (SIGTERM): the run ends before it completed."""

    def __init__(self, source: str) -> None:
        super().__init__(source, "stopped by a shutdown request before the run completed")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do about one failed attempt, and a secret-free account of it."""

    action: Action
    reason: str
    detail: str
    status: int | None = None
    retry_after: str | None = None


def error_messages(body: str) -> tuple[str, ...]:
    """Jira-style ``errorMessages``/``errors``/``message`` of an error body, else its start."""
    try:
        data: Any = json.loads(body) if body else {}
    except ValueError:
        return (_bounded(body),) if body.strip() else ()
    if not isinstance(data, dict):
        return ()
    found: list[str] = []
    for key in ("message", "errorMessage"):
        if isinstance(data.get(key), str):
            found.append(data[key])
    if isinstance(data.get("errorMessages"), list):
        found.extend(str(message) for message in data["errorMessages"])
    if isinstance(data.get("errors"), dict):
        found.extend(f"{name}: {message}" for name, message in data["errors"].items())
    return tuple(_bounded(message) for message in found)


def classify(error: BaseException) -> Verdict | None:
    """The verdict for an exception raised by an HTTP operation; ``None`` if it is not one."""
    if isinstance(error, HttpStatusError):
        action, reason = OUTCOMES.get(
            error.status, ("retry", "server_error") if error.status >= 500 else ("fail", "client")
        )
        said = "; ".join(error.messages)
        detail = f"HTTP {error.status} ({reason})" + (f": {said}" if said else "")
        return Verdict(action, reason, detail, error.status, error.retry_after)
    if isinstance(error, requests.Timeout):
        return Verdict("retry", "timeout", f"timed out ({type(error).__name__})")
    if isinstance(
        error,
        requests.ConnectionError | requests.exceptions.ChunkedEncodingError | ConnectionError,
    ):
        return Verdict("retry", "connection", f"connection failed ({type(error).__name__})")
    if isinstance(
        error,
        MalformedResponseError | json.JSONDecodeError | requests.exceptions.ContentDecodingError,
    ):
        return Verdict("retry", "invalid_body", f"invalid response body: {_bounded(str(error))}")
    return None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP-date.

    ``None`` when absent or unreadable (the caller then backs off on its own); never negative.
    A header sent twice arrives joined by commas (``"2, 0"``): the longest wait wins.
    """
    if value is None or not value.strip():
        return None
    waits = [_until(moment, now) for moment in _HTTP_DATE.findall(value)]
    for part in _HTTP_DATE.sub("", value).split(","):
        try:
            seconds = float(part)
        except ValueError:
            continue
        if math.isfinite(seconds):
            waits.append(max(0.0, seconds))
    if not waits:
        try:
            waits.append(_until(value.strip(), now))
        except (TypeError, ValueError, IndexError):
            return None
    return max(waits)


def _until(http_date: str, now: datetime) -> float:
    moment = parsedate_to_datetime(http_date)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


class _Retryable(Exception):
    """Internal: one transient failure, carried through tenacity to the wait and the give-up."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(verdict.detail)


class RetryPolicy:
    """Runs HTTP operations for one source under the outcome table, retrying transient ones.

    Bounded by *max_attempts* attempts, by *max_retry_seconds* of total waiting (one wait is
    capped by it too) and by *stop_event*. *sleep* defaults to waiting on the stop event so a
    shutdown interrupts a long ``Retry-After``. *secrets* are redacted from every message.
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
        secrets: Iterable[str] = (),
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
        self._secrets = tuple(secret for secret in secrets if secret)

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
        except _Retryable as failure:
            if self.stop_event.is_set():
                raise StopRequestedError(self.source) from None
            verdict = failure.verdict
            raise TransientSourceError(
                self.source,
                self.redact(f"{what}: {verdict.detail}; gave up after retrying"),
                parse_retry_after(verdict.retry_after, self._clock()),
            ) from None

    def redact(self, text: str) -> str:
        """*text* with every known secret replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _attempt(self, operation: Callable[[], T], what: str) -> T:
        if self.stop_event.is_set():
            raise StopRequestedError(self.source)
        try:
            result = operation()
        except Exception as error:
            verdict = classify(error)
            if verdict is None:
                raise
            status = "error" if verdict.status is None else f"{verdict.status // 100}xx"
            self.observer.request(self.source, status)
            if verdict.action == "fail":
                raise PermanentSourceError(
                    self.source, self.redact(f"{what}: {verdict.detail}")
                ) from None
            raise _Retryable(verdict) from None
        self.observer.request(self.source, "2xx")
        return result

    def _wait(self, state: RetryCallState) -> float:
        verdict = _verdict_of(state)
        told = parse_retry_after(verdict.retry_after, self._clock()) if verdict else None
        if told is not None:
            return min(told, self.max_retry_seconds)
        backoff = min(_MAX_BACKOFF_SECONDS, self._base * 2 ** (state.attempt_number - 1))
        jittered: float = backoff * self._rng.uniform(0.5, 1.0)
        return min(jittered, self.max_retry_seconds)

    def _wait_for_stop(self, seconds: float) -> None:
        self.stop_event.wait(seconds)

    def _before_sleep(self, state: RetryCallState) -> None:
        verdict = _verdict_of(state)
        reason = verdict.reason if verdict else "unknown"
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


def _verdict_of(state: RetryCallState) -> Verdict | None:
    error = state.outcome.exception() if state.outcome is not None else None
    return error.verdict if isinstance(error, _Retryable) else None


def _bounded(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _utcnow() -> datetime:
    return datetime.now(UTC)
