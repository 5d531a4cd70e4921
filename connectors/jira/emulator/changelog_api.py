"""The emulator's history resources: the status list, Cloud's changelog endpoints, Cloud's
issue bulk fetch, and the ``changelog`` expansion of issues in both modes.

* ``GET /status``: every status with its ``statusCategory`` (both modes).
* Cloud ``GET /issue/{idOrKey}/changelog``: ``startAt``/``maxResults`` (≤ 100) pages of
  ``values``, oldest first, with ``total``, ``isLast``, ``self`` and ``nextPage``.
* Cloud ``POST /changelog/bulkfetch``: ``issueIdsOrKeys`` (1 to 1000, else 400),
  ``fieldIds`` (≤ 10, else 400) filtering items (a history left without items is left out),
  ``maxResults`` histories per page (default 1000, 1 to 10000, served up to a configurable
  cap); histories of all the issues
  ordered by time, then issue id; ``issueChangeLogs`` groups a page's histories by issue, so
  one issue's histories may span pages; an opaque ``nextPageToken`` until the last page,
  which has none. Issues not found are left out, as Jira does.
* Cloud ``POST /issue/bulkfetch``: up to 100 issues by id or key, ascending id, ``fields``.
* ``expand=changelog`` on search and ``GET /issue``: ``{startAt, maxResults, total,
  histories}``; where a limit applies only the latest histories are inline while ``total``
  counts them all.

Everything is served as of the emulator clock: histories end at that moment.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Final

from connectors.jira.emulator.catalog import STATUSES, Mode
from connectors.jira.emulator.changelog import ChangelogRenderer
from connectors.jira.emulator.exchange import ApiError, ApiRequest, ApiResponse
from connectors.jira.emulator.faults import FaultPlan
from connectors.jira.emulator.history import HistoryEntry
from connectors.jira.emulator.records import IssueRecord
from connectors.jira.emulator.render import FieldSelection, Renderer, status_json
from connectors.jira.emulator.state import JiraState

__all__ = ["BULK_ISSUES", "BULK_MAX_RESULTS", "ChangelogResources"]

BULK_ISSUES: Final = 1000
BULK_FIELDS: Final = 10
BULK_MAX_RESULTS: Final = 10_000
_BULK_DEFAULT: Final = 1000
_ISSUE_PAGE: Final = 100
_ISSUE_BULK: Final = 100
_Handler = Callable[[ApiRequest, re.Match[str]], ApiResponse]
_Listing = tuple[tuple[IssueRecord, HistoryEntry], ...]


class ChangelogResources:
    """The history resources of one emulated instance."""

    def __init__(
        self,
        mode: Mode,
        state: JiraState,
        *,
        changelogs: ChangelogRenderer,
        issues: Renderer,
        faults: FaultPlan,
        page_cap: int = BULK_MAX_RESULTS,
    ) -> None:
        self._cloud = mode == "cloud"
        self._page_cap = page_cap
        self._state = state
        self._changelogs = changelogs
        self._issues = issues
        self._faults = faults
        self._tokens: OrderedDict[str, tuple[_Listing, int]] = OrderedDict()
        self._serial = itertools.count(1)

    def routes(self, missing: _Handler) -> list[tuple[tuple[str, ...], re.Pattern[str], _Handler]]:
        """The resources' routes; Cloud-only ones answer *missing* on Data Center."""
        cloud = self._cloud
        return [
            (("GET",), re.compile(r"status"), self._statuses),
            (("POST",), re.compile(r"changelog/bulkfetch"), self._bulk if cloud else missing),
            (("POST",), re.compile(r"issue/bulkfetch"), self._issue_bulk if cloud else missing),
            (("GET",), re.compile(r"issue/([^/]+)/changelog"), self._page if cloud else missing),
        ]

    def inline(
        self, record: IssueRecord, moment_ms: int, base: str, limit: int | None
    ) -> dict[str, Any]:
        """The ``changelog`` expansion of one issue: its latest *limit* histories (all when
        ``None``), oldest first, and the ``total`` of them."""
        history = self._state.history(record.id, moment_ms)
        shown = history if limit is None else history[max(0, len(history) - limit) :]
        return {
            "startAt": 0,
            "maxResults": len(shown),
            "total": len(history),
            "histories": [self._changelogs.entry(record, e, base) for e in shown],
        }

    def _statuses(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        return ApiResponse(200, [status_json(name, request.base) for name in STATUSES])

    def _record(self, id_or_key: str, moment_ms: int) -> IssueRecord | None:
        found = self._state.find(id_or_key)
        return None if found is None else self._state.record_at(found.id, moment_ms)

    def _page(self, request: ApiRequest, match: re.Match[str]) -> ApiResponse:
        moment = self._state.clock.now_ms()
        with self._state.locked():
            record = self._record(match.group(1), moment)
            if record is None:
                raise ApiError(404, "Issue does not exist or you do not have permission to see it.")
            history = self._state.history(record.id, moment)
        start = max(0, request.integer("startAt", 0))
        size = max(1, min(request.integer("maxResults", _ISSUE_PAGE), _ISSUE_PAGE))
        shown = history[start : start + size]
        link = f"{request.base}/issue/{match.group(1)}/changelog"
        body: dict[str, Any] = {
            "self": f"{link}?startAt={start}&maxResults={size}",
            "maxResults": size,
            "startAt": start,
            "total": len(history),
            "isLast": start + size >= len(history),
            "values": [self._changelogs.entry(record, e, request.base) for e in shown],
        }
        if not body["isLast"]:
            body["nextPage"] = f"{link}?startAt={start + size}&maxResults={size}"
        return ApiResponse(200, body, page=True)

    def _bulk(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        token = request.param("nextPageToken")
        size = request.integer("maxResults", _BULK_DEFAULT)
        if not 1 <= size <= BULK_MAX_RESULTS:
            raise ApiError(400, f"maxResults must be between 1 and {BULK_MAX_RESULTS}.")
        size = min(size, self._page_cap)
        if token:
            resolved = self._tokens.get(token)
            if resolved is None:
                raise ApiError(400, "The provided next page token is invalid or expired.")
            listing, offset = resolved
        else:
            listing, offset = self._listing(request), 0
        page = listing[offset : offset + size]
        grouped: dict[int, list[dict[str, Any]]] = {}
        wanted = _field_filter(request)
        for record, entry in page:
            rendered = self._changelogs.entry(record, entry, request.base)
            if wanted is not None:
                rendered["items"] = [
                    shown
                    for item, shown in zip(entry.items, rendered["items"], strict=True)
                    if self._changelogs.filter_id(record, item) in wanted
                ]
            grouped.setdefault(record.id, []).append(rendered)
        body: dict[str, Any] = {
            "issueChangeLogs": [
                {"issueId": str(issue_id), "changeHistories": histories}
                for issue_id, histories in grouped.items()
            ]
        }
        if offset + size < len(listing):
            repeat = token if token and self._faults.take_repeat_changelog_token() else None
            body["nextPageToken"] = repeat or self._issue_token(listing, offset + size)
        return ApiResponse(200, body, page=True)

    def _listing(self, request: ApiRequest) -> _Listing:
        body = request.body if isinstance(request.body, dict) else {}
        wanted = body.get("issueIdsOrKeys")
        if not isinstance(wanted, list) or not wanted:
            raise ApiError(400, "At least one issue ID or key must be provided.")
        if len(wanted) > BULK_ISSUES:
            raise ApiError(400, f"The maximum number of issues is {BULK_ISSUES}.")
        fields = _field_filter(request)
        if fields is not None and len(fields) > BULK_FIELDS:
            raise ApiError(400, f"The maximum number of field IDs is {BULK_FIELDS}.")
        moment = self._state.clock.now_ms()
        pairs: list[tuple[IssueRecord, HistoryEntry]] = []
        with self._state.locked():
            records = {r.id: r for w in wanted if (r := self._record(str(w), moment))}
            for record in records.values():
                for entry in self._state.history(record.id, moment):
                    items = [self._changelogs.filter_id(record, i) for i in entry.items]
                    if fields is None or not fields.isdisjoint(items):
                        pairs.append((record, entry))
        pairs.sort(key=lambda pair: (pair[1].created_ms, pair[0].id, pair[1].id))
        return tuple(pairs)

    def _issue_token(self, listing: _Listing, offset: int) -> str:
        token = f"{secrets.token_urlsafe(6)}{next(self._serial):x}"
        self._tokens[token] = (listing, offset)
        if len(self._tokens) > 10_000:
            self._tokens.popitem(last=False)
        return token

    def _issue_bulk(self, request: ApiRequest, _: re.Match[str]) -> ApiResponse:
        body = request.body if isinstance(request.body, dict) else {}
        wanted = body.get("issueIdsOrKeys")
        if not isinstance(wanted, list) or not wanted or len(wanted) > _ISSUE_BULK:
            raise ApiError(400, f"Between 1 and {_ISSUE_BULK} issue IDs or keys are needed.")
        selection = FieldSelection.parse(_strings(body.get("fields")), "*navigable")
        moment = self._state.clock.now_ms()
        with self._state.locked():
            records = {r.id: r for w in wanted if (r := self._record(str(w), moment))}
            issues = [
                self._issues.issue(records[issue_id], selection, request.base)
                for issue_id in sorted(records)
            ]
        return ApiResponse(200, {"issues": issues, "issueErrors": []}, page=True)


def _field_filter(request: ApiRequest) -> frozenset[str] | None:
    body = request.body if isinstance(request.body, dict) else {}
    fields = body.get("fieldIds")
    return frozenset(_strings(fields)) if fields else None


def _strings(value: Any) -> Sequence[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)] if value is not None else []
