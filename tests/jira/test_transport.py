"""Answers a hostile server cannot stretch: the whole answer has a deadline (not only each
read), the body a cap that holds however it is sent, and both map to the outcome table."""

from __future__ import annotations

import gzip
import time

import pytest
import requests
from hostile_http import answer, hostile_server

from connectors.http import (
    ResponseDeadlineExceeded,
    ResponseLimits,
    ResponseTooLarge,
    describe_failure,
    limit_session,
)

CAP = 64 * 1024


def _get(url: str, deadline: float = 0.5, cap: int = CAP) -> requests.Response:
    session = limit_session(requests.Session(), ResponseLimits(deadline, cap))
    with session:
        return session.get(url, timeout=(2, 2))


@pytest.mark.parametrize(
    "prompt", [0, 30, 40], ids=["head-trickled", "head-cut-at-deadline", "body-trickled"]
)
def test_an_answer_trickled_a_byte_at_a_time_ends_at_the_deadline(prompt: int) -> None:
    """Every read returns within the 2 s read timeout, yet the answer (4 s at this pace)
    fails once the 0.5 s deadline for all of it has passed: head or body, it never hangs."""
    raw = answer("200 OK", b"x" * 200)
    with hostile_server(raw, pause=0.02, prompt=prompt) as url:
        started = time.monotonic()
        with pytest.raises(ResponseDeadlineExceeded) as raised:
            _get(url)
        waited = time.monotonic() - started
    assert waited < 2.0
    failure = describe_failure(raised.value)
    assert failure is not None
    assert (failure.action, failure.reason) == ("retry", "timeout")
    assert failure.detail == "timed out: no complete answer within 0.5 s"


def test_an_answer_within_its_deadline_and_cap_is_read_whole() -> None:
    """The limits change nothing for an answer that keeps them, to its last byte."""
    body = b"y" * CAP
    with hostile_server(answer("200 OK", body), pause=0.0, chunk=4096) as url:
        response = _get(url, deadline=5)
    assert response.content == body


@pytest.mark.parametrize(
    ("raw", "repeat", "said"),
    [
        (
            answer("200 OK", b"", [f"Content-Length: {300 * 2**20}"], length=False),
            b"",
            "314572800 bytes announced",
        ),
        (answer("200 OK", b"", length=False), b"z" * 65536, "more was sent"),
        (answer("200 OK", b"z" * (CAP + 1)), b"", f"{CAP + 1} bytes announced"),
        (
            answer("200 OK", gzip.compress(b"\0" * (20 * CAP)), ["Content-Encoding: gzip"]),
            b"",
            "more was sent",
        ),
    ],
    ids=["announced-huge", "endless-unannounced", "one-byte-over", "decompression-bomb"],
)
def test_a_body_over_the_cap_fails_at_once_however_it_is_sent(
    raw: bytes, repeat: bytes, said: str
) -> None:
    """Announced larger, sent without end, one byte over, or small but expanding past the
    cap once decompressed: refused without reading past the cap, as a permanent failure."""
    with (
        hostile_server(raw, chunk=65536, repeat=repeat) as url,
        pytest.raises(ResponseTooLarge, match=said) as raised,
    ):
        _get(url, deadline=10)
    failure = describe_failure(raised.value)
    assert failure is not None
    assert (failure.action, failure.reason) == ("fail", "too_large")
