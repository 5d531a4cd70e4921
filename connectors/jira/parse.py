"""Raw Jira issue JSON (Cloud or Data Center) into ``syncd.core.domain.Issue``.

A payload that cannot be read (no numeric id, an unparsable date, a field of the wrong type,
a number the store cannot keep: see ``connectors.jira.decode``) becomes a ``RejectedRecord``
with a bounded excerpt: it is quarantined and reported, never an exception that loses the rest
of its page, never dropped silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from connectors.jira.decode import RefusedIssue
from connectors.jira.fields import FieldIds
from syncd.core.domain import Issue, RejectedRecord, StatusCategory

__all__ = [
    "EXCERPT_LIMIT",
    "created_of",
    "excerpt",
    "parse_issue",
    "parse_timestamp",
    "sprint_names",
]

EXCERPT_LIMIT: Final = 2000
_SPRINT_NAME: Final = re.compile(r"[\[,]name=(.*?)(?=,[A-Za-z]+=|\]$)")
_EPIC_LEVEL: Final = 1


class _Unreadable(ValueError):
    """Internal: where a payload is wrong and how."""

    def __init__(self, where: str, problem: str) -> None:
        self.reason = f"{where}: {problem}"
        super().__init__(self.reason)


def parse_issue(raw: Any, source: str, fields: FieldIds) -> Issue | RejectedRecord:
    """Normalise one search result; a malformed one becomes a ``RejectedRecord``.

    ``assignee`` is the assignee's Cloud ``accountId``, or on Data Center their user ``key``
    (their ``name`` where Jira sends no key).
    """
    if isinstance(raw, RefusedIssue):
        return RejectedRecord(source, _reference(raw), raw.reason, excerpt(raw))
    try:
        return _issue(raw, source, fields)
    except _Unreadable as problem:
        return RejectedRecord(source, _reference(raw), problem.reason, excerpt(raw))


def created_of(issue: Any) -> datetime | None:
    """A raw issue's creation time, ``None`` when it has none that can be read."""
    fields = issue.get("fields") if isinstance(issue, Mapping) else None
    try:
        return parse_timestamp(fields.get("created") if isinstance(fields, Mapping) else None)
    except ValueError:
        return None


def parse_timestamp(value: Any, where: str = "timestamp") -> datetime:
    """A Jira ``yyyy-MM-ddTHH:mm:ss.SSS±HHMM`` timestamp, converted to UTC.

    Raises ``ValueError`` naming *where* for anything else, including a timestamp without
    an offset: a local time is never guessed.
    """
    if not isinstance(value, str):
        raise _Unreadable(where, f"expected a timestamp string, got {_kind(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Unreadable(where, f"unparsable timestamp {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise _Unreadable(where, f"timestamp {value[:40]!r} has no UTC offset")
    return moment.astimezone(UTC)


def sprint_names(value: Any) -> tuple[str, ...]:
    """Sprint names from Cloud objects (``{"name": …}``) and Data Center ``…Sprint@…[name=…]``
    strings, in the order given; the two forms may be mixed."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Unreadable("sprint", f"expected a list, got {_kind(value)}")
    names: list[str] = []
    for item in value:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            names.append(item["name"])
        elif isinstance(item, str) and (match := _SPRINT_NAME.search(item)):
            names.append(match.group(1))
        else:
            raise _Unreadable("sprint", f"unreadable sprint value {str(item)[:60]!r}")
    return tuple(names)


def _issue(raw: Any, source: str, ids: FieldIds) -> Issue:
    if not isinstance(raw, Mapping):
        raise _Unreadable("issue", f"expected an object, got {_kind(raw)}")
    fields = raw.get("fields")
    if not isinstance(fields, Mapping):
        raise _Unreadable("fields", "missing or not an object")
    status = _object(fields, "status")
    parent = _optional_object(fields, "parent")
    return Issue(
        source=source,
        issue_id=_issue_id(raw.get("id")),
        key=_text(raw, "key"),
        project=_text(_object(fields, "project"), "key", "fields.project.key"),
        issue_type=_text(_object(fields, "issuetype"), "name", "fields.issuetype.name"),
        summary=_optional_text(fields, "summary") or "",
        status=_text(status, "name", "fields.status.name"),
        status_category=_status_category(status),
        created=parse_timestamp(fields.get("created"), "fields.created"),
        updated=parse_timestamp(fields.get("updated"), "fields.updated"),
        resolved=_optional_timestamp(fields, "resolutiondate"),
        priority=_name_of(fields.get("priority"), "fields.priority"),
        labels=_strings(fields.get("labels"), "fields.labels"),
        components=_component_names(fields.get("components")),
        parent_key=_text(parent, "key", "fields.parent.key") if parent else None,
        epic_key=_epic_key(parent, fields, ids),
        story_points=_number(fields, ids.story_points),
        time_spent_seconds=_time_spent(fields),
        sprints=_sprints(fields, ids.sprint),
        team=_team(fields, ids.team),
        assignee=_assignee(fields.get("assignee")),
        custom={name: fields.get(field_id) for name, field_id in ids.extra.items()},
        raw=raw,
    )


def _issue_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise _Unreadable("id", f"expected a numeric id, got {_kind(value)} {str(value)[:20]!r}")


def _text(data: Mapping[str, Any], key: str, where: str | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _Unreadable(where or key, f"expected a non-empty string, got {_kind(value)}")
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _Unreadable(f"fields.{key}", f"expected a string, got {_kind(value)}")


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise _Unreadable(f"fields.{key}", f"expected an object, got {_kind(value)}")
    return value


def _optional_object(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    return None if data.get(key) is None else _object(data, key)


def _optional_timestamp(fields: Mapping[str, Any], key: str) -> datetime | None:
    value = fields.get(key)
    return None if value is None else parse_timestamp(value, f"fields.{key}")


def _status_category(status: Mapping[str, Any]) -> StatusCategory:
    category = status.get("statusCategory")
    key = category.get("key") if isinstance(category, Mapping) else None
    try:
        return StatusCategory(str(key))
    except ValueError:
        raise _Unreadable(
            "fields.status.statusCategory.key", f"unknown status category {str(key)[:30]!r}"
        ) from None


def _name_of(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return str(value["name"])
    raise _Unreadable(where, f"expected an object with a name, got {_kind(value)}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _Unreadable(where, "expected a list of strings")


def _component_names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Unreadable("fields.components", f"expected a list, got {_kind(value)}")
    return tuple(_name_of(item, "fields.components") or "" for item in value)


def _epic_key(
    parent: Mapping[str, Any] | None, fields: Mapping[str, Any], ids: FieldIds
) -> str | None:
    # Cloud links a child to its epic through `parent`; Data Center (and legacy Cloud)
    # through the Epic Link field, where `parent` only ever means a sub-task's parent.
    if parent is not None and _is_epic(parent):
        return _text(parent, "key", "fields.parent.key")
    if ids.epic_link is None or fields.get(ids.epic_link) is None:
        return None
    link = fields[ids.epic_link]
    if isinstance(link, str) and link:
        return link
    if isinstance(link, Mapping) and isinstance(link.get("key"), str):
        return str(link["key"])
    raise _Unreadable(f"fields.{ids.epic_link}", f"epic link is {_kind(link)}, not a key")


def _is_epic(parent: Mapping[str, Any]) -> bool:
    parent_fields = parent.get("fields")
    kind = parent_fields.get("issuetype") if isinstance(parent_fields, Mapping) else None
    if not isinstance(kind, Mapping):
        return False
    return kind.get("hierarchyLevel") == _EPIC_LEVEL or kind.get("name") == "Epic"


def _number(fields: Mapping[str, Any], field_id: str | None) -> float | None:
    value = None if field_id is None else fields.get(field_id)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _Unreadable(f"fields.{field_id}", f"story points must be a number, got {_kind(value)}")


def _time_spent(fields: Mapping[str, Any]) -> int | None:
    value = fields.get("timespent")
    if value is None:
        tracking = fields.get("timetracking")
        value = tracking.get("timeSpentSeconds") if isinstance(tracking, Mapping) else None
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _Unreadable("fields.timespent", f"expected whole seconds, got {_kind(value)}")


def _sprints(fields: Mapping[str, Any], field_id: str | None) -> tuple[str, ...]:
    if field_id is None:
        return ()
    try:
        return sprint_names(fields.get(field_id))
    except _Unreadable as problem:
        raise _Unreadable(f"fields.{field_id}", problem.reason) from None


def _team(fields: Mapping[str, Any], field_id: str | None) -> str | None:
    value = None if field_id is None else fields.get(field_id)
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        for key in ("name", "value", "title"):
            if isinstance(value.get(key), str):
                return str(value[key])
    raise _Unreadable(f"fields.{field_id}", f"unreadable team value ({_kind(value)})")


def _assignee(value: Any) -> str | None:
    # Cloud names people by accountId only; Data Center by user key (stable across renames)
    # or, on older releases, by user name.
    if value is None:
        return None
    if isinstance(value, Mapping):
        for key in ("accountId", "key", "name"):
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
    raise _Unreadable("fields.assignee", f"expected a user with an id, got {_kind(value)}")


def _reference(raw: Any) -> str:
    if isinstance(raw, Mapping):
        for key in ("key", "id"):
            if isinstance(raw.get(key), str | int) and not isinstance(raw.get(key), bool):
                return str(raw[key])[:100]
    return "?"


def excerpt(raw: Any) -> str:
    """*raw* as sorted JSON, cut to ``EXCERPT_LIMIT`` characters: what a quarantined record
    keeps of its payload."""
    try:
        text = json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(raw)
    return text if len(text) <= EXCERPT_LIMIT else text[: EXCERPT_LIMIT - 1] + "…"


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__
