"""The emulated Jira over HTTP: :class:`JiraEmulator` serves an organisation on loopback.

::

    emulator = JiraEmulator(generate_organisation(1000, seed=7, now=now), mode="cloud")
    with emulator.serve() as url:
        requests.get(f"{url}/rest/api/2/serverInfo")

Requests pass, in order: auth (when ``required_token`` is set), the token-bucket rate
limit, scripted or random faults, then the resource. Every answer carries the mode's
rate-limit headers and is recorded in :attr:`JiraEmulator.requests`.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from connectors.jira.emulator.api import ApiError, ApiRequest, ApiResponse, Limits
from connectors.jira.emulator.assembly import assemble_api
from connectors.jira.emulator.catalog import Mode
from connectors.jira.emulator.clock import Clock
from connectors.jira.emulator.faults import Fault, FaultPlan, echoed
from connectors.jira.emulator.org import Organisation
from connectors.jira.emulator.people import myself
from connectors.jira.emulator.search import SearchEngine
from connectors.jira.emulator.state import JiraState
from connectors.jira.emulator.tamper import Tampering, encode_body
from connectors.jira.emulator.wire import head, write_answer

__all__ = ["JiraEmulator", "LoggedRequest"]

_UNAUTHENTICATED = "Client must be authenticated to access this resource."
_CLOUD_LIMIT = 350
_NEAR_LIMIT = 0.2
"""Cloud says ``X-RateLimit-NearLimit: true`` once less than this share of a budget is left."""


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One answered request: what was asked and the status given."""

    method: str
    path: str
    params: dict[str, list[str]]
    body: Any
    status: int


class JiraEmulator:
    """A Jira Cloud or Data Center instance serving *org* on 127.0.0.1."""

    def __init__(
        self,
        org: Organisation,
        mode: str = "cloud",
        *,
        user_timezone: str = "UTC",
        instance_timezone: str = "UTC",
        dc_max_results: int = 1000,
        cloud_max_results: int = 100,
        cloud_id_max_results: int = 5000,
        dc_result_window: int | None = None,
        dc_inline_changelog: int | None = None,
        cloud_changelog_max_results: int = 10_000,
        required_token: str | None = None,
        clock: Clock | None = None,
        latency_seconds: float = 0.0,
        latency_jitter_seconds: float = 0.0,
    ) -> None:
        self.mode: Mode = "datacenter" if mode in ("dc", "datacenter", "server") else "cloud"
        self.clock = clock or Clock()
        self.state = JiraState(org, self.clock)
        self.faults = FaultPlan()
        self.faults.latency_seconds = latency_seconds
        self.faults.latency_jitter_seconds = latency_jitter_seconds
        self.user_timezone = ZoneInfo(user_timezone)
        self._required_token = required_token
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self.issues_served = 0
        self.tampering = Tampering()
        limits = Limits(dc_max_results, cloud_max_results, cloud_id_max_results, dc_result_window)
        limits = replace(limits, dc_inline_changelog=dc_inline_changelog)
        limits = replace(limits, cloud_changelog_max_results=cloud_changelog_max_results)
        self.api = assemble_api(
            self.mode,
            self.state,
            ZoneInfo(instance_timezone),
            SearchEngine(self.state, self.user_timezone),
            faults=self.faults,
            limits=limits,
            myself=myself(self.mode == "cloud", user_timezone),
            tampering=self.tampering,
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1:*port* (0 picks a free one) in a daemon thread; the base URL."""
        if self._server is not None:
            return self.url
        server = _Server(("127.0.0.1", port), _handler_for(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            name="jira-emulator",
            kwargs={"poll_interval": 0.1},
            daemon=True,
        )
        self._thread.start()
        return self.url

    def __enter__(self) -> JiraEmulator:
        """Start serving on a free port; ``with JiraEmulator(org, "cloud") as jira: jira.url``."""
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        """Stop serving."""
        self.stop()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[str]:
        """Serve for the duration of a ``with`` block, yielding the base URL."""
        url = self.start(port)
        try:
            yield url
        finally:
            self.stop()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:41234``."""
        if self._server is None:
            raise RuntimeError("the emulator is not serving; call start() or serve()")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- what tests read and change ----------------------------------------------------
    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of the request log, oldest first."""
        with self._log_lock:
            return list(self._log)

    def reset_log(self) -> None:
        """Forget logged requests and the served-issue count."""
        with self._log_lock:
            self._log.clear()
            self.issues_served = 0

    def edit(self, issue_id: int, **changes: Any) -> None:
        """Edit an issue (see :meth:`JiraState.edit`)."""
        self.state.edit(issue_id, **changes)

    def create(self, project: str, issue_type: str, **fields: Any) -> int:
        """Create an issue (see :meth:`JiraState.create`); its id."""
        return self.state.create(project, issue_type, **fields)

    def tamper(self, issue_id: int, values: dict[str, Any]) -> None:
        """Serve *values* at their dotted paths of the issue's payload from now on, whatever
        its record says (see ``connectors.jira.emulator.tamper``)."""
        self.tampering.set(issue_id, values)

    def move(self, issue_id: int, to_project: str) -> str:
        """Move an issue to another project; its new key."""
        return self.state.move(issue_id, to_project)

    def delete(self, issue_id: int) -> None:
        """Delete an issue and its sub-tasks."""
        self.state.delete(issue_id)

    def revoke(self, project: str) -> None:
        """Hide a project from the API user."""
        self.state.revoke(project)

    def restore(self, project: str) -> None:
        """Show a revoked project again."""
        self.state.restore(project)

    # -- request processing (called by the handler) -------------------------------------
    def authorised(self, header: str | None) -> bool:
        """Whether an Authorization header passes; any Basic/Bearer when no token is set."""
        if self._required_token is None:
            return True
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return value.strip() == self._required_token
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip()).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return False
            return decoded.partition(":")[2] == self._required_token
        return False

    def rate_headers(
        self, limited_for: int | None = None, remaining: int | None = None
    ) -> dict[str, str]:
        """The mode's rate-limit headers; *limited_for* seconds when answering 429, and the
        tokens the bucket has left (*remaining*) when it is on."""
        bucket = self.faults.bucket
        limit = bucket.capacity if bucket else _CLOUD_LIMIT
        if limited_for:
            remaining = 0
        elif remaining is None:
            remaining = limit - 1
        if self.mode == "cloud":
            headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
            if remaining < limit * _NEAR_LIMIT:
                headers["X-RateLimit-NearLimit"] = "true"
            if limited_for:
                reset = datetime.now(UTC) + timedelta(seconds=limited_for)
                headers |= {
                    "Retry-After": str(limited_for),
                    "X-RateLimit-Reset": f"{reset:%Y-%m-%dT%H:%M}Z",
                    "RateLimit-Reason": "jira-burst-based",
                }
            return headers
        fill = bucket.per_second if bucket else 10.0
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Interval-Seconds": "1",
            "X-RateLimit-FillRate": f"{fill:g}",
            "retry-after": str(limited_for or 0),
        }

    def record(self, entry: LoggedRequest, issues: int) -> None:
        """Append to the request log."""
        with self._log_lock:
            self._log.append(entry)
            self.issues_served += issues


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that timed out or hung up mid-answer is expected under fault injection
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(emulator: JiraEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        owner = emulator

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small answers otherwise wait ~40 ms for delayed ACKs
    owner: JiraEmulator

    def log_message(self, format: str, *args: Any) -> None:
        return  # the emulator keeps its own request log

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        owner = self.owner
        split = urlsplit(self.path)
        params = parse_qs(split.query, keep_blank_values=True)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body: Any = None
        response, fault = self._respond(method, split.path, params, raw)
        if response is None:
            return
        if isinstance(response.body, dict) and raw:
            body = _json_or_none(raw)
        owner.record(
            LoggedRequest(method, split.path, params, body, response.status), response.issues
        )
        self._write(response, fault)

    def _respond(
        self, method: str, path: str, params: dict[str, list[str]], raw: bytes
    ) -> tuple[ApiResponse | None, Fault | None]:
        owner = self.owner
        if not owner.authorised(self.headers.get("Authorization")):
            return _error(401, _UNAUTHENTICATED, owner.rate_headers()), None
        bucket = owner.faults.bucket
        remaining = None
        if bucket is not None:
            allowed, remaining, wait = bucket.take()
            if not allowed:
                return _error(429, "Rate limit exceeded.", owner.rate_headers(wait)), None
        fault = owner.faults.next_fault(path)
        if fault is not None and fault.kind == "reset":
            self._reset()
            return None, None
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "echo":
            said = echoed(self.headers.get("Authorization") or "", fault)
            return _error(fault.code, said, owner.rate_headers()), fault
        if fault is not None and fault.kind == "status":
            seconds = fault.retry_after or ""
            limited = fault.code == 429 and seconds.isdigit()
            headers = owner.rate_headers(int(seconds) if limited else None)
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            message = fault.message or _REASONS.get(fault.code, "Injected failure.")
            return _error(fault.code, message, headers), fault
        response = self._resource(method, path, params, raw)
        if remaining is not None:
            response.headers |= owner.rate_headers(remaining=remaining)
        return response, fault

    def _resource(
        self, method: str, path: str, params: dict[str, list[str]], raw: bytes
    ) -> ApiResponse:
        owner = self.owner
        prefix, _, rest = path.partition("/rest/api/")
        version, _, resource = rest.partition("/")
        if prefix or version not in ("2", "3", "latest"):
            return _error(404, f"null for uri: {path}", owner.rate_headers())
        body = _json_or_none(raw) if raw else None
        if raw and body is None:
            return _error(
                400,
                "Unexpected character in the request body: not valid JSON.",
                owner.rate_headers(),
            )
        host = self.headers.get("Host") or "127.0.0.1"
        request = ApiRequest(method, resource, version, params, body, f"http://{host}")
        try:
            response = owner.api.handle(request)
        except ApiError as error:
            response = _error(error.status, error.message, {})
        if response.issues or response.page:
            delay = owner.faults.page_delay()
            if delay > 0:
                time.sleep(delay)
        response.headers = {**owner.rate_headers(), **response.headers}
        return response

    def _write(self, response: ApiResponse, fault: Fault | None) -> None:
        payload = encode_body(response.body)
        if fault is not None and fault.kind == "truncated":
            payload = payload[: len(payload) // 2]
        reason = self.responses.get(response.status, ("",))[0]
        status_line = f"{self.protocol_version} {response.status} {reason}"
        head_of = partial(head, status_line, self.date_time_string(), response.headers)
        if write_answer(self.wfile, head_of, payload, fault):
            self.close_connection = True

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST: a real connection reset
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


_REASONS = {
    429: "Rate limit exceeded.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}


def _error(status: int, message: str, headers: dict[str, str]) -> ApiResponse:
    return ApiResponse(status, {"errorMessages": [message], "errors": {}}, headers=headers)


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None
