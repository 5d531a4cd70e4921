"""Integrity of the chain roadmap item → Jira epic → key result, as pure functions over values.

``check_integrity(issues, roadmap_items, key_results, decisions)`` lists every broken link:

* ``roadmap_item_without_jira_link``: a roadmap item with no Jira key, on itself or on any
  item below it (a Productboard feature whose sub-features are linked is linked);
* ``epic_without_roadmap_item_or_key_result``: an epic that no roadmap item links to and that
  has no key result (no ``kr:`` label, no decision naming one);
* ``key_result_without_work``: a key result no issue works towards (no ``kr:`` label, no
  decision, no roadmap item for it, or under it, that links to an existing issue);
* ``link_to_unknown_jira_key``: a roadmap item linking to a key no synced issue has;
* ``link_to_unknown_key_result``: a roadmap item naming a key result the model does not know.

Pass the key results that should have work (for instance those of the current period). The
report is stored and its ``counts()`` feed ``syncd_integrity_problems{kind}``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from syncd.core.domain import Decision, Issue, KeyResult, RoadmapItem

__all__ = [
    "IntegrityCheck",
    "IntegrityKind",
    "IntegrityProblem",
    "IntegrityReport",
    "check_integrity",
    "kr_label",
]

_KR_PREFIX = "kr:"
_MAX_DEPTH = 32  # roadmap hierarchies are shallow; a deeper chain is a parent cycle


class IntegrityKind(StrEnum):
    """The kinds of broken link, as used in the ``kind`` metric label."""

    ROADMAP_ITEM_WITHOUT_JIRA_LINK = "roadmap_item_without_jira_link"
    EPIC_WITHOUT_ROADMAP_ITEM_OR_KEY_RESULT = "epic_without_roadmap_item_or_key_result"
    KEY_RESULT_WITHOUT_WORK = "key_result_without_work"
    LINK_TO_UNKNOWN_JIRA_KEY = "link_to_unknown_jira_key"
    LINK_TO_UNKNOWN_KEY_RESULT = "link_to_unknown_key_result"


@dataclass(frozen=True, slots=True, order=True)
class IntegrityProblem:
    """One broken link: its kind, the offending id, and the id it points at (if any).

    ``subject`` is ``source:item_id`` for roadmap items, the issue key for epics and the key
    result id for key results; ``target`` is the unknown Jira key or key result.
    """

    kind: IntegrityKind
    subject: str
    target: str | None = None

    def __str__(self) -> str:
        arrow = f" -> {self.target}" if self.target else ""
        return f"{self.kind.value}: {self.subject}{arrow}"


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """Every problem found, sorted by kind then subject."""

    problems: tuple[IntegrityProblem, ...]

    def counts(self) -> dict[str, int]:
        """Problems per kind, every kind present (0 when clean) so alerts see the series."""
        found = Counter(problem.kind for problem in self.problems)
        return {kind.value: found.get(kind, 0) for kind in IntegrityKind}

    def of_kind(self, kind: IntegrityKind) -> tuple[IntegrityProblem, ...]:
        """The problems of one *kind*."""
        return tuple(problem for problem in self.problems if problem.kind is kind)


def kr_label(label: str) -> str | None:
    """The key result id a ``kr:<id>`` label names, or ``None`` for any other label."""
    if label[: len(_KR_PREFIX)].lower() != _KR_PREFIX:
        return None
    return label[len(_KR_PREFIX) :].strip() or None


def check_integrity(
    issues: Iterable[Issue],
    roadmap_items: Iterable[RoadmapItem],
    key_results: Iterable[KeyResult],
    decisions: Iterable[Decision] | None = None,
    today: date | None = None,
) -> IntegrityReport:
    """Every broken link between *roadmap_items*, *issues* and *key_results*.

    With *today*, only key results whose period includes it can be "without work": a past
    quarter's key result is not a problem to fix now, though links to it still resolve.
    """
    check = IntegrityCheck(roadmap_items, key_results, today)
    for issue in issues:
        check.add_issue(issue)
    for decision in decisions or ():
        check.add_decision(decision)
    return check.report()


class IntegrityCheck:
    """``check_integrity`` fed one issue, then one decision, at a time.

    Holds the roadmap and key results, and per issue only what a verdict needs: whether its
    key is on the roadmap, whether it is an epic off the roadmap, its first ``kr:`` label and
    its decision's key result; so a whole organisation streams through. Give each issue with
    ``add_issue`` before its decision with ``add_decision``. Giving an issue or a decision
    again replaces what was held for it, and ``drop`` forgets an issue: a check kept from one
    refresh to the next takes only what changed.
    """

    def __init__(
        self,
        roadmap_items: Iterable[RoadmapItem],
        key_results: Iterable[KeyResult],
        today: date | None = None,
    ) -> None:
        self._items = list(roadmap_items)
        self._results = list(key_results)
        self._today = today
        self._on_roadmap = {key for item in self._items for key in item.jira_keys}
        self._found: dict[tuple[str, int], str] = {}
        self._labelled: dict[tuple[str, int], str] = {}
        self._epics: dict[tuple[str, int], str] = {}
        self._decided: dict[tuple[str, int], str] = {}
        self._names: dict[str, str] = {}  # each key result id held once, however many name it

    def add_issue(self, issue: Issue) -> None:
        """Take a live issue into account (in place of what it was, if it was given)."""
        identity = (issue.source, issue.issue_id)
        self._forget_issue(identity)
        if issue.key in self._on_roadmap:
            self._found[identity] = issue.key
        elif issue.issue_type.casefold() == "epic":
            self._epics[identity] = issue.key
        for label in issue.labels:
            named = kr_label(label)
            if named is not None:
                self._labelled[identity] = self._names.setdefault(named, named)
                break

    def add_decision(self, decision: Decision) -> None:
        """Take the decision of an issue already added (its key result wins over labels)."""
        identity = (decision.source, decision.issue_id)
        if decision.key_result:
            folded = _fold(decision.key_result)
            self._decided[identity] = self._names.setdefault(folded, folded)
        else:
            self._decided.pop(identity, None)

    def drop(self, identity: tuple[str, int]) -> None:
        """Forget the issue ``(source, issue id)`` and its decision."""
        self._forget_issue(identity)
        self._decided.pop(identity, None)

    def _forget_issue(self, identity: tuple[str, int]) -> None:
        self._found.pop(identity, None)
        self._epics.pop(identity, None)
        self._labelled.pop(identity, None)

    def report(self, today: date | None = None) -> IntegrityReport:
        """Every problem found among what was held, as of *today* (else the day given when
        the check was made)."""
        today = today or self._today
        current = [
            k for k in self._results if today is None or k.period_start <= today <= k.period_end
        ]
        labelled = {
            identity: named
            for identity, named in self._labelled.items()
            if identity not in self._decided
        }
        worked = set(self._decided.values()) | {_fold(named) for named in labelled.values()}
        orphans = [
            IntegrityProblem(IntegrityKind.EPIC_WITHOUT_ROADMAP_ITEM_OR_KEY_RESULT, key)
            for identity, key in self._epics.items()
            if identity not in labelled and identity not in self._decided
        ]
        found = set(self._found.values())
        problems = [
            *_items_without_link(self._items),
            *_unknown_links(self._items, found, {_fold(k.key_result_id) for k in self._results}),
            *orphans,
            *_key_results_without_work(current, self._items, found, worked),
        ]
        return IntegrityReport(tuple(sorted(problems)))


def _fold(key_result_id: str) -> str:
    return key_result_id.strip().casefold()


def _ref(item: RoadmapItem) -> str:
    return f"{item.source}:{item.item_id}"


def _lineage(item: RoadmapItem, by_ref: Mapping[tuple[str, str], RoadmapItem]) -> list[RoadmapItem]:
    """*item* and its ancestors, nearest first (cut at a cycle or an unknown parent)."""
    chain = [item]
    while len(chain) < _MAX_DEPTH and chain[-1].parent_id is not None:
        parent = by_ref.get((item.source, chain[-1].parent_id))
        if parent is None or parent in chain:
            break
        chain.append(parent)
    return chain


def _items_without_link(items: list[RoadmapItem]) -> list[IntegrityProblem]:
    by_ref = {(item.source, item.item_id): item for item in items}
    linked: set[tuple[str, str]] = set()
    for item in items:
        if item.jira_keys:
            linked.update((i.source, i.item_id) for i in _lineage(item, by_ref))
    kind = IntegrityKind.ROADMAP_ITEM_WITHOUT_JIRA_LINK
    return [
        IntegrityProblem(kind, _ref(item))
        for item in items
        if (item.source, item.item_id) not in linked
    ]


def _unknown_links(
    items: list[RoadmapItem], known_keys: set[str], known_results: set[str]
) -> list[IntegrityProblem]:
    problems = [
        IntegrityProblem(IntegrityKind.LINK_TO_UNKNOWN_JIRA_KEY, _ref(item), key)
        for item in items
        for key in item.jira_keys
        if key not in known_keys
    ]
    problems.extend(
        IntegrityProblem(IntegrityKind.LINK_TO_UNKNOWN_KEY_RESULT, _ref(item), item.key_result)
        for item in items
        if item.key_result and _fold(item.key_result) not in known_results
    )
    return problems


def _key_results_without_work(
    results: list[KeyResult],
    items: list[RoadmapItem],
    known_keys: set[str],
    worked: set[str],
) -> list[IntegrityProblem]:
    worked = set(worked)
    by_ref = {(item.source, item.item_id): item for item in items}
    for item in items:
        if any(key in known_keys for key in item.jira_keys):
            worked.update(_fold(i.key_result) for i in _lineage(item, by_ref) if i.key_result)
    return [
        IntegrityProblem(IntegrityKind.KEY_RESULT_WITHOUT_WORK, result.key_result_id)
        for result in results
        if _fold(result.key_result_id) not in worked
    ]
