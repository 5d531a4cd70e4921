"""Deciding a whole collection: own verdicts combined along sub-task → parent → epic → roadmap item.

An issue's next ancestor is its parent (``parent_key``), else its epic (``epic_key``), else the
roadmap item whose ``jira_keys`` name the issue. A missing parent or epic is noted in the
reason and the walk goes on with the next kind of link. Issues on a cycle decide on their own
(with a note); issues leading into a cycle inherit from it normally. The walk is iterative and
memoised, so deep chains and 200,000 issues are fine.

Precedence (``settings.inheritance``):

1. an own non-fallback rule wins when ``precedence: own`` (the default);
2. otherwise a classified inherited decision wins;
3. otherwise an own rule (including a fallback) wins;
4. otherwise the issue is ``unclassified``.

Key result: the issue's own (rule action or ``kr:`` label) when it has one and its decision
wins or it is explicit from a label; else, with ``key_result: true``, the nearest ancestor's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable
from itertools import chain
from typing import Generic, NamedTuple, TypeVar

from mappings.classify import Verdict, classify
from mappings.facts import Facts, facts_of
from mappings.rules.load import RuleSet
from mappings.teams import TeamConfig, resolve_team
from syncd.core.domain import Decision, Issue, RoadmapItem, WorkClass

__all__ = [
    "ROADMAP_DEFAULT_RULE",
    "ROADMAP_HINT_RULE",
    "Decider",
    "Lineage",
    "Link",
    "StandingDecider",
    "decide_all",
]

ROADMAP_HINT_RULE = "@roadmap-hint"
ROADMAP_DEFAULT_RULE = "@roadmap-default"
_NodeKey = tuple[str, int]
_Position = TypeVar("_Position", int, tuple[str, int])


class Lineage(NamedTuple):
    """What inheritance needs of one issue: who it is, the keys it links to, its own verdict."""

    source: str
    issue_id: int
    key: str
    parent_key: str | None
    epic_key: str | None
    verdict: Verdict


class Link(NamedTuple):
    """An issue's next ancestor: a parent or epic issue, or a roadmap item; notes on gaps."""

    relation: str | None
    node: Lineage | None
    roadmap: RoadmapItem | None
    notes: tuple[str, ...]


class _Resolved(NamedTuple):
    work_class: WorkClass
    category: str | None
    key_result: str | None
    rule_id: str | None
    path: tuple[str, ...]
    reason: str


class _Inheritance(ABC):
    """Own verdicts and their combination along lineage links, memoised, under one rule set.

    Subclasses say how a ``(source, key)`` finds its ``Lineage`` and which resolved
    decisions are worth remembering (those of issues that are someone's ancestor).
    """

    def __init__(
        self,
        roadmap_items: Iterable[RoadmapItem],
        rule_set: RuleSet,
        teams: TeamConfig | None,
        key_results: Collection[str] | None,
    ) -> None:
        self.rule_set = rule_set
        self._roadmap: dict[str, RoadmapItem] = {}
        for item in sorted(roadmap_items, key=lambda i: (i.source, i.item_id)):
            for key in item.jira_keys:
                self._roadmap.setdefault(key, item)
        self._teams = teams
        self._key_results = frozenset(key_results) if key_results is not None else None
        self._memo: dict[_NodeKey, _Resolved] = {}
        self._verdicts: dict[Verdict, Verdict] = {}

    def facts(self, issue: Issue, team: str | None = None) -> Facts:
        """The facts rules see for *issue*; *team* is its resolved team when already known."""
        if team is None and self._teams is not None and self.rule_set.uses_team:
            team = resolve_team(issue, self._teams)
        prefix = self.rule_set.settings.key_result_label_prefix
        return facts_of(issue, self._roadmap.get(issue.key), team, prefix)

    def verdict(self, issue: Issue, team: str | None = None) -> Verdict:
        """The own verdict of *issue*, before inheritance."""
        return classify(self.facts(issue, team), self.rule_set, self._key_results)

    def lineage(self, issue: Issue, team: str | None = None) -> Lineage:
        """*issue* reduced to what inheritance needs (equal verdicts are shared, not copied)."""
        verdict = self.verdict(issue, team)
        verdict = self._verdicts.setdefault(verdict, verdict)
        parent, epic = issue.parent_key, issue.epic_key
        if parent is not None:
            parent = self._known_key(issue.source, parent)
        if epic is not None:
            epic = self._known_key(issue.source, epic)
        return Lineage(issue.source, issue.issue_id, issue.key, parent, epic, verdict)

    def _known_key(self, source: str, key: str) -> str:
        """*key* itself, or the equal text an already known issue holds (shared, not kept twice)."""
        return key

    @abstractmethod
    def _node(self, source: str, key: str) -> Lineage | None:
        """The lineage of the issue *key* in *source*, or ``None`` when it is unknown."""

    def _keep(self, node: Lineage) -> bool:
        return True

    def link(self, node: Lineage) -> Link:
        """The next ancestor of *node* (see the module docstring), with notes on missing ones."""
        notes: list[str] = []
        if not self.rule_set.settings.inheritance.enabled:
            return Link(None, None, None, ())
        for relation, key in (("parent", node.parent_key), ("epic", node.epic_key)):
            if key is None or (relation == "epic" and key == node.parent_key):
                continue
            found = self._node(node.source, key)
            if found is not None:
                return Link(relation, found, None, tuple(notes))
            notes.append(f"{relation} {key} not found")
        item = self._roadmap.get(node.key)
        if item is not None:
            return Link("roadmap item", None, item, tuple(notes))
        return Link(None, None, None, tuple(notes))

    def _decision(self, node: Lineage) -> Decision:
        resolved = self._resolve(node)
        return Decision(
            source=node.source,
            issue_id=node.issue_id,
            work_class=resolved.work_class,
            category=resolved.category,
            key_result=resolved.key_result,
            rule_id=resolved.rule_id,
            ruleset_version=self.rule_set.version,
            path=resolved.path,
            reason=resolved.reason,
        )

    def _resolve(self, start: Lineage) -> _Resolved:
        start_key = (start.source, start.issue_id)
        known = self._memo.get(start_key)
        if known is not None:
            return known
        first = self.link(start)
        ancestor = first.node
        if ancestor is None or (ancestor.source, ancestor.issue_id) in self._memo:
            # The common case: nothing to inherit from, or an ancestor decided already.
            resolved = self._combine(start, first)
            if self._keep(start):
                self._memo[start_key] = resolved
            return resolved
        return self._resolve_chain(start, first)

    def _resolve_chain(self, start: Lineage, first: Link) -> _Resolved:
        """Resolve *start* and its undecided ancestors, nearest last, cycles on their own."""
        chain: list[Lineage] = [start]
        links: list[Link] = [first]
        positions: dict[_NodeKey, int] = {(start.source, start.issue_id): 0}
        node: Lineage | None = first.node
        while node is not None and (node.source, node.issue_id) not in self._memo:
            node_key = (node.source, node.issue_id)
            if node_key in positions:
                self._resolve_cycle(chain[positions[node_key] :])
                del chain[positions[node_key] :], links[positions[node_key] :]
                break
            positions[node_key] = len(chain)
            chain.append(node)
            links.append(self.link(node))
            node = links[-1].node
        resolved: _Resolved | None = None
        for member, link in zip(reversed(chain), reversed(links), strict=True):
            resolved = self._combine(member, link)
            if self._keep(member):
                self._memo[(member.source, member.issue_id)] = resolved
        if chain and chain[0] is start and resolved is not None:
            return resolved
        return self._memo[(start.source, start.issue_id)]

    def _resolve_cycle(self, members: list[Lineage]) -> None:
        # Named from its first member by (source, id), wherever the resolution entered it, so
        # that one issue's explanation and a refresh of all describe a cycle alike.
        first = min(range(len(members)), key=lambda i: (members[i].source, members[i].issue_id))
        members = members[first:] + members[:first]
        keys = " → ".join(member.key for member in (*members, members[0]))
        for member in members:
            note = Link(None, None, None, (f"inheritance cycle {keys} ignored",))
            self._memo[(member.source, member.issue_id)] = self._combine(member, note)

    def _inherited(self, link: Link) -> tuple[_Resolved | None, str]:
        if link.node is not None:
            return self._memo[(link.node.source, link.node.issue_id)], link.node.key
        if link.roadmap is not None:
            return self._roadmap_decision(link.roadmap), f"roadmap:{link.roadmap.item_id}"
        return None, ""

    def _roadmap_decision(self, item: RoadmapItem) -> _Resolved:
        settings = self.rule_set.settings.roadmap
        hinted = settings.hints.get((item.hint or "").casefold())
        work_class = hinted or settings.default_work_class or WorkClass.UNCLASSIFIED
        rule_id: str | None = ROADMAP_HINT_RULE if hinted else ROADMAP_DEFAULT_RULE
        reason = (
            f"roadmap item {item.item_id} hint {item.hint!r}"
            if hinted
            else f"roadmap item {item.item_id} default"
        )
        if work_class is WorkClass.UNCLASSIFIED:
            rule_id, reason = None, f"roadmap item {item.item_id} has no usable hint"
        path = (f"roadmap:{item.item_id}",)
        return _Resolved(WorkClass(work_class), None, item.key_result, rule_id, path, reason)

    def _combine(self, node: Lineage, link: Link) -> _Resolved:
        own = node.verdict
        inherited, via = self._inherited(link)
        notes = (*link.notes, *own.notes)
        classified = inherited is not None and inherited.work_class is not WorkClass.UNCLASSIFIED
        own_first = self.rule_set.settings.inheritance.precedence == "own"
        if own.matched and ((not own.fallback and own_first) or not classified):
            return self._own(node, own, inherited, via, notes)
        if classified and inherited is not None:
            return self._take_inherited(node, own, inherited, link, notes)
        return self._unclassified(node, own, inherited, via, notes)

    def _own(
        self,
        node: Lineage,
        own: Verdict,
        inherited: _Resolved | None,
        via: str,
        notes: tuple[str, ...],
    ) -> _Resolved:
        key_result, kr_note = self._fill_key_result(own.key_result, inherited, via)
        kind = "fallback rule" if own.fallback else "rule"
        reason = _joined(f"{kind} {own.rule_id} matched", (*kr_note, *notes))
        return _Resolved(own.work_class, own.category, key_result, own.rule_id, (node.key,), reason)

    def _take_inherited(
        self, node: Lineage, own: Verdict, inherited: _Resolved, link: Link, notes: tuple[str, ...]
    ) -> _Resolved:
        ancestor = inherited.path[0]
        key_result = inherited.key_result
        if own.key_result_from_label and own.key_result is not None:
            key_result = own.key_result
            notes = (f"key result {key_result} from own label", *notes)
        if own.matched:
            notes = (f"over {'fallback ' if own.fallback else ''}rule {own.rule_id}", *notes)
        head = f"inherited from {link.relation} {ancestor}"
        reason = _joined(head, notes) + f" ⟵ {inherited.reason}"
        return _Resolved(
            inherited.work_class,
            inherited.category,
            key_result,
            inherited.rule_id,
            (node.key, *inherited.path),
            reason,
        )

    def _unclassified(
        self,
        node: Lineage,
        own: Verdict,
        inherited: _Resolved | None,
        via: str,
        notes: tuple[str, ...],
    ) -> _Resolved:
        key_result, kr_note = self._fill_key_result(own.key_result, inherited, via)
        nothing = "nothing to inherit" if inherited is None else f"{via} is unclassified"
        reason = _joined("no rule matched", (nothing, *kr_note, *notes))
        return _Resolved(WorkClass.UNCLASSIFIED, None, key_result, None, (node.key,), reason)

    def _fill_key_result(
        self, own: str | None, inherited: _Resolved | None, via: str
    ) -> tuple[str | None, tuple[str, ...]]:
        if own is not None or inherited is None or inherited.key_result is None:
            return own, ()
        if not self.rule_set.settings.inheritance.key_result:
            return own, ()
        return inherited.key_result, (f"key result {inherited.key_result} from {via}",)


class Decider(_Inheritance):
    """Decides issues of one collection held in memory under one rule set; results are memoised.

    *teams* resolves each issue's team for rules that test ``team`` (without it, the raw
    Team field is used); *key_results* (known ids) makes unknown key results show in reasons.
    Own verdicts are computed when first needed, so explaining one issue stays cheap.
    """

    def __init__(
        self,
        issues: Iterable[Issue],
        roadmap_items: Iterable[RoadmapItem],
        rule_set: RuleSet,
        teams: TeamConfig | None = None,
        key_results: Collection[str] | None = None,
    ) -> None:
        super().__init__(roadmap_items, rule_set, teams, key_results)
        self._all = list(issues)
        self._issues = {(issue.source, issue.key): issue for issue in self._all}
        self._lineages: dict[tuple[str, str], Lineage] = {}

    def issue(self, key: str, source: str | None = None) -> Issue | None:
        """The issue with *key* (in *source*, or the first source that has it), or ``None``."""
        if source is not None:
            return self._issues.get((source, key))
        matches = sorted(s for (s, k) in self._issues if k == key)
        return self._issues[(matches[0], key)] if matches else None

    def decide(self, issue: Issue) -> Decision:
        """The decision for *issue* (which must belong to the collection). Where two issues
        share a key, the key names the one with the greater position, for the issues that
        inherit through it; each is decided as itself."""
        node = self._node(issue.source, issue.key)
        if node is None or node.issue_id != issue.issue_id:
            node = self.lineage(issue)
        return self._decision(node)

    def decide_all(self) -> dict[tuple[str, int], Decision]:
        """Exactly one decision per issue of the collection, keyed by ``(source, issue_id)``."""
        return {(i.source, i.issue_id): self.decide(i) for i in self._all}

    def _node(self, source: str, key: str) -> Lineage | None:
        found = self._lineages.get((source, key))
        if found is None:
            issue = self._issues.get((source, key))
            if issue is None:
                return None
            found = self._lineages[(source, key)] = self.lineage(issue)
        return found


class StandingDecider(_Inheritance, Generic[_Position]):
    """Decisions of a collection whose issues come, change and go, kept as ``Decider`` would
    give them afresh, re-resolving only what a change can reach.

    Each issue is held under a position (its place in the collection, an index or a
    ``(source, issue id)``: where two issues share a key, the one at the greater position is
    the one that key names, as in ``Decider``). ``put`` an issue (new, or as it now stands)
    or ``drop`` one, then ``settle()``: it names the issues put and the positions whose
    decision may have changed (those sharing a key with an issue whose key, links or own
    verdict changed, or with one dropped, and everything inheriting from any of them,
    before or after the change), and
    ``decide(position)`` gives the decision.
    """

    def __init__(
        self,
        roadmap_items: Iterable[RoadmapItem],
        rule_set: RuleSet,
        teams: TeamConfig | None = None,
        key_results: Collection[str] | None = None,
    ) -> None:
        super().__init__(roadmap_items, rule_set, teams, key_results)
        self._held: dict[_Position, Lineage] = {}
        # Lists, not sets: nearly every key names one issue, and a list of one is a third of
        # a set's size; so is remembering only the resolutions of issues with heirs.
        self._named: dict[tuple[str, str], list[_Position]] = {}
        self._heirs: dict[tuple[str, str], list[_Position]] = {}
        self._moved: set[tuple[str, str]] = set()
        self._kept: list[_Position] = []
        self._settled = False

    def __len__(self) -> int:
        return len(self._held)

    def put(self, position: _Position, issue: Issue, team: str | None = None) -> None:
        """Hold *issue* at *position*, in place of what it held (*team*: see ``lineage``)."""
        before = self._held.get(position)
        node = self.lineage(issue, team)
        if node == before:
            # Nothing inheritance reads of it has changed: no decision can have.
            self._kept.append(position)
            return
        if before is not None:
            self._forget(position, before)
        self._held[position] = node
        self._named.setdefault((node.source, node.key), []).append(position)
        for key in (node.parent_key, node.epic_key):
            if key is not None:
                self._heirs.setdefault((node.source, key), []).append(position)
        self._moved.add((node.source, node.key))

    def drop(self, position: _Position) -> None:
        """Let go of the issue held at *position* (nothing happens when none is)."""
        before = self._held.pop(position, None)
        if before is not None:
            self._forget(position, before)
            self._memo.pop((before.source, before.issue_id), None)

    def settle(self) -> set[_Position]:
        """The issues put and the positions whose decision may have changed since the last
        ``settle``."""
        if not self._settled:
            # Every issue held was put since: its own key reaches it, so all of them are.
            self._settled = True
            self._moved.clear()
            self._kept.clear()
            self._memo.clear()
            return set(self._held)
        reached: set[_Position] = set()
        keys: list[tuple[str, str]] = list(self._moved)
        self._moved.clear()
        while keys:
            moved = keys.pop()
            for position in chain(self._named.get(moved, ()), self._heirs.get(moved, ())):
                if position not in reached:
                    reached.add(position)
                    node = self._held[position]
                    keys.append((node.source, node.key))
        for position in reached:
            node = self._held[position]
            self._memo.pop((node.source, node.issue_id), None)
        reached.update(position for position in self._kept if position in self._held)
        self._kept.clear()
        return reached

    def decide(self, position: _Position) -> Decision:
        """The decision of the issue at *position*, as ``Decider.decide`` gives it."""
        return self._decision(self._held[position])

    def _forget(self, position: _Position, node: Lineage) -> None:
        _discard(self._named, (node.source, node.key), position)
        for key in (node.parent_key, node.epic_key):
            if key is not None:
                _discard(self._heirs, (node.source, key), position)
        self._moved.add((node.source, node.key))

    def _node(self, source: str, key: str) -> Lineage | None:
        named = self._named.get((source, key))
        if not named:
            return None
        return self._held[named[0] if len(named) == 1 else max(named)]

    def _keep(self, node: Lineage) -> bool:
        return bool(self._heirs.get((node.source, node.key)))

    def _known_key(self, source: str, key: str) -> str:
        named = self._named.get((source, key))
        return self._held[named[0]].key if named else key


def _discard(
    table: dict[tuple[str, str], list[_Position]], key: tuple[str, str], position: _Position
) -> None:
    """Take *position* out of *table*'s list for *key* (the key goes with its last one)."""
    held = table[key]
    if position in held:
        held.remove(position)
    if not held:
        del table[key]


def decide_all(
    issues: Iterable[Issue],
    roadmap_items: Iterable[RoadmapItem],
    rule_set: RuleSet,
    teams: TeamConfig | None = None,
    key_results: Collection[str] | None = None,
) -> dict[tuple[str, int], Decision]:
    """Decide every issue: exactly one ``Decision`` each, keyed by ``(source, issue_id)``.

    Pure: the same issues, roadmap items and rule set always give the same decisions, so
    re-deciding stored issues after a rules change equals deciding them afresh.
    """
    return Decider(issues, roadmap_items, rule_set, teams, key_results).decide_all()


def _joined(head: str, notes: Iterable[str]) -> str:
    extra = "; ".join(notes)
    return f"{head} ({extra})" if extra else head
