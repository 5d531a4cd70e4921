"""Which custom fields hold story points, sprints, the epic link and the team on one instance.

Ids differ per instance and names are localised, so discovery reads ``GET /rest/api/2/field``
and matches ``schema.custom`` first; names are only a fallback for plain float and select
fields. Ids set in the configuration always win.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from connectors.jira.config import JiraFieldOverrides

__all__ = ["BASE_FIELDS", "FieldIds", "discover_fields", "field_name_map"]

BASE_FIELDS: Final = (
    "summary",
    "issuetype",
    "project",
    "status",
    "assignee",
    "priority",
    "labels",
    "components",
    "parent",
    "created",
    "updated",
    "resolutiondate",
    "timespent",
    "timetracking",
)
"""System fields every data page asks for (never ``*all``: pages stay small)."""

_Match = Callable[[Mapping[str, Any]], bool]

_STORY_POINTS: Final = "com.pyxis.greenhopper.jira:jsw-story-points"
_SPRINT: Final = "com.pyxis.greenhopper.jira:gh-sprint"
_EPIC_LINK: Final = "com.pyxis.greenhopper.jira:gh-epic-link"
_TEAM_SUFFIX: Final = ":atlassian-team"
_FLOAT: Final = "com.atlassian.jira.plugin.system.customfieldtypes:float"
_STORY_POINT_NAMES: Final = frozenset({"story points", "story point estimate"})


@dataclass(frozen=True, slots=True)
class FieldIds:
    """The custom field ids of one instance; ``None`` when the instance has no such field.

    ``extra`` maps a name of the operator's choosing to a field id; those values land in
    ``Issue.custom`` under that name.
    """

    story_points: str | None = None
    sprint: str | None = None
    epic_link: str | None = None
    team: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def requested(self) -> tuple[str, ...]:
        """Every field id a data page must ask for: the system fields, then these ids."""
        ids = [self.story_points, self.sprint, self.epic_link, self.team, *self.extra.values()]
        custom = [one for one in ids if one is not None and one not in BASE_FIELDS]
        return BASE_FIELDS + tuple(dict.fromkeys(custom))


def discover_fields(
    fields: Iterable[Mapping[str, Any]], overrides: JiraFieldOverrides | None = None
) -> FieldIds:
    """Pick the custom field ids from a ``/field`` answer; *overrides* by id win."""
    listed = [one for one in fields if isinstance(one, Mapping) and isinstance(one.get("id"), str)]
    found = FieldIds(
        story_points=_first(listed, _custom_is(_STORY_POINTS))
        or _first(listed, _float_named(_STORY_POINT_NAMES)),
        sprint=_first(listed, _custom_is(_SPRINT)),
        epic_link=_first(listed, _custom_is(_EPIC_LINK)),
        team=_first(listed, _team_by_schema) or _first(listed, _named(frozenset({"team"}))),
    )
    if overrides is None:
        return found
    return FieldIds(
        story_points=overrides.story_points or found.story_points,
        sprint=overrides.sprint or found.sprint,
        epic_link=overrides.epic_link or found.epic_link,
        team=overrides.team or found.team,
        extra=dict(overrides.extra),
    )


def field_name_map(fields: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """JQL clause name -> field id, the map the ``jira`` client otherwise fetches per client."""
    names: dict[str, str] = {}
    for one in fields:
        if isinstance(one, Mapping) and isinstance(one.get("id"), str):
            for clause in one.get("clauseNames") or ():
                names[str(clause)] = one["id"]
    return names


def _first(fields: list[Mapping[str, Any]], match: _Match) -> str | None:
    hits = sorted((one["id"] for one in fields if match(one)), key=_id_order)
    return hits[0] if hits else None


def _id_order(field_id: str) -> tuple[int, str]:
    # The lowest custom id is the instance's original field; later ones are usually copies.
    digits = field_id.rsplit("_", 1)[-1]
    return (int(digits) if digits.isdigit() else 1 << 62, field_id)


def _schema_custom(one: Mapping[str, Any]) -> str:
    schema = one.get("schema")
    custom = schema.get("custom") if isinstance(schema, Mapping) else None
    return custom if isinstance(custom, str) else ""


def _custom_is(wanted: str) -> _Match:
    return lambda one: _schema_custom(one) == wanted


def _team_by_schema(one: Mapping[str, Any]) -> bool:
    return _schema_custom(one).endswith(_TEAM_SUFFIX)


def _named(names: frozenset[str]) -> _Match:
    return lambda one: str(one.get("name", "")).strip().casefold() in names


def _float_named(names: frozenset[str]) -> _Match:
    return lambda one: _schema_custom(one) == _FLOAT and _named(names)(one)
