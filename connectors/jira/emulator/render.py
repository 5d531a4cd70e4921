"""Issue rendering as Jira Cloud or Data Center sends it, field by field.

Only requested fields are built (``*all``/``*navigable`` build all), so id-only census
pages stay cheap. Timestamps come out as ``yyyy-MM-ddTHH:mm:ss.SSS±HHMM`` in the instance
time zone; the hierarchy and custom fields follow docs/demo-organisation.md per mode.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from connectors.jira.emulator.catalog import (
    CATEGORIES,
    ISSUE_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    STATUSES,
    Mode,
    custom_fields,
    field_catalogue,
)
from connectors.jira.emulator.people import Person, render_user
from connectors.jira.emulator.records import IssueRecord, Sprint
from connectors.jira.emulator.tamper import Tampering

__all__ = ["FieldSelection", "Renderer", "format_duration", "format_stamp", "status_json"]

_Builder = Callable[[IssueRecord, str], Any]
_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


def format_stamp(ms: int, zone: ZoneInfo) -> str:
    """Jira's timestamp form, e.g. ``2026-03-01T10:15:30.123-0800``."""
    seconds, millis = divmod(ms, 1000)
    offset = _offset_seconds(zone, seconds // 3600)
    t = time.gmtime(seconds + offset)
    sign, rest = ("-", -offset) if offset < 0 else ("+", offset)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:"
        f"{t.tm_sec:02d}.{millis:03d}{sign}{rest // 3600:02d}{rest % 3600 // 60:02d}"
    )


@functools.lru_cache(maxsize=65_536)
def _offset_seconds(zone: ZoneInfo, hour: int) -> int:
    # offsets change on whole hours (DST, zone rules), so one lookup per zone-hour suffices
    offset = datetime.fromtimestamp(hour * 3600, tz=zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def format_duration(seconds: int) -> str:
    """Jira's duration text with 8-hour days and 5-day weeks, e.g. ``1w 2d 3h 30m``."""
    parts = []
    minutes = seconds // 60
    for unit, size in (("w", 2400), ("d", 480), ("h", 60), ("m", 1)):
        count, minutes = divmod(minutes, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0m"


@dataclass(frozen=True, slots=True)
class FieldSelection:
    """Which fields to render: every field when ``everything``, else exactly ``ids``."""

    everything: bool
    ids: frozenset[str]
    excluded: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, values: Iterable[str | None], default: str) -> FieldSelection:
        """Read repeated and/or comma-separated ``fields`` values; empty means *default*."""
        items = [part.strip() for value in values if value for part in value.split(",")]
        items = [item for item in items if item] or [default]
        everything = any(item in ("*all", "*navigable") for item in items)
        excluded = frozenset(item[1:] for item in items if item.startswith("-"))
        ids = frozenset(i for i in items if not i.startswith(("-", "*")))
        return cls(everything, ids, excluded)

    @property
    def id_only(self) -> bool:
        """True when nothing beyond ``id``/``key`` is asked for."""
        return not self.everything and self.ids <= {"id", "key"}

    def wants(self, field_id: str) -> bool:
        """Whether *field_id* is rendered."""
        if field_id in self.excluded:
            return False
        return self.everything or field_id in self.ids


class Renderer:
    """Renders issue records for one mode, instance time zone and base URL."""

    def __init__(
        self,
        mode: Mode,
        zone: ZoneInfo,
        *,
        lookup: Callable[[int], IssueRecord | None],
        sprints: Iterable[Sprint],
        teams: dict[str, tuple[str, int]],
        components: dict[tuple[str, str], int],
        projects: dict[str, tuple[int, str]],
        tampering: Tampering | None = None,
        people: Mapping[str, Person] | None = None,
    ) -> None:
        self.mode = mode
        self._people = people or {}
        self.zone = zone
        self._lookup = lookup
        self._sprints = {s.id: s for s in sprints}
        self._teams = teams
        self._components = components
        self._projects = projects
        self._tampering = tampering or Tampering()
        self._custom = custom_fields(mode)
        self.catalogue = field_catalogue(mode)
        self._fields = self._field_table()
        self._selected: dict[FieldSelection, list[tuple[str, _Builder]]] = {}
        self._memos: dict[tuple[str, str, str], Any] = {}

    def issue(self, record: IssueRecord, selection: FieldSelection, base: str) -> dict[str, Any]:
        """One issue as search or ``GET /issue`` returns it."""
        if self.mode == "cloud" and selection.id_only and "key" not in selection.ids:
            return {"id": str(record.id)}
        fields = {fid: build(record, base) for fid, build in self._builders(selection)}
        issue = {
            "expand": _EXPAND,
            "id": str(record.id),
            "self": f"{base}/issue/{record.id}",
            "key": record.key,
            "fields": fields,
        }
        return self._tampering.apply(record.id, issue)

    def _builders(self, selection: FieldSelection) -> list[tuple[str, _Builder]]:
        builders = self._selected.get(selection)
        if builders is None:
            builders = [(fid, b) for fid, b in self._fields.items() if selection.wants(fid)]
            self._selected[selection] = builders
        return builders

    def _memo(self, kind: str, key: str, base: str, build: Callable[[], Any]) -> Any:
        # status, priority, type and project objects repeat on every issue: build them once
        memo_key = (kind, key, base)
        value = self._memos.get(memo_key)
        if value is None:
            value = build()
            self._memos[memo_key] = value
        return value

    def names(self, selection: FieldSelection) -> dict[str, str]:
        """The ``names`` expansion: field id to display name."""
        return {f["id"]: f["name"] for f in self.catalogue if selection.wants(f["id"])}

    def schema(self, selection: FieldSelection) -> dict[str, Any]:
        """The ``schema`` expansion: field id to JSON type."""
        return {f["id"]: f["schema"] for f in self.catalogue if selection.wants(f["id"])}

    def stamp(self, ms: int | None) -> str | None:
        """A timestamp in the instance zone, or None."""
        return None if ms is None else format_stamp(ms, self.zone)

    def _field_table(self) -> dict[str, _Builder]:
        c = self._custom
        table: dict[str, _Builder] = {
            "summary": lambda r, b: r.summary,
            "issuetype": lambda r, b: self._issue_type(r.issue_type, b),
            "parent": self._parent,
            "project": self._project,
            "labels": lambda r, b: list(r.labels),
            "components": self._component_list,
            "status": lambda r, b: self._status(r.status, b),
            "assignee": self._assignee,
            "priority": lambda r, b: self._priority(r.priority, b),
            "resolution": self._resolution,
            "resolutiondate": lambda r, b: self.stamp(r.resolved_ms),
            "created": lambda r, b: self.stamp(r.created_ms),
            "updated": lambda r, b: self.stamp(r.updated_ms),
            "timetracking": lambda r, b: _timetracking(r.time_spent),
            "timespent": lambda r, b: r.time_spent,
            "aggregatetimespent": lambda r, b: r.time_spent,
            c.story_points: lambda r, b: r.story_points,
            c.sprint: self._sprint_value,
            c.epic_link: self._epic_link,
            c.team: self._team,
        }
        if self.mode == "cloud":
            table["customfield_10026"] = lambda r, b: None
            table["customfield_10019"] = lambda r, b: _rank(r)
        else:
            table["customfield_10102"] = lambda r, b: r.summary if r.issue_type == "Epic" else None
            table["customfield_10104"] = lambda r, b: _rank(r)
        return table

    def _issue_type(self, name: str, base: str) -> dict[str, Any]:
        return self._memo("type", name, base, lambda: self._build_type(name, base))  # type: ignore[no-any-return]

    def _build_type(self, name: str, base: str) -> dict[str, Any]:
        kind = ISSUE_TYPES[name]
        value: dict[str, Any] = {
            "self": f"{base}/issuetype/{kind.id}",
            "id": kind.id,
            "description": "",
            "iconUrl": f"{base}/issuetype/{kind.id}/avatar",
            "name": kind.name,
            "subtask": kind.subtask,
        }
        if self.mode == "cloud":
            value["hierarchyLevel"] = kind.hierarchy_level
        return value

    def _status(self, name: str, base: str) -> dict[str, Any]:
        return self._memo("status", name, base, lambda: self._build_status(name, base))  # type: ignore[no-any-return]

    @staticmethod
    def _build_status(name: str, base: str) -> dict[str, Any]:
        return status_json(name, base)

    def _priority(self, name: str, base: str) -> dict[str, Any]:
        return self._memo("priority", name, base, lambda: self._build_priority(name, base))  # type: ignore[no-any-return]

    @staticmethod
    def _build_priority(name: str, base: str) -> dict[str, Any]:
        ident = PRIORITIES[name]
        return {
            "self": f"{base}/priority/{ident}",
            "iconUrl": f"{base}/priority/{ident}/icon",
            "name": name,
            "id": ident,
        }

    @staticmethod
    def _resolution(record: IssueRecord, base: str) -> dict[str, Any] | None:
        if record.resolution is None:
            return None
        ident = RESOLUTIONS[record.resolution]
        return {
            "self": f"{base}/resolution/{ident}",
            "id": ident,
            "description": "",
            "name": record.resolution,
        }

    def _project(self, record: IssueRecord, base: str) -> dict[str, Any]:
        key = record.project
        return self._memo("project", key, base, lambda: self._build_project(key, base))  # type: ignore[no-any-return]

    def _build_project(self, key: str, base: str) -> dict[str, Any]:
        ident, name = self._projects[key]
        value: dict[str, Any] = {
            "self": f"{base}/project/{ident}",
            "id": str(ident),
            "key": key,
            "name": name,
            "projectTypeKey": "software",
        }
        if self.mode == "cloud":
            value["simplified"] = False
        return value

    def _assignee(self, record: IssueRecord, base: str) -> dict[str, Any] | None:
        person = None if record.assignee is None else self._people.get(record.assignee)
        return None if person is None else render_user(person, self.mode == "cloud", base)

    def _component_list(self, record: IssueRecord, base: str) -> list[dict[str, Any]]:
        result = []
        for name in record.components:
            ident = self._components.get((record.project, name), 0)
            result.append({"self": f"{base}/component/{ident}", "id": str(ident), "name": name})
        return result

    def _parent(self, record: IssueRecord, base: str) -> dict[str, Any] | None:
        if record.parent_id is None:
            return None
        if self.mode != "cloud" and record.issue_type != "Sub-task":
            return None  # Data Center links epics through the Epic Link field
        parent = self._lookup(record.parent_id)
        if parent is None:
            return None
        return {
            "id": str(parent.id),
            "key": parent.key,
            "self": f"{base}/issue/{parent.id}",
            "fields": {
                "summary": parent.summary,
                "status": self._status(parent.status, base),
                "priority": self._priority(parent.priority, base),
                "issuetype": self._issue_type(parent.issue_type, base),
            },
        }

    def _epic_link(self, record: IssueRecord, base: str) -> str | None:
        if self.mode == "cloud" or record.parent_id is None or record.issue_type == "Sub-task":
            return None  # Cloud's Epic Link is the deprecated, unset legacy field
        parent = self._lookup(record.parent_id)
        return parent.key if parent is not None else None

    def _team(self, record: IssueRecord, base: str) -> dict[str, Any] | None:
        if record.team is None:
            return None
        team_id, option = self._teams[record.team]
        if self.mode == "cloud":
            return {
                "id": team_id,
                "name": record.team,
                "title": record.team,
                "isVisible": True,
                "isVerified": False,
                "isShared": True,
            }
        return {
            "self": f"{base}/customFieldOption/{option}",
            "value": record.team,
            "id": str(option),
            "disabled": False,
        }

    def _sprint_value(self, record: IssueRecord, base: str) -> list[Any] | None:
        if not record.sprint_ids:
            return None
        return [
            self._memo("sprint", str(i), "", functools.partial(self._sprint_json, i))
            for i in record.sprint_ids
        ]

    def _sprint_json(self, sprint_id: int) -> Any:
        sprint = self._sprints[sprint_id]
        if self.mode == "cloud":
            return self._cloud_sprint(sprint)
        return self._dc_sprint(sprint)

    @staticmethod
    def _cloud_sprint(sprint: Sprint) -> dict[str, Any]:
        value: dict[str, Any] = {
            "id": sprint.id,
            "name": sprint.name,
            "state": sprint.state,
            "boardId": sprint.board_id,
            "goal": "",
            "startDate": _iso_utc(sprint.start_ms),
            "endDate": _iso_utc(sprint.end_ms),
        }
        if sprint.complete_ms is not None:
            value["completeDate"] = _iso_utc(sprint.complete_ms)
        return value

    def _dc_sprint(self, sprint: Sprint) -> str:
        def when(ms: int | None) -> str:
            if ms is None:
                return "<null>"
            moment = datetime.fromtimestamp(ms / 1000, tz=self.zone)
            return moment.isoformat(timespec="milliseconds")

        return (
            f"com.atlassian.greenhopper.service.sprint.Sprint@{(sprint.id * 7919) & 0xFFFF:x}"
            f"[id={sprint.id},rapidViewId={sprint.board_id},state={sprint.state.upper()},"
            f"name={sprint.name},startDate={when(sprint.start_ms)},"
            f"endDate={when(sprint.end_ms)},completeDate={when(sprint.complete_ms)},"
            f"sequence={sprint.id}]"
        )


def status_json(name: str, base: str) -> dict[str, Any]:
    """The status named *name* with its category, as issues and ``GET /status`` show it."""
    status = STATUSES[name]
    return {
        "self": f"{base}/status/{status.id}",
        "description": "",
        "iconUrl": f"{base}/status/{status.id}/icon",
        "name": status.name,
        "id": status.id,
        "statusCategory": CATEGORIES[status.category].render(base),
    }


def _iso_utc(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=ZoneInfo("UTC"))
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def _timetracking(seconds: int | None) -> dict[str, Any]:
    if seconds is None:
        return {}
    return {"timeSpent": format_duration(seconds), "timeSpentSeconds": seconds}


def _rank(record: IssueRecord) -> str:
    return f"0|i{record.id:05x}:"
