"""What the web view reads: the store, the served snapshot, the mapping files in use.

``ViewSources`` is what the service hands the view; ``build_index`` reads the store once for
a snapshot (issues with their current decisions, and the histories the capacity weighting
needs) into a ``WorkIndex``; ``explain_issue`` explains one issue from its own lineage only
(``Store.get_lineage``: the issue, the live issues it may inherit from, the roadmap items),
so it does not read every issue.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field

from mappings import TeamConfig, explain, team_of
from mappings.explain import Explanation
from mappings.rules.load import RuleSet
from syncd.analytics import Snapshot
from syncd.analytics.capacity import WorkLog
from syncd.analytics.history import WORK_FIELDS
from syncd.analytics.integrity import IntegrityProblem
from syncd.analytics.settings import CapacityConfig
from syncd.core.domain import Decision, Issue
from syncd.store import Store
from syncd.store.decisions import DecisionRecord
from syncd.web.drilldown import WorkIndex

__all__ = ["MappingView", "ViewSources", "build_index", "explain_issue"]


@dataclass(frozen=True, slots=True)
class MappingView:
    """The mapping files in use: the rule set, the team resolution and the key results."""

    rule_set: RuleSet
    teams: TeamConfig | None
    key_results: Collection[str] | None


@dataclass(frozen=True, slots=True)
class ViewSources:
    """Everything the web view reads, as the service wires it.

    *snapshot* returns the snapshot ``/metrics`` serves; *mappings* the mapping files in use;
    *integrity* the last refresh's integrity problems; *jira_urls* each Jira source's base
    URL (issue keys link to ``<url>/browse/<key>``); *capacity* the capacity weighting's
    settings.
    """

    store: Store
    snapshot: Callable[[], Snapshot | None]
    mappings: Callable[[], MappingView]
    integrity: Callable[[], tuple[IntegrityProblem, ...]] = lambda: ()
    jira_urls: Mapping[str, str] = field(default_factory=dict)
    capacity: CapacityConfig = field(default_factory=CapacityConfig)


def build_index(sources: ViewSources, snapshot: Snapshot) -> WorkIndex:
    """Index the stored issues and current decisions over *snapshot*'s windows."""
    teams = sources.mappings().teams
    decisions = {(d.source, d.issue_id): d for d in sources.store.iter_decisions()}
    if "capacity" not in snapshot.weightings:
        issues = sources.store.iter_issues(with_raw=False, chunk=2000)
        return WorkIndex.build(_decided(issues, decisions), teams, snapshot.windows)
    log = WorkLog(snapshot.computed_at, snapshot.windows, lambda state: team_of(state, teams))

    def logged() -> Iterator[Issue]:
        stream = sources.store.iter_issue_histories(WORK_FIELDS, chunk=2000, reach=log.since)
        for issue, changes in stream:
            log.add(issue, changes)
            yield issue

    return WorkIndex.build(
        _decided(logged(), decisions),
        teams,
        snapshot.windows,
        lambda: log.issue_days(sources.capacity, snapshot.windows),
    )


def _decided(
    issues: Iterator[Issue], decisions: dict[tuple[str, int], Decision]
) -> Iterator[tuple[Issue, Decision | None]]:
    for issue in issues:
        yield issue, decisions.get((issue.source, issue.issue_id))


def explain_issue(
    sources: ViewSources, source: str, key: str
) -> tuple[Explanation, list[DecisionRecord]] | None:
    """The explanation of *key* (now, or before a move) in *source* and its decision's
    history, newest first; ``None`` when no such issue is stored."""
    issue = sources.store.get_issue_by_key(key, source)
    if issue is None:
        return None
    mapping = sources.mappings()
    explanation = explain(
        issue.key,
        sources.store.get_lineage(issue),
        sources.store.iter_roadmap_items(),
        mapping.rule_set,
        teams=mapping.teams,
        key_results=mapping.key_results,
        source=source,
    )
    history = sources.store.decision_history(source, issue.issue_id)
    return explanation, sorted(history, key=lambda record: record.decided_at, reverse=True)
