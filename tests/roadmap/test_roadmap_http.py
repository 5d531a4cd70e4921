"""Exports fetched over HTTP(S): the auth header is sent from the environment, failures are
classified, and neither the secret nor the URL's query ever appears in an error."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import responses
from hostile_http import answer, hostile_server
from roadmap_support import productboard

from connectors.http import HttpStatusError, RetryPolicy
from connectors.roadmap import RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from syncd.core.errors import PermanentSourceError, SourceError, TransientSourceError
from syncd.core.redaction import REDACTED, redact
from syncd.service.config import Config, load_config
from syncd.service.wiring import roadmap_sources

URL = "https://roadmap.example.com/export.csv"
SECRET = "s3cr3t-token-value"
BODY = productboard("pb-1,Checkout,feature,,Planned,,,checkout,SHOP-1,,,").encode()


def _source(url: str = URL, **extra: Any) -> RoadmapSource:
    config = RoadmapSourceConfig.model_validate(
        {
            "name": "pb",
            "format": "productboard_csv",
            "url": url,
            "auth": {"secret_env": "PB_TOKEN"},
            **extra,
        }
    )
    return RoadmapSource(config, environ={"PB_TOKEN": SECRET})


@responses.activate
def test_auth_header_is_read_from_the_environment_and_sent() -> None:
    """The configured variable's value goes out as 'Authorization: Bearer <value>'."""
    responses.get(URL, body=BODY)
    snapshot = _source().poll(None)
    assert snapshot is not None
    assert [item.item_id for item in snapshot.items] == ["pb-1"]
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {SECRET}"
    assert snapshot.origin == URL


@responses.activate
def test_custom_header_without_scheme_and_unchanged_download_is_none() -> None:
    """A raw API-key header is supported; the same body twice hashes the same."""
    responses.get(URL, body=BODY)
    source = _source(auth={"secret_env": "PB_TOKEN", "header": "X-Api-Key", "scheme": ""})
    first = source.poll(None)
    assert first is not None
    assert source.poll(first.content_hash) is None
    assert [call.request.headers["X-Api-Key"] for call in responses.calls] == [SECRET, SECRET]


@responses.activate
def test_not_found_is_a_permanent_error_naming_the_url_without_query() -> None:
    """404 says which URL failed and what to check; the query (maybe a token) is left out."""
    responses.get(URL, status=404)
    with pytest.raises(PermanentSourceError) as raised:
        _source(URL + "?token=abc").poll(None)
    message = str(raised.value)
    assert message == (
        f"pb: HTTP 404 Not Found from {URL}: check the url configured for this source"
    )


@responses.activate
def test_unauthorised_names_the_variable_never_its_value() -> None:
    """401 points at the environment variable holding the credential."""
    responses.get(URL, status=401)
    with pytest.raises(PermanentSourceError, match="check the credential in PB_TOKEN") as raised:
        _source().poll(None)
    assert SECRET not in str(raised.value)


@responses.activate
def test_server_errors_and_rate_limits_are_transient_with_retry_after() -> None:
    """503 and 429 are worth retrying; Retry-After is passed on."""
    responses.get(URL, status=429, headers={"Retry-After": "30"})
    with pytest.raises(TransientSourceError) as raised:
        _source().poll(None)
    assert raised.value.retry_after == 30.0


@responses.activate
def test_redirects_are_not_followed_so_the_credential_stays_home() -> None:
    """A 302 is a permanent error naming where it pointed."""
    responses.get(URL, status=302, headers={"Location": "https://elsewhere.example.net/x?sig=1"})
    with pytest.raises(
        PermanentSourceError, match=r"redirected to https://elsewhere\.example\.net/x;"
    ):
        _source().poll(None)
    assert len(responses.calls) == 1


@responses.activate
def test_announced_or_streamed_size_over_the_cap_is_fatal() -> None:
    """Content-Length over max_bytes is refused before the body is read; so is a long body."""
    responses.get(URL, body=BODY)
    snapshot = _source(max_bytes=50).poll(None)
    assert snapshot is not None
    assert snapshot.fatal is not None
    assert "over the limit of 50 bytes" in snapshot.fatal


def test_missing_credential_is_a_permanent_error_before_any_request() -> None:
    """An unset variable is reported by name; nothing is sent without the header."""
    config = RoadmapSourceConfig.model_validate(
        {"name": "pb", "format": "productboard_csv", "url": URL, "auth": {"secret_env": "NOPE"}}
    )
    with (
        responses.RequestsMock() as mock,
        pytest.raises(PermanentSourceError, match="set the environment variable NOPE"),
    ):
        RoadmapSource(config, environ={}).poll(None)
    assert len(mock.calls) == 0


@responses.activate
def test_connection_failure_is_transient() -> None:
    """A refused connection is retried by the caller, not a permanent failure."""
    import requests

    responses.get(URL, body=requests.ConnectionError("refused"))
    with pytest.raises(TransientSourceError, match="ConnectionError while reading"):
        _source().poll(None)


@responses.activate
def test_every_status_gets_the_action_jira_gets_from_the_one_table() -> None:
    """For every status from 300 to 599, a roadmap download fails transiently exactly when
    Jira's retry policy would retry it (408 is retried, 501 is not), and permanently
    otherwise: one table decides for every outbound request."""
    differ = {}
    for status in range(300, 600):
        responses.get(URL, status=status)
        roadmap = _raised(lambda: _source().poll(None))
        jira = _raised(lambda status=status: _policy_outcome(status))
        if roadmap is not jira:
            differ[status] = (roadmap.__name__, jira.__name__)
        responses.reset()
    assert differ == {}


def _policy_outcome(status: int) -> None:
    def fail() -> None:
        raise HttpStatusError(status)

    RetryPolicy("pb", max_attempts=1, max_retry_seconds=1, sleep=lambda _: None).call(fail, "x")


def _raised(action: Any) -> type[SourceError]:
    try:
        action()
    except TransientSourceError:
        return TransientSourceError
    except PermanentSourceError:
        return PermanentSourceError
    raise AssertionError("no source error raised")


@responses.activate
@pytest.mark.parametrize("status", [429, 503])
def test_a_retry_after_http_date_is_passed_on_in_seconds(status: int) -> None:
    """Retry-After as an HTTP date is read against the source's clock, as Jira's is."""
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=95), usegmt=True)
    responses.get(URL, status=status, headers={"Retry-After": later})
    config = RoadmapSourceConfig.model_validate(
        {"name": "pb", "format": "productboard_csv", "url": URL}
    )
    with pytest.raises(TransientSourceError) as raised:
        RoadmapSource(config, clock=lambda: now).poll(None)
    assert raised.value.retry_after == 95.0


@responses.activate
def test_a_redirect_quoting_the_credential_never_shows_it() -> None:
    """A server that redirects to a URL carrying the credential (or a cut piece of it) has
    it masked in the error: the advice names the target, not the secret."""
    for location in (f"https://elsewhere.example.net/{SECRET}", f"https://e.example/{SECRET[:9]}"):
        responses.get(URL, status=302, headers={"Location": location})
        with pytest.raises(PermanentSourceError, match="redirected to https://e") as raised:
            _source().poll(None)
        assert not any(SECRET[i : i + 6] in str(raised.value) for i in range(len(SECRET) - 5))
        responses.reset()


def test_the_auth_secret_is_registered_for_masking_in_logs(tmp_path: Path) -> None:
    """Building the service's roadmap sources registers the URL's secret: a log line or
    error that quotes it (whole, cut or encoded) shows it masked."""
    secret = f"roadmap-{uuid.uuid4().hex}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PB_TOKEN", secret)
        roadmap_sources(_service_config(tmp_path, secret))
    for shown in (secret, quote(f"Bearer {secret}"), f"Bearer {secret[:14]}…"):
        assert REDACTED in redact(f"GET failed: Authorization: {shown}")
        assert secret[:10] not in redact(f"GET failed: Authorization: {shown}")


def _service_config(tmp_path: Path, secret: str) -> Config:
    path = tmp_path / "syncd.yaml"
    path.write_text(
        "sources:\n  roadmaps:\n"
        f"    - {{name: pb, format: productboard_csv, url: '{URL}',"
        " auth: {secret_env: PB_TOKEN}}\n",
        encoding="utf-8",
    )
    assert secret not in path.read_text(encoding="utf-8")
    return load_config(path)


def test_a_trickled_export_fails_at_its_deadline() -> None:
    """A server sending the export a byte at a time, each read well within the read
    timeout, fails the download once ``response_deadline_seconds`` has passed: transient,
    saying so, and the source does not hang."""
    raw = answer("200 OK", BODY, ["Content-Type: text/csv"])
    with hostile_server(raw, pause=0.02, prompt=30) as url:
        config = RoadmapSourceConfig.model_validate(
            {
                "name": "pb",
                "format": "productboard_csv",
                "url": f"{url}/export.csv",
                "request_timeout_seconds": 5,
                "response_deadline_seconds": 0.5,
            }
        )
        started = time.monotonic()
        with pytest.raises(TransientSourceError, match=r"no complete answer within 0\.5 s"):
            RoadmapSource(config).poll(None)
    assert time.monotonic() - started < 3
