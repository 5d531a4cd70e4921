"""The one table of outbound HTTP outcomes: for any failed request, retry or fail, and why.

Every request a connector sends (Jira's API, a roadmap export's URL) that does not succeed
ends in ``describe_failure``: an HTTP status or a transport error becomes a
``RequestFailure`` (retry or fail, a bounded reason label, a secret-free account of it).

``OUTCOMES`` maps statuses to actions: 429, 408 and most 5xx are transient (retried,
honouring ``Retry-After`` in seconds or HTTP-date form); 501 and other 4xx are permanent and
fail the run at once with the status and the server's own error messages; a redirect that
reaches a connector is permanent (connectors do not follow redirects to hosts the
configuration does not name). Timeouts (per read or per whole answer), connection resets and
truncated or unparsable bodies are transient; an answer over the size cap and any other
request error are permanent.

What a server says in an error body is kept only as a short excerpt, and only after every
credential form has been masked in it (``syncd.core.redaction.SecretMask``): masking before
cutting, so a credential cut by the length limit is masked too.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final, Literal

import requests

from syncd.core.errors import PermanentSourceError, SourceError, TransientSourceError
from syncd.core.redaction import SecretMask

__all__ = [
    "OUTCOMES",
    "TRANSPORT_OUTCOMES",
    "Action",
    "HttpStatusError",
    "MalformedResponseError",
    "RequestFailure",
    "ResponseDeadlineExceeded",
    "ResponseTooLarge",
    "describe_failure",
    "error_messages",
    "excerpt",
    "parse_retry_after",
    "status_outcome",
]

Action = Literal["retry", "fail"]

_MESSAGE_LIMIT: Final = 300
_MASKED_WINDOW: Final = 4096
"""Characters of one server message that are masked; only the masked text is cut to size."""
_BODY_WINDOW: Final = 64 * 1024
"""Characters of an error body read for its messages."""
_MESSAGES: Final = 10
_HTTP_DATE: Final = re.compile(r"[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT")
_NO_MASK: Final = SecretMask()

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
"""Status -> (action, reason). Statuses not listed fall back by class: 3xx fail as
``redirect``, 4xx fail as ``client``, 5xx retry as ``server_error``, anything else fails as
``unexpected_status``."""


class HttpStatusError(Exception):
    """A non-2xx answer, reduced to what is safe to report: status, masked messages,
    ``Retry-After`` and ``Location``."""

    def __init__(
        self,
        status: int,
        messages: tuple[str, ...] = (),
        retry_after: str | None = None,
        location: str | None = None,
    ) -> None:
        self.status = status
        self.messages = messages
        self.retry_after = retry_after
        self.location = location
        super().__init__(f"HTTP {status}")

    @classmethod
    def from_response(
        cls, response: requests.Response, mask: SecretMask = _NO_MASK
    ) -> HttpStatusError:
        """Capture *response*'s status, error messages (masked by *mask*, then cut), and its
        ``Retry-After`` and ``Location`` headers."""
        body = response.content[: _BODY_WINDOW * 4] if response.content else b""
        text = body.decode(response.encoding or "utf-8", errors="replace")[:_BODY_WINDOW]
        return cls(
            response.status_code,
            error_messages(text, mask),
            response.headers.get("Retry-After"),
            response.headers.get("Location"),
        )


class MalformedResponseError(Exception):
    """A 2xx answer whose body is not the JSON shape the protocol promises (truncated, wrong)."""


class ResponseDeadlineExceeded(requests.Timeout):
    """The whole answer (connection, headers, body) did not arrive within its deadline."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"no complete answer within {seconds:g} s")


class ResponseTooLarge(requests.RequestException):
    """The answer is larger than the cap on one response; it was not read to its end."""

    def __init__(self, limit: int, announced: int | None = None) -> None:
        self.limit = limit
        said = f"{announced} bytes announced" if announced is not None else "more was sent"
        super().__init__(f"answer over the limit of {limit} bytes ({said})")


@dataclass(frozen=True, slots=True)
class RequestFailure:
    """One failed request: what to do about it (``action``), a bounded ``reason`` label, a
    secret-free ``detail``, and the HTTP status and ``Retry-After`` when there was an answer."""

    action: Action
    reason: str
    detail: str
    status: int | None = None
    retry_after: str | None = None

    def error(self, source: str, message: str, now: datetime) -> SourceError:
        """The ``SourceError`` a run ends with because of this failure: transient (with the
        wait the server asked for, read against *now*) or permanent."""
        if self.action == "retry":
            return TransientSourceError(source, message, parse_retry_after(self.retry_after, now))
        return PermanentSourceError(source, message)


_Kinds = type[BaseException] | tuple[type[BaseException], ...]


def _kind(error: BaseException) -> str:
    # Only the kind: some errors (InvalidHeader) quote the header value, a credential.
    return type(error).__name__


TRANSPORT_OUTCOMES: Final[
    tuple[tuple[_Kinds, Action, str, Callable[[BaseException], str]], ...]
] = (
    (ResponseDeadlineExceeded, "retry", "timeout", lambda error: f"timed out: {error}"),
    (ResponseTooLarge, "fail", "too_large", str),
    (
        (MalformedResponseError, json.JSONDecodeError, requests.exceptions.ContentDecodingError),
        "retry",
        "invalid_body",
        lambda error: f"invalid response body: {excerpt(str(error))}",
    ),
    (requests.Timeout, "retry", "timeout", lambda error: f"timed out ({_kind(error)})"),
    (
        (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, ConnectionError),
        "retry",
        "connection",
        lambda error: f"connection failed ({_kind(error)})",
    ),
    (
        requests.RequestException,
        "fail",
        "request",
        lambda error: f"request failed ({_kind(error)})",
    ),
)
"""Errors without an answer, first match wins -> (action, reason, account of the error)."""


def describe_failure(error: BaseException) -> RequestFailure | None:
    """The failure an exception raised by an HTTP operation stands for; ``None`` if it is not
    an HTTP failure (a programming error, which the caller lets through)."""
    if isinstance(error, HttpStatusError):
        action, reason = status_outcome(error.status)
        said = "; ".join(error.messages)
        detail = f"HTTP {error.status} ({reason})" + (f": {said}" if said else "")
        return RequestFailure(action, reason, detail, error.status, error.retry_after)
    for kinds, action, reason, account in TRANSPORT_OUTCOMES:
        if isinstance(error, kinds):
            return RequestFailure(action, reason, account(error))
    return None


def status_outcome(status: int) -> tuple[Action, str]:
    """The action and reason ``OUTCOMES`` gives *status* (falling back by its class)."""
    if status in OUTCOMES:
        return OUTCOMES[status]
    if 500 <= status < 600:
        return "retry", "server_error"
    if 400 <= status < 500:
        return "fail", "client"
    if 300 <= status < 400:
        return "fail", "redirect"
    return "fail", "unexpected_status"


def error_messages(body: str, mask: SecretMask = _NO_MASK) -> tuple[str, ...]:
    """Jira-style ``errorMessages``/``errors``/``message`` of an error body, else its start;
    each masked by *mask*, then cut to a short excerpt."""
    try:
        data: Any = json.loads(body) if body else {}
    except ValueError:
        return (excerpt(body, mask),) if body.strip() else ()
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
    return tuple(excerpt(message, mask) for message in found[:_MESSAGES])


def excerpt(text: str, mask: SecretMask = _NO_MASK) -> str:
    """A short, single-line excerpt of *text*, masked before it is cut."""
    text = " ".join(mask.mask(text[:_MASKED_WINDOW]).split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


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
