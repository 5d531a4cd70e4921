"""What rules look at: an issue normalised once, so compiled rules do no per-rule work.

Labels, components, issue types and priorities compare case-insensitively (``casefold``);
project and issue keys compare upper-case. Building the facts once per issue and running
every rule over them keeps classification of 200,000 issues within a few seconds.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from syncd.core.domain import Issue, RoadmapItem

__all__ = ["Facts", "facts_of", "key_result_ids"]


class Facts(NamedTuple):
    """The normalised view of one issue (and the roadmap item linked to its key) rules read."""

    issue: Issue
    project: str
    issue_type: str
    labels: frozenset[str]
    components: frozenset[str]
    priority: str | None
    team: str | None
    status_category: str
    key_result_labels: tuple[str, ...]
    roadmap: RoadmapItem | None


def key_result_ids(labels: tuple[str, ...], prefix: str | None) -> tuple[str, ...]:
    """Key result ids named by labels following the ``<prefix><id>`` convention, in order."""
    if not prefix:
        return ()
    size = len(prefix)
    folded = prefix.casefold()
    return tuple(
        label[size:] for label in labels if label[:size].casefold() == folded and label[size:]
    )


def facts_of(
    issue: Issue,
    roadmap: RoadmapItem | None = None,
    team: str | None = None,
    key_result_prefix: str | None = "kr:",
) -> Facts:
    """The facts of *issue*; *team* is its resolved team (defaults to the Team field value)."""
    return Facts(
        issue=issue,
        project=issue.project.upper(),
        issue_type=issue.issue_type.casefold(),
        labels=_folded_set(issue.labels),
        components=_folded_set(issue.components),
        priority=issue.priority.casefold() if issue.priority else None,
        team=_folded(team if team is not None else issue.team),
        status_category=issue.status_category.value,
        key_result_labels=_key_result_ids(issue.labels, key_result_prefix),
        roadmap=roadmap,
    )


@lru_cache(maxsize=65536)
def _folded_set(values: tuple[str, ...]) -> frozenset[str]:
    # label and component sets repeat across issues: fold each distinct one once
    return frozenset(value.casefold() for value in values)


_key_result_ids = lru_cache(maxsize=65536)(key_result_ids)


def _folded(text: str | None) -> str | None:
    return text.casefold() if text else None
