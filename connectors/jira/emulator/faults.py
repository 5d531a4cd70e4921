"""Injectable, deterministic faults: scripted responses, seeded random failures, Cloud
token repeats (search and changelog bulk fetch), Data Center short pages, lying paging
metadata, per-page latency (with seeded jitter), a token-bucket rate limit and eventual
consistency.

Usage::

    emulator.faults.script("/search", [Fault.status(429, retry_after="1"), Fault.reset()])
    emulator.faults.script("/search", [Fault.trickle(0.5), Fault.oversized(300 * 2**20)])
    emulator.faults.script("/project", [Fault.echo_authorization(500, form="percent")])
    emulator.faults.random(rate=0.1, seed=3, kinds=("429", "503", "reset"))
    emulator.faults.lie(PagingLie("total_short", amount=1500))
    emulator.faults.rate_limit(capacity=10, per_second=5.0)
"""

from __future__ import annotations

import base64
import math
import random as _random
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote

from connectors.jira.emulator.lies import PagingLie

__all__ = ["ECHO_FORMS", "RANDOM_KINDS", "Fault", "FaultPlan", "TokenBucket", "echoed"]

ECHO_FORMS = ("raw", "percent", "json", "split", "base64")
"""How an ``echo`` fault shows the Authorization header: as sent, percent-encoded, with every
other character JSON-escaped (``\\u002f``), wrapped every five characters, or inside the
base64 of the whole ``Authorization: ...`` line."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected outcome for one request.

    ``kind`` is ``status`` (answer HTTP ``code`` with a Jira error body and an optional
    ``Retry-After``), ``timeout`` (stall *seconds*, then answer normally), ``reset`` (drop
    the connection with no answer), ``truncated`` (cut the normal JSON body in half),
    ``echo`` (answer ``code`` with the request's Authorization header in the error message,
    in ``form``, after ``pad`` characters, cut to ``cut`` characters), ``trickle`` (send the
    normal answer one byte every *seconds*) or ``oversized`` (pad the normal answer to
    ``size`` bytes, with or without a ``Content-Length``: ``announce``).
    """

    kind: str
    code: int = 200
    retry_after: str | None = None
    seconds: float = 0.0
    message: str | None = None
    form: str = "raw"
    pad: int = 0
    cut: int | None = None
    size: int = 0
    announce: bool = True

    @classmethod
    def status(cls, code: int, retry_after: str | None = None, message: str | None = None) -> Fault:
        """Answer with HTTP *code*, a Jira error body and an optional ``Retry-After``."""
        return cls("status", code, retry_after, 0.0, message)

    @classmethod
    def timeout(cls, seconds: float) -> Fault:
        """Stall *seconds* before answering, so a shorter client read timeout fires."""
        return cls("timeout", seconds=seconds)

    @classmethod
    def reset(cls) -> Fault:
        """Close the connection without answering (the client sees a connection error)."""
        return cls("reset")

    @classmethod
    def truncated_json(cls) -> Fault:
        """Answer 200 with the first half of the real JSON body."""
        return cls("truncated")

    @classmethod
    def echo_authorization(
        cls, code: int = 500, *, form: str = "raw", pad: int = 0, cut: int | None = None
    ) -> Fault:
        """Answer HTTP *code* with an error message quoting the request's Authorization header,
        as careless proxies and debug pages do (secret-leak tests): in *form* (one of
        ``ECHO_FORMS``), after *pad* characters of preamble, cut to *cut* characters."""
        if form not in ECHO_FORMS:
            raise ValueError(f"unknown echo form {form!r}; one of {', '.join(ECHO_FORMS)}")
        return cls("echo", code, form=form, pad=pad, cut=cut)

    @classmethod
    def trickle(cls, seconds_per_byte: float) -> Fault:
        """Send the normal answer one byte every *seconds_per_byte*: each read is quick, the
        answer never ends in time."""
        return cls("trickle", seconds=seconds_per_byte)

    @classmethod
    def oversized(cls, size: int, *, announce: bool = True) -> Fault:
        """Answer 200 with the normal JSON padded to *size* bytes, announcing that size in
        ``Content-Length`` or (``announce=False``) sending it until the connection closes."""
        return cls("oversized", size=size, announce=announce)

    @classmethod
    def retry_after_date(cls, status: int = 429, when: datetime | None = None) -> Fault:
        """Answer *status* with an HTTP-date ``Retry-After`` (a form pyc cannot parse)."""
        moment = (when or datetime.now(UTC) + timedelta(seconds=1)).astimezone(UTC)
        return cls("status", status, format_datetime(moment, usegmt=True))


RANDOM_KINDS: dict[str, Fault] = {
    "429": Fault.status(429, retry_after="1"),
    "503": Fault.status(503, retry_after="1"),
    "503-bare": Fault.status(503),
    "500": Fault.status(500),
    "502": Fault.status(502),
    "reset": Fault.reset(),
    "truncated": Fault.truncated_json(),
    "timeout": Fault.timeout(2.0),
}


def echoed(header: str, fault: Fault) -> str:
    """The error message of an ``echo`` *fault*, showing the Authorization *header*."""
    value = header[: fault.cut] if fault.cut is not None else header
    if fault.form == "percent":
        value = quote(value, safe="")
    elif fault.form == "json":
        value = "".join(c if c.isalnum() else f"\\u{ord(c):04x}" for c in value)
    elif fault.form == "split":
        value = "\n".join(value[i : i + 5] for i in range(0, len(value), 5))
    elif fault.form == "base64":
        value = base64.b64encode(f"Authorization: {value}".encode()).decode("ascii")
    return f"{'.' * fault.pad}Request failed; it carried Authorization: {value}"


class TokenBucket:
    """A token bucket: *capacity* requests, refilled at *per_second*; thread-safe."""

    def __init__(self, capacity: int, per_second: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self._tokens = float(capacity)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, int, int]:
        """Spend a token: (allowed, tokens remaining, whole seconds until the next one)."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.per_second)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True, int(self._tokens), 0
            wait = math.ceil((1 - self._tokens) / self.per_second)
            return False, 0, max(wait, 1)


class FaultPlan:
    """The faults an emulator applies; every knob is off until set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: list[tuple[str, deque[Fault]]] = []
        self._random: tuple[float, _random.Random, tuple[Fault, ...], str] | None = None
        self.repeat_tokens = 0
        self.repeat_changelog_tokens = 0
        self.short_pages = 0
        self.short_page_drop = 1
        self.latency_seconds = 0.0
        self.latency_jitter_seconds = 0.0
        self._jitter = _random.Random(0)
        self.consistency_lag_seconds = 0.0
        self.bucket: TokenBucket | None = None
        self.paging_lie: PagingLie | None = None

    def script(self, path: str, faults: Iterable[Fault]) -> None:
        """Answer the next requests whose path contains *path* with *faults*, in order."""
        with self._lock:
            self._scripts.append((path, deque(faults)))

    def random(
        self,
        rate: float,
        seed: int,
        kinds: Iterable[str] = ("429", "503", "500"),
        path: str = "/search",
    ) -> None:
        """Fail a seeded, reproducible *rate* of requests to *path* with one of *kinds*."""
        chosen = tuple(RANDOM_KINDS[kind] for kind in kinds)
        with self._lock:
            self._random = (rate, _random.Random(seed), chosen, path)

    def repeat_page_token(self, times: int = 1) -> None:
        """Cloud: the next *times* pages hand back the token the client just sent."""
        self.repeat_tokens = times

    def repeat_changelog_token(self, times: int = 1) -> None:
        """Cloud: the next *times* changelog bulk-fetch pages hand back the client's token."""
        self.repeat_changelog_tokens = times

    def short_page(self, times: int = 1, drop: int = 1) -> None:
        """Data Center: the next *times* pages after the first lose *drop* issues."""
        self.short_pages, self.short_page_drop = times, drop

    def lie(self, lie: PagingLie | None) -> None:
        """Serve *lie*'s contradictory paging metadata on every search (``None``: stop)."""
        self.paging_lie = lie

    def rate_limit(self, capacity: int, per_second: float) -> None:
        """Answer 429 with ``Retry-After`` once a token bucket runs dry."""
        self.bucket = TokenBucket(capacity, per_second)

    def clear(self) -> None:
        """Turn every fault off."""
        with self._lock:
            self._scripts.clear()
            self._random = None
        self.repeat_tokens = self.repeat_changelog_tokens = self.short_pages = 0
        self.latency_seconds = self.latency_jitter_seconds = self.consistency_lag_seconds = 0.0
        self.bucket = None
        self.paging_lie = None

    def page_delay(self) -> float:
        """How long to hold a page of results: ``latency_seconds``, moved by up to
        ``latency_jitter_seconds`` either way (seeded, never below zero)."""
        jitter = self.latency_jitter_seconds
        if jitter <= 0:
            return self.latency_seconds
        with self._lock:
            offset = self._jitter.uniform(-jitter, jitter)
        return max(0.0, self.latency_seconds + offset)

    def next_fault(self, path: str) -> Fault | None:
        """The fault for a request to *path*, consuming scripted ones; None for none."""
        with self._lock:
            for pattern, queue in self._scripts:
                if pattern in path and queue:
                    return queue.popleft()
            if self._random is not None:
                rate, rng, kinds, pattern = self._random
                if pattern in path and rng.random() < rate:
                    return rng.choice(kinds)
        return None

    def take_repeat_token(self) -> bool:
        """Whether this Cloud page should repeat the client's token."""
        return self._take("repeat_tokens")

    def take_repeat_changelog_token(self) -> bool:
        """Whether this changelog bulk-fetch page should repeat the client's token."""
        return self._take("repeat_changelog_tokens")

    def _take(self, counter: str) -> bool:
        with self._lock:
            left = getattr(self, counter)
            if left > 0:
                setattr(self, counter, left - 1)
            return bool(left > 0)

    def take_short_page(self) -> int:
        """How many issues to drop from this mid-stream Data Center page."""
        with self._lock:
            if self.short_pages > 0:
                self.short_pages -= 1
                return self.short_page_drop
            return 0
