"""Putting one emulated instance's resources together: the renderers of issues and
histories over the organisation's teams, projects and people, and the API that serves them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from connectors.jira.emulator.api import JiraApi, Limits
from connectors.jira.emulator.catalog import Mode, custom_fields
from connectors.jira.emulator.changelog import ChangelogRenderer
from connectors.jira.emulator.changelog_api import ChangelogResources
from connectors.jira.emulator.faults import FaultPlan
from connectors.jira.emulator.people import directory
from connectors.jira.emulator.render import Renderer
from connectors.jira.emulator.search import SearchEngine
from connectors.jira.emulator.state import JiraState
from connectors.jira.emulator.tamper import Tampering

__all__ = ["assemble_api"]


def assemble_api(
    mode: Mode,
    state: JiraState,
    zone: ZoneInfo,
    engine: SearchEngine,
    *,
    faults: FaultPlan,
    limits: Limits,
    myself: dict[str, Any],
    tampering: Tampering | None = None,
) -> JiraApi:
    """The API of *state*'s organisation in *mode*, rendering times in *zone*, issues with
    *tampering*'s hostile values."""
    org = state.org
    people = directory(org.people)
    teams = {t.name: (t.id, t.option_id) for t in org.teams}
    projects = {p.key: (p.id, p.name) for p in org.projects}
    renderer = Renderer(
        mode,
        zone,
        lookup=state.get,
        sprints=org.sprints,
        teams=teams,
        components={(p.key, c.name): c.id for p in org.projects for c in p.components},
        projects=projects,
        people=people,
        tampering=tampering,
    )
    changelogs = ChangelogRenderer(
        mode,
        stamp=renderer.stamp,
        people=people,
        lookup=state.record,
        projects=projects,
        teams=teams,
        custom=custom_fields(mode),
    )
    resources = ChangelogResources(
        mode,
        state,
        changelogs=changelogs,
        issues=renderer,
        faults=faults,
        page_cap=limits.cloud_changelog_max_results,
    )
    return JiraApi(
        mode,
        state,
        engine,
        renderer,
        faults=faults,
        limits=limits,
        myself=myself,
        changelogs=resources,
    )
