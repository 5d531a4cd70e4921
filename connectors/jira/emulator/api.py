"""The REST resources of the emulated Jira, independent of the HTTP plumbing.

:class:`JiraApi` turns an :class:`ApiRequest` into an :class:`ApiResponse`; errors are
:class:`ApiError` and always render as ``{"errorMessages": [...], "errors": {}}``.
Cloud serves ``/search/jql`` (token pages, no total) and answers the removed ``/search``
with 410; Data Center serves ``/search`` (startAt/maxResults/total) and has no ``/search/jql``.
Histories (``expand=changelog``, the status list, Cloud's changelog endpoints) are served by
``connectors.jira.emulator.changelog_api``; everything is answered as of the emulator clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.jira.emulator.catalog import CATEGORIES, Mode
from connectors.jira.emulator.changelog_api import ChangelogResources
from connectors.jira.emulator.exchange import ApiError, ApiRequest, ApiResponse
from connectors.jira.emulator.faults import FaultPlan
from connectors.jira.emulator.jql import JqlError
from connectors.jira.emulator.lies import lie_cloud, lie_total
from connectors.jira.emulator.render import FieldSelection, Renderer
from connectors.jira.emulator.search import PageTokens, SearchEngine, Snapshot
from connectors.jira.emulator.state import JiraState

__all__ = ["REMOVED_MESSAGE", "ApiError", "ApiRequest", "ApiResponse", "JiraApi", "Limits"]

REMOVED_MESSAGE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
_Handler = Callable[["ApiRequest", re.Match[str]], "ApiResponse"]
_NOT_FOUND_ISSUE = "Issue does not exist or you do not have permission to see it."


@dataclass(frozen=True, slots=True)
class Limits:
    """Page-size caps per mode (reference §1.2 and §2.1), and how many of an issue's latest
    histories ``expand=changelog`` shows inline (``None``: all of them), and the most
    histories a changelog bulk-fetch page holds (Jira may serve fewer than asked)."""

    dc_max_results: int = 1000
    cloud_max_results: int = 100
    cloud_id_max_results: int = 5000
    dc_result_window: int | None = None
    dc_inline_changelog: int | None = None
    cloud_inline_changelog: int | None = 40
    cloud_changelog_max_results: int = 10_000


class JiraApi:
    """The resources of one emulated Jira instance in one mode."""

    def __init__(
        self,
        mode: Mode,
        state: JiraState,
        engine: SearchEngine,
        renderer: Renderer,
        *,
        faults: FaultPlan,
        limits: Limits,
        myself: dict[str, Any],
        changelogs: ChangelogResources,
    ) -> None:
        self.mode = mode
        self._state = state
        self._engine = engine
        self._renderer = renderer
        self._faults = faults
        self._limits = limits
        self._myself = myself
        self._tokens = PageTokens()
        self._changelogs = changelogs
        cloud = mode == "cloud"
        self._routes: list[tuple[tuple[str, ...], re.Pattern[str], _Handler]] = [
            *changelogs.routes(self._missing),
            (("GET",), re.compile(r"serverInfo"), self._server_info),
            (("GET",), re.compile(r"myself"), lambda r, m: ApiResponse(200, self._myself)),
            (("GET",), re.compile(r"field"), lambda r, m: ApiResponse(200, renderer.catalogue)),
            (("GET",), re.compile(r"statuscategory"), self._categories),
            (("GET",), re.compile(r"project"), self._projects),
            (
                ("GET",),
                re.compile(r"project/search"),
                self._project_search if cloud else self._missing,
            ),
            (("GET",), re.compile(r"project/([^/]+)"), self._project),
            (("GET",), re.compile(r"issue/([^/]+)"), self._issue),
            (
                ("GET", "POST"),
                re.compile(r"search/jql"),
                self._search_jql if cloud else self._missing,
            ),
            (
                ("POST",),
                re.compile(r"search/approximate-count"),
                self._count if cloud else self._missing,
            ),
            (("GET", "POST"), re.compile(r"search"), self._removed if cloud else self._search_dc),
            (("POST",), re.compile(r"search/id"), self._removed if cloud else self._missing),
        ]

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Route a request; unknown paths are 404, wrong methods 405."""
        path = request.path.strip("/")
        for methods, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if request.method not in methods:
                raise ApiError(405, f"Method {request.method} is not allowed for {path}.")
            return handler(request, match)
        return self._missing(request, None)

    def _missing(self, request: ApiRequest, _: re.Match[str] | None) -> ApiResponse:
        raise ApiError(404, f"null for uri: {request.base}/{request.path.strip('/')}")

    def _removed(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        raise ApiError(410, REMOVED_MESSAGE)

    def _server_info(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        now = self._renderer.stamp(self._state.clock.now_ms())
        if self.mode == "cloud":
            body = {
                "baseUrl": request.root,
                "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
                "buildNumber": 100289,
                "buildDate": "2026-01-05T00:00:00.000+0000",
                "serverTime": now,
                "scmInfo": "57a0ca5b4a0bb0ac5f3fee4764acb1c14e4d7e71",
                "serverTitle": "Jira",
                "defaultLocale": {"locale": "en_US"},
            }
        else:
            body = {
                "baseUrl": request.root,
                "version": "9.12.0",
                "versionNumbers": [9, 12, 0],
                "deploymentType": "Server",
                "buildNumber": 9120000,
                "buildDate": "2023-11-21T00:00:00.000+0000",
                "serverTime": now,
                "scmInfo": "1d1a8b1b6d0a5c1c2ab8c1e2d3f4a5b6c7d8e9f0",
                "serverTitle": "Jira",
            }
        return ApiResponse(200, body)

    def _categories(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        return ApiResponse(200, [c.render(request.base) for c in CATEGORIES.values()])

    def _project_json(self, request: ApiRequest, key: str) -> dict[str, Any]:
        project = self._state.projects[key]
        body: dict[str, Any] = {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "self": f"{request.base}/project/{project.id}",
            "id": str(project.id),
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "isPrivate": False,
        }
        if self.mode == "cloud":
            body |= {"simplified": False, "style": "classic"}
        return body

    def _projects(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        keys = [p.key for p in self._state.visible_projects()]
        return ApiResponse(200, [self._project_json(request, key) for key in keys])

    def _project_search(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        keys = [p.key for p in self._state.visible_projects()]
        start = request.integer("startAt", 0)
        size = max(1, min(request.integer("maxResults", 50), 100))
        page = keys[start : start + size]
        return ApiResponse(
            200,
            {
                "self": f"{request.base}/project/search?startAt={start}&maxResults={size}",
                "maxResults": size,
                "startAt": start,
                "total": len(keys),
                "isLast": start + size >= len(keys),
                "values": [self._project_json(request, key) for key in page],
            },
        )

    def _project(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        wanted = match.group(1)
        for project in self._state.visible_projects():
            if wanted in (project.key, str(project.id)):
                return ApiResponse(200, self._project_json(request, project.key))
        raise ApiError(404, f"No project could be found with key '{wanted}'.")

    def _issue(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        selection = FieldSelection.parse(request.multi("fields"), "*all")
        moment = self._state.clock.now_ms()
        with self._state.locked():
            found = self._state.find(match.group(1))
            record = None if found is None else self._state.record_at(found.id, moment)
            if record is None:
                raise ApiError(404, _NOT_FOUND_ISSUE)
            issue = self._renderer.issue(record, selection, request.base)
            if "changelog" in _expanded(request):
                issue["changelog"] = self._changelogs.inline(record, moment, request.base, None)
            return ApiResponse(200, issue, page="changelog" in issue)

    def _count(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        snapshot = self._run(request.param("jql") or "", bounded=True)
        return ApiResponse(200, {"count": len(snapshot.ids)})

    def _run(self, jql: str, *, bounded: bool, reconcile: frozenset[int] = frozenset()) -> Snapshot:
        lag_ms = int(self._faults.consistency_lag_seconds * 1000) if bounded else 0
        try:
            return self._engine.run(jql, bounded=bounded, lag_ms=lag_ms, reconcile=reconcile)
        except JqlError as error:
            raise ApiError(400, str(error)) from None

    def _search_jql(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        selection = FieldSelection.parse(request.multi("fields"), "id")
        cap = (
            self._limits.cloud_id_max_results
            if selection.id_only
            else self._limits.cloud_max_results
        )
        size = max(1, min(request.integer("maxResults", 50), cap))
        token = request.param("nextPageToken")
        reconcile = frozenset(int(i) for i in request.multi("reconcileIssues") if i.isdigit())
        with self._state.locked():
            if token:
                resolved = self._tokens.resolve(token)
                if resolved is None:
                    raise ApiError(400, "The provided next page token is invalid or expired.")
                snapshot, offset = resolved
            else:
                snapshot, offset = (
                    self._run(request.param("jql") or "", bounded=True, reconcile=reconcile),
                    0,
                )
            page = snapshot.ids[offset : offset + size]
            issues = self._render_page(page, snapshot, selection, request)
            body: dict[str, Any] = {"issues": issues}
            end = offset + len(page)
            if end < len(snapshot.ids):
                repeat = token if token and self._faults.take_repeat_token() else None
                body["nextPageToken"] = repeat or self._tokens.issue(snapshot, end)
            body["isLast"] = end >= len(snapshot.ids)
            lie = self._faults.paging_lie
            if lie is not None:
                lie_cloud(lie, offset // size, body, lambda: self._tokens.issue(snapshot, offset))
            self._expansions(body, request, selection)
        return ApiResponse(200, body, issues=len(issues))

    def _search_dc(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        selection = FieldSelection.parse(request.multi("fields"), "*navigable")
        start = request.integer("startAt", 0)
        requested = request.integer("maxResults", 50)
        if start < 0 or requested < 0:
            raise ApiError(400, "startAt and maxResults must not be negative.")
        size = min(requested, self._limits.dc_max_results)
        window = self._limits.dc_result_window
        if window is not None and start + size > window:
            raise ApiError(
                500,
                f"Search limit exceeded. Please narrow your search: at most "
                f"{window} results can be paged through.",
            )
        with self._state.locked():
            snapshot = self._run(request.param("jql") or "", bounded=False)
            page = snapshot.ids[start : start + size]
            drop = self._faults.take_short_page() if start > 0 and page else 0
            page = page[: max(0, len(page) - drop)]
            issues = self._render_page(page, snapshot, selection, request)
            total = len(snapshot.ids)
            lie = self._faults.paging_lie
            body: dict[str, Any] = {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": total if lie is None else lie_total(lie, total, start, size),
                "issues": issues,
            }
            self._expansions(body, request, selection)
        return ApiResponse(200, body, issues=len(issues))

    def _render_page(
        self,
        ids: tuple[int, ...],
        snapshot: Snapshot,
        selection: FieldSelection,
        request: ApiRequest,
    ) -> list[dict[str, Any]]:
        base = request.base
        changelog = "changelog" in _expanded(request)
        limits = self._limits
        cloud = self.mode == "cloud"
        limit = limits.cloud_inline_changelog if cloud else limits.dc_inline_changelog
        moment = snapshot.past_ms if snapshot.past_ms is not None else self._state.clock.now_ms()
        issues = []
        for issue_id in ids:
            record = self._engine.view(issue_id, snapshot)
            if record is not None:
                issue = self._renderer.issue(record, selection, base)
                if changelog:
                    issue["changelog"] = self._changelogs.inline(record, moment, base, limit)
                issues.append(issue)
        return issues

    def _expansions(
        self, body: dict[str, Any], request: ApiRequest, selection: FieldSelection
    ) -> None:
        expand = _expanded(request)
        if "names" in expand:
            body["names"] = self._renderer.names(selection)
        if "schema" in expand:
            body["schema"] = self._renderer.schema(selection)


def _expanded(request: ApiRequest) -> set[str]:
    return {part.strip() for value in request.multi("expand") for part in value.split(",")}
