"""Who may read the web view: credentials from a secret, probes and /metrics open."""

from __future__ import annotations

import base64

import pytest
import requests

from syncd.web.access import Access

from .web_support import WebRig

_PAGES = ("/", "/drilldown", "/unclassified", "/integrity", "/issues/acme/SHOP-1")
_API = ("/api/v1/overview", "/api/v1/drilldown", "/api/v1/unclassified", "/api/v1/integrity")


@pytest.mark.parametrize("path", _PAGES + _API)
def test_no_credentials_is_401_on_pages_and_api(demo_web: WebRig, path: str) -> None:
    """Every page and API path refuses a request without credentials, with a challenge."""
    response = requests.get(demo_web.url + path, timeout=30)
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (
        401,
        'Bearer realm="syncd"',
    )


def test_metrics_and_probes_stay_open(demo_web: WebRig) -> None:
    """/metrics, /healthz and /readyz need no credentials."""
    codes = [
        requests.get(demo_web.url + path, timeout=30).status_code
        for path in ("/metrics", "/healthz", "/readyz")
    ]
    assert codes == [200, 200, 200]


def test_a_wrong_token_is_401_and_the_right_one_is_200(demo_web: WebRig) -> None:
    """A token that differs from the secret is refused; the secret is accepted."""
    assert demo_web.token is not None
    wrong = {"Authorization": f"Bearer {demo_web.token}x"}
    assert requests.get(demo_web.url + "/", headers=wrong, timeout=30).status_code == 401
    assert demo_web.get("/").status_code == 200


def test_the_token_never_appears_in_a_page_an_error_or_the_log(
    demo_web: WebRig, capfd: pytest.CaptureFixture[str]
) -> None:
    """Pages, errors (bad parameters, 404, 401) and the service's log never hold the token."""
    assert demo_web.token is not None
    bodies = [
        demo_web.get("/").text,
        demo_web.get("/drilldown", team="nobody", page="zero").text,
        demo_web.get("/issues/acme/NOPE-1").text,
        requests.get(
            demo_web.url + "/", headers={"Authorization": f"Bearer {demo_web.token}x"}, timeout=30
        ).text,
    ]
    logged = capfd.readouterr()
    assert all(demo_web.token not in text for text in [*bodies, logged.out, logged.err])


def test_basic_credentials_match_user_and_password_exactly() -> None:
    """Basic auth compares ``user:password`` with the secret; other schemes are refused."""
    from pydantic import SecretStr

    access = Access("basic", SecretStr("viewer:s3cret"), ("/metrics",))
    encoded = base64.b64encode(b"viewer:s3cret").decode()
    assert access.allows(f"Basic {encoded}")
    assert not access.allows(f"Basic {base64.b64encode(b'viewer:other').decode()}")
    assert not access.allows("Bearer viewer:s3cret")
    assert not access.allows("Basic not-base64!")


def test_a_token_scheme_without_a_configured_secret_refuses_everyone() -> None:
    """The view fails closed: no secret configured means no request is allowed."""
    access = Access("token", None, ("/metrics",))
    assert not access.allows("Bearer ")
    assert not access.allows(None)
    assert Access("none", None, ()).allows(None)
