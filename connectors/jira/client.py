"""One thread's connection to Jira: the ``jira`` package's client under syncd's retry policy.

The package is built with ``max_retries=0`` so that tenacity (``connectors.http``) is the one
retry owner, always with a ``(connect, read)`` timeout, and its session bounded by
``connectors.http.limit_session``: each answer must arrive whole within
``response_deadline_seconds`` and hold at most ``max_response_bytes``. Every call maps
``JIRAError`` to ``HttpStatusError`` before the policy sees it: the package's own error text
includes request headers, so it is never shown, and what the server said is masked for every
form of the credential before it is cut to an excerpt. A ``requests.Session`` is not shared
between threads: build one ``JiraClient`` per worker with ``connect_client``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jira
import orjson
from jira.exceptions import JIRAError
from jira.resilientsession import raise_on_error
from pydantic import SecretStr

from connectors.http import (
    HttpStatusError,
    MalformedResponseError,
    ResponseLimits,
    RetryPolicy,
    StopRequestedError,
    limit_session,
)
from connectors.jira.changelog import bulk_logs
from connectors.jira.config import JiraSourceConfig
from connectors.jira.decode import decode_page
from connectors.jira.jql import unordered
from connectors.jira.paging import check_cloud_body, check_datacenter_body
from syncd.core.errors import SourceError
from syncd.core.redaction import Secret, SecretMask

__all__ = ["CENSUS_PAGE_SIZE", "Deployment", "JiraClient", "connect_client", "credentials"]

T = TypeVar("T")
Deployment = Literal["cloud", "datacenter"]
CENSUS_PAGE_SIZE: Final = 5000
"""Ids-only pages: Cloud serves up to 5000 ids; Data Center clamps to its own maximum."""
_CONNECT_TIMEOUT_SECONDS: Final = 10.0


class JiraClient:
    """Jira calls syncd makes, each retried by *policy* and returning plain JSON."""

    def __init__(
        self,
        api: Any,
        policy: RetryPolicy,
        deployment: Deployment,
        twin: Callable[[], Any] | None = None,
    ) -> None:
        self._api = api
        self._policy = policy
        self.deployment: Deployment = deployment
        self._twin = twin

    def twin(self) -> JiraClient:
        """Another client of the same instance, deployment and policy, with its own session
        (for another thread), built without asking ``serverInfo`` again."""
        if self._twin is None:
            raise RuntimeError("this client was not built by connect_client")
        make = self._twin
        api = self._policy.call(lambda: _translated(make, self._policy.mask), "connecting")
        twin = JiraClient(api, self._policy, self.deployment, make)
        twin.prime_field_names({})
        return twin

    @property
    def source(self) -> str:
        """The source this client works for."""
        return self._policy.source

    def time_zone(self) -> ZoneInfo | None:
        """The API user's time zone (``/myself``), in which Jira reads JQL datetimes.

        ``None`` when Jira names none or one this machine does not know; callers then widen
        their overlap instead of guessing.
        """
        me = self._call(lambda: _object(self._api.myself(), "/myself"), "reading /myself")
        name = me.get("timeZone")
        try:
            return ZoneInfo(name) if isinstance(name, str) and name else None
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def fields(self) -> list[Mapping[str, Any]]:
        """Every issue field (``GET /rest/api/2/field``)."""
        return self._call(lambda: _list(self._api.fields(), "/field"), "reading /field")

    def prime_field_names(self, names: Mapping[str, str]) -> None:
        """Give the package the clause-name map it would otherwise fetch once per client.

        An empty map still stops that fetch: syncd always sends field ids, never names.
        """
        self._api._fields_cache_value = dict(names) or {"id": "id"}

    def project_keys(self) -> frozenset[str]:
        """Keys of every project the API user can browse (``GET /rest/api/2/project``)."""
        answer = self._call(
            lambda: _list(self._api._get_json("project"), "/project"), "listing projects"
        )
        return frozenset(str(p["key"]) for p in answer if isinstance(p, Mapping) and "key" in p)

    def search_cloud(
        self, jql: str, token: str | None, max_results: int, fields: Sequence[str]
    ) -> Mapping[str, Any]:
        """One ``/search/jql`` page after *token* (``None`` for the first)."""

        # The parameters the package's enhanced_search_issues sends, fields repeated.
        params: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": max_results}
        if token:
            params["nextPageToken"] = token

        def page() -> Mapping[str, Any]:
            return check_cloud_body(self._get_page("search/jql", params))

        return self._call(page, "searching (Cloud /search/jql)")

    def search_datacenter(
        self,
        jql: str,
        start_at: int,
        max_results: int,
        fields: Sequence[str],
        expand: str | None = None,
    ) -> Mapping[str, Any]:
        """One ``/search`` page at offset *start_at*, with *expand* (e.g. ``changelog``)."""

        params: dict[str, Any] = {
            "jql": jql,
            "startAt": start_at,
            "maxResults": max_results,
            "fields": list(fields),
            "validateQuery": True,
        }
        if expand:
            params["expand"] = expand

        def page() -> Mapping[str, Any]:
            return check_datacenter_body(self._get_page("search", params))

        return self._call(page, "searching (Data Center /search)")

    def approximate_count(self, jql: str) -> int | None:
        """Cloud's estimate of how many issues *jql* (its ``ORDER BY`` dropped) matches
        (``/search/approximate-count``); ``None`` when the answer holds no count or Jira
        could not answer: an estimate only tunes a run, so a failed count must not fail it
        (a shutdown still ends it: ``StopRequestedError`` passes)."""
        body = orjson.dumps({"jql": unordered(jql)})

        def count() -> Any:
            url = self._api._get_url("search/approximate-count")
            response = self._api._session.post(url, data=body)
            raise_on_error(response)
            return orjson.loads(response.content) if response.content else {}

        try:
            answer = self._call(count, "counting (Cloud /search/approximate-count)")
        except StopRequestedError:
            raise
        except SourceError:
            return None
        value = answer.get("count") if isinstance(answer, Mapping) else None
        valid = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return value if valid else None

    def statuses(self) -> list[Any]:
        """Every status with its ``statusCategory`` (``GET /status``)."""
        return self._call(
            lambda: _list(self._get_page("status", {}), "/status"), "reading the status list"
        )

    def bulk_changelogs(
        self, ids: Sequence[int], field_ids: Sequence[str], token: str | None, max_results: int
    ) -> Mapping[str, Any]:
        """One page of Cloud's changelog bulk fetch (``POST /rest/api/3/changelog/bulkfetch``)
        for up to 1,000 issues, filtered to *field_ids*, after *token*."""
        body: dict[str, Any] = {
            "issueIdsOrKeys": [str(one) for one in ids],
            "fieldIds": list(field_ids),
            "maxResults": max_results,
        }
        if token:
            body["nextPageToken"] = token

        def page() -> Mapping[str, Any]:
            answer = _object(self._post_v3("changelog/bulkfetch", body), "changelog/bulkfetch")
            bulk_logs(answer)  # a broken answer is retried here, like a search page
            return answer

        return self._call(page, "reading histories (Cloud /changelog/bulkfetch)")

    def issues_by_id(self, ids: Sequence[int], fields: Sequence[str]) -> Mapping[str, Any]:
        """Up to 100 issues with *fields* (Cloud ``POST /rest/api/3/issue/bulkfetch``); Jira
        leaves out the ones it no longer shows."""
        body = {"issueIdsOrKeys": [str(one) for one in ids], "fields": list(fields)}
        return self._call(
            lambda: _object(self._post_v3("issue/bulkfetch", body), "issue/bulkfetch"),
            "reading issue types (Cloud /issue/bulkfetch)",
        )

    def issue_with_changelog(self, issue_id: int) -> Mapping[str, Any] | None:
        """One issue with its whole history (``GET /issue/{id}?expand=changelog``); ``None``
        when Jira no longer shows it (404)."""
        params = {"expand": "changelog", "fields": "issuetype"}
        mask = self._policy.mask

        def fetch() -> Mapping[str, Any] | None:
            try:
                answer = _translated(lambda: self._get_page(f"issue/{issue_id}", params), mask)
            except HttpStatusError as error:
                if error.status == HTTPStatus.NOT_FOUND:
                    return None  # deleted or hidden since the search listed it
                raise
            return _object(answer, f"/issue/{issue_id}")

        return self._policy.call(fetch, "reading a history (Data Center /issue)")

    def _post_v3(self, path: str, body: Mapping[str, Any]) -> Any:
        # Cloud serves these on REST v3; the package's URLs name the version it was built with.
        url = f"{self._api.server_url}/rest/api/3/{path}"
        response = self._api._session.post(url, data=orjson.dumps(body))
        raise_on_error(response)
        return orjson.loads(response.content) if response.content else {}

    def _get_page(self, path: str, params: Mapping[str, Any]) -> Any:
        # The package's session (auth, timeouts, errors as JIRAError) without its JSON
        # decoding: search pages are most of a sync's bytes, and orjson reads them several
        # times faster (see connectors.jira.decode). A truncated body still raises a
        # ValueError (JSONDecodeError).
        response = self._api._session.get(self._api._get_url(path), params=params)
        raise_on_error(response)
        return decode_page(response.content)

    def _call(self, operation: Callable[[], T], what: str) -> T:
        mask = self._policy.mask
        return self._policy.call(lambda: _translated(operation, mask), what)


def connect_client(
    config: JiraSourceConfig,
    secret: SecretStr | None,
    policy: RetryPolicy,
    factory: Callable[..., Any] = jira.JIRA,
) -> JiraClient:
    """Build the package's client under *policy*, its answers bounded, and read ``serverInfo``.

    The deployment comes from ``serverInfo.deploymentType`` unless the configuration names
    one; an override is pushed into the package so that it picks the matching search API.
    """
    kwargs: dict[str, Any] = {
        "server": config.url,
        "max_retries": 0,
        "timeout": (
            min(_CONNECT_TIMEOUT_SECONDS, config.request_timeout_seconds),
            config.request_timeout_seconds,
        ),
        "options": {"check_update": False},
        # The package logs whole response bodies at ERROR on a bad body; ours logs the retry.
        "logging": False,
        # Read below, once the session is bounded: the package would read it unbounded.
        "get_server_info": False,
    }
    kwargs.update(_auth(config, secret))
    limits = ResponseLimits(config.response_deadline_seconds, config.max_response_bytes)
    heard = policy.limit.hear if policy.limit is not None else None
    api = policy.call(
        lambda: _translated(lambda: _build(factory, kwargs, limits, heard), policy.mask),
        "connecting",
    )
    if config.deployment == "auto":
        deployment: Deployment = "cloud" if api._is_cloud else "datacenter"
    else:
        deployment = config.deployment
        api.deploymentType = "Cloud" if deployment == "cloud" else "Server"

    def twin() -> Any:
        copy = factory(**kwargs)
        limit_session(copy._session, limits, heard)
        copy._version, copy.deploymentType = api._version, api.deploymentType
        return copy

    return JiraClient(api, policy, deployment, twin)


def _object(answer: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(answer, Mapping):
        raise MalformedResponseError(f"{what} did not answer an object")
    return answer


def _list(answer: Any, what: str) -> list[Any]:
    if not isinstance(answer, list):
        raise MalformedResponseError(f"{what} did not answer a list")
    return answer


def _build(
    factory: Callable[..., Any],
    kwargs: dict[str, Any],
    limits: ResponseLimits,
    heard: Callable[[Mapping[str, str]], None] | None,
) -> Any:
    api = factory(**kwargs)
    limit_session(api._session, limits, heard)
    info = _object(api.server_info(), "serverInfo")
    # What the package does with serverInfo when it reads it itself.
    versions = info.get("versionNumbers")
    if not isinstance(versions, list):
        raise MalformedResponseError("serverInfo is unusable (no versionNumbers)")
    api._version = tuple(versions)
    api.deploymentType = info.get("deploymentType")
    return api


def credentials(config: JiraSourceConfig, secret: SecretStr | None) -> tuple[Secret, ...]:
    """The credential to mask wherever it might show, with the user it travels with.

    Basic auth sends ``base64(user:token)``: a server or proxy that echoes the Authorization
    header back in an error body shows the token in that form, not as itself; the mask
    (``syncd.core.redaction``) derives that form, and every other, from the pair.
    """
    if secret is None or not secret.get_secret_value():
        return ()
    token = secret.get_secret_value()
    if config.auth.method in ("cloud_token", "basic"):
        return (Secret(token, config.auth.user or ""),)
    return (Secret(token),)


def _auth(config: JiraSourceConfig, secret: SecretStr | None) -> dict[str, Any]:
    method = config.auth.method
    if method == "none":
        return {}
    token = secret.get_secret_value() if secret is not None else ""
    if method == "pat":
        return {"token_auth": token}
    return {"basic_auth": (config.auth.user or "", token)}


def _translated(operation: Callable[[], T], mask: SecretMask) -> T:
    # JIRAError's text carries request headers; keep only status, masked messages and
    # Retry-After.
    try:
        return operation()
    except JIRAError as error:
        response = error.response
        if response is not None and getattr(response, "status_code", None):
            raise HttpStatusError.from_response(response, mask) from None
        if error.status_code:
            raise HttpStatusError(int(error.status_code)) from None
        raise MalformedResponseError("the Jira client reported an error without a status") from None
