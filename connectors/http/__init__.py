"""Outbound HTTP for every connector: one outcome table, one retry policy, bounded answers.

``outcomes`` decides, for any failed request, retry or fail and why (``describe_failure``);
``policy`` retries what the table calls transient (``RetryPolicy``); ``transport`` bounds
every answer by a deadline for the whole of it and a size cap (``limit_session``,
``deadline``); ``limiter`` bounds one source's requests in flight, lowering the bound when the
source is rate limited (``ConcurrencyLimit``).
"""

from __future__ import annotations

from connectors.http.limiter import ConcurrencyLimit
from connectors.http.outcomes import (
    OUTCOMES,
    TRANSPORT_OUTCOMES,
    HttpStatusError,
    MalformedResponseError,
    RequestFailure,
    ResponseDeadlineExceeded,
    ResponseTooLarge,
    describe_failure,
    error_messages,
    excerpt,
    parse_retry_after,
    status_outcome,
)
from connectors.http.policy import NullObserver, RequestObserver, RetryPolicy, StopRequestedError
from connectors.http.transport import Deadline, ResponseLimits, deadline, limit_session

__all__ = [
    "OUTCOMES",
    "TRANSPORT_OUTCOMES",
    "ConcurrencyLimit",
    "Deadline",
    "HttpStatusError",
    "MalformedResponseError",
    "NullObserver",
    "RequestFailure",
    "RequestObserver",
    "ResponseDeadlineExceeded",
    "ResponseLimits",
    "ResponseTooLarge",
    "RetryPolicy",
    "StopRequestedError",
    "deadline",
    "describe_failure",
    "error_messages",
    "excerpt",
    "limit_session",
    "parse_retry_after",
    "status_outcome",
]
