"""How an issue finds its team: an ordered list of sources, the first that answers wins.

Sources (any order, each at most once is sensible):

``field``         the Team custom field (``Issue.team``), mapped through ``aliases``
``label_prefix``  a label such as ``team:platform``
``components``    a component → team map
``boards``        a board → team map, read from the issue's sprints (a sprint is named after
                  its board, e.g. ``SHOP Sprint 12`` belongs to board ``SHOP``)
``custom``        a configured custom field → team map (``{field: Name, map: {...}}``)
``projects``      a project → team map

An answer that is not one of ``teams`` (when that list is given) is ignored, so a stray value
falls through to the next source. ``default`` answers when no source does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from mappings._files import StrictModel, TeamName, parse_model, read_text
from syncd.core.domain import Issue
from syncd.core.errors import RuleSetError

__all__ = [
    "TeamConfig",
    "TeamSource",
    "load_teams",
    "parse_teams",
    "resolve_team",
    "team_of",
    "team_source",
]


class _Field(StrictModel):
    kind: Literal["field"] = Field(alias="source")


class _LabelPrefix(StrictModel):
    kind: Literal["label_prefix"] = Field(alias="source")
    prefix: str = "team:"


class _Map(StrictModel):
    kind: Literal["components", "boards", "projects"] = Field(alias="source")
    map: dict[str, TeamName]


class _Custom(StrictModel):
    kind: Literal["custom"] = Field(alias="source")
    field: str
    map: dict[str, TeamName]


TeamSource = Annotated[_Field | _LabelPrefix | _Map | _Custom, Field(discriminator="kind")]


class TeamConfig(StrictModel):
    """Team resolution: ordered ``sources``, known ``teams``, ``aliases`` and a ``default``."""

    teams: tuple[TeamName, ...] = ()
    aliases: dict[str, TeamName] = Field(default_factory=dict)
    sources: tuple[TeamSource, ...] = (_Field.model_validate({"source": "field"}),)
    default: TeamName = "unassigned"

    @model_validator(mode="after")
    def _known_targets(self) -> TeamConfig:
        if not self.teams:
            return self
        known = set(self.teams) | {self.default}
        named = set(self.aliases.values())
        for source in self.sources:
            named |= set(getattr(source, "map", {}).values())
        unknown = sorted(named - known)
        if unknown:
            raise ValueError(f"teams not listed under 'teams': {', '.join(unknown)}")
        return self


def load_teams(path: Path) -> TeamConfig:
    """Read and validate a team file; ``RuleSetError`` lists every problem with its line."""
    return parse_teams(read_text(path), str(path))


def parse_teams(text: str, filename: str = "<teams>") -> TeamConfig:
    """Validate team-file *text*; ``RuleSetError`` lists every problem with its line."""
    parsed, _data, _index, problems = parse_model(text, filename, TeamConfig)
    if parsed is None:
        raise RuleSetError(f"{filename}: the team file is invalid", problems)
    return parsed


def resolve_team(issue: Issue, config: TeamConfig) -> str:
    """The team *issue* belongs to under *config* (the default when no source answers)."""
    return team_source(issue, config)[0]


def team_of(issue: Issue, config: TeamConfig | None) -> str:
    """The team whose figures *issue* counts in: the configured resolution, else the issue's
    own Jira team, else its project."""
    team = resolve_team(issue, config) if config is not None else None
    return team or issue.team or issue.project


def team_source(issue: Issue, config: TeamConfig) -> tuple[str, str]:
    """The team of *issue* and the source that named it (``default`` when none did)."""
    for source in config.sources:
        team = _ask(source, issue, config)
        if team is not None and (not config.teams or team in config.teams):
            return team, source.kind
    return config.default, "default"


def _ask(source: TeamSource, issue: Issue, config: TeamConfig) -> str | None:
    if isinstance(source, _Field):
        return config.aliases.get(issue.team, issue.team) if issue.team else None
    if isinstance(source, _LabelPrefix):
        return _by_label(issue.labels, source.prefix, config)
    if isinstance(source, _Custom):
        value = issue.custom.get(source.field)
        if isinstance(value, dict):
            value = value.get("value", value.get("name"))
        return source.map.get(str(value)) if value is not None else None
    return _by_map(source, issue)


def _by_label(labels: tuple[str, ...], prefix: str, config: TeamConfig) -> str | None:
    for label in labels:
        if label.startswith(prefix) and len(label) > len(prefix):
            name = label[len(prefix) :]
            return config.aliases.get(name, name)
    return None


def _by_map(source: _Map, issue: Issue) -> str | None:
    if source.kind == "projects":
        return source.map.get(issue.project)
    if source.kind == "components":
        return next((source.map[c] for c in issue.components if c in source.map), None)
    for sprint in issue.sprints:
        for board, team in source.map.items():
            if sprint.startswith(board):
                return team
    return None
