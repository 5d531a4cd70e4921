"""Exports fetched over HTTP(S): the auth header is sent from the environment, failures are
classified, and neither the secret nor the URL's query ever appears in an error."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from roadmap_support import productboard

from connectors.roadmap import RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from syncd.core.errors import PermanentSourceError, TransientSourceError

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
