"""The WSGI application on syncd's HTTP port: probes, ``/metrics`` and the web view.

``create_app`` builds one Flask application. ``/healthz`` and ``/readyz`` keep their meaning
(see ``syncd.web.endpoints``); ``/metrics`` is prometheus-client's exposition of the registry
(text or OpenMetrics as the scraper asks, gzip when it accepts it, HEAD answered without a
body) followed by the pre-rendered snapshot series. The web view (``syncd.web.pages``) is
mounted when given, behind ``Access``: a request without the configured credentials gets 401
(paths in ``open_paths`` excepted). Every answer carries a Content-Security-Policy that
allows nothing but the service's own stylesheet: no script runs on any page.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

from flask import Flask, Response, jsonify, request
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from werkzeug.exceptions import HTTPException

from syncd.web.access import Access
from syncd.web.pages import WebView, pages

__all__ = ["SECURITY_HEADERS", "create_app"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_PROBES = ("/metrics", "/healthz", "/readyz")
_EOF = b"# EOF\n"


def create_app(
    registry: CollectorRegistry,
    alive: Callable[[], bool],
    ready: Callable[[], str | None],
    *,
    rendered: Callable[[bool], bytes] | None = None,
    view: WebView | None = None,
    access: Access | None = None,
) -> Flask:
    """The application; without *view* only the probes and ``/metrics`` exist. *access*
    (required with a *view*) decides who may read the view."""
    if view is not None and access is None:
        raise ValueError("the web view needs an access policy (auth: none must be explicit)")
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.json.sort_keys = True  # type: ignore[attr-defined]  # stable documents for scripts
    _add_probes(app, registry, alive, ready, rendered)
    if view is not None and access is not None:
        app.extensions["syncd_view"] = view
        app.register_blueprint(pages)
        app.before_request(_guard(access))
    app.after_request(_secure)
    served = [*_PROBES, "/", "/api/v1/overview"] if view is not None else list(_PROBES)
    app.register_error_handler(HTTPException, _http_error(served))
    return app


def _add_probes(
    app: Flask,
    registry: CollectorRegistry,
    alive: Callable[[], bool],
    ready: Callable[[], str | None],
    rendered: Callable[[bool], bytes] | None,
) -> None:
    def metrics() -> Response:
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        body = encoder(registry)
        if rendered is not None:
            openmetrics = content_type.startswith("application/openmetrics-text")
            cached = rendered(openmetrics)
            # OpenMetrics ends with one "# EOF" line: the pre-rendered series go before it.
            body = body.removesuffix(_EOF) + cached + _EOF if openmetrics else body + cached
        response = Response(body, content_type=content_type)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            response.set_data(gzip.compress(body))
            response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response

    def healthz() -> Response:
        healthy, reason = _probe(lambda: None if alive() else "main loop stalled")
        return _status(200 if healthy else 503, {"alive": healthy, "reason": reason})

    def readyz() -> Response:
        is_ready, reason = _probe(ready)
        return _status(200 if is_ready else 503, {"ready": is_ready, "reason": reason})

    app.add_url_rule("/metrics", "metrics", metrics)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)


def _guard(access: Access) -> Callable[[], Response | None]:
    def guard() -> Response | None:
        path = request.path
        if access.is_open(path):
            return None
        if path.startswith("/static/") or access.allows(request.headers.get("Authorization")):
            return None
        response = _status(401, {"error": "credentials required"})
        response.headers["WWW-Authenticate"] = access.challenge
        return response

    return guard


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path not in _PROBES:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _http_error(served: list[str]) -> Callable[[HTTPException], Response]:
    def answer(error: HTTPException) -> Response:
        status = error.code or 500
        body: dict[str, object] = {"error": (error.name or "error").lower()}
        if status == 404:
            body["paths"] = served
        response = _status(status, body)
        if status == 405:
            response.headers["Allow"] = "GET, HEAD"
        return response

    return answer


def _probe(check: Callable[[], str | None]) -> tuple[bool, str | None]:
    try:
        reason = check()
    except Exception as error:  # a failing probe is an answer, not a crash
        return False, f"check failed: {type(error).__name__}"
    return reason is None, reason


def _status(status: int, body: dict[str, object]) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response
