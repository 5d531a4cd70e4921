"""Bounds on a YAML document: how deep it nests, and how large it is once aliases expand.

A few hundred bytes of nested anchors (a "billion laughs") describe millions of nodes: the
parser shares them, but whatever walks the data afterwards (validation, the content hash,
the rule compiler) visits every repetition. A document nested a thousand levels deep
exhausts Python's recursion in the composer. ``BoundedLoader`` refuses both while it composes
the node graph, before anything expands:

- a node nested deeper than ``YamlLimits.depth`` is refused where it starts;
- each node's expanded size (nodes, and characters of scalar text) is worked out once, when
  its last child is composed: an alias adds what its anchor expands to, known by then, so
  the measure costs one pass over the text however much it would expand. The first node
  whose expansion passes ``YamlLimits.nodes`` or ``YamlLimits.characters`` is refused there;
- an alias inside the node it names (a recursive structure) is refused, since no bounded
  expansion exists;
- a scalar the safe constructor cannot turn into a value (``2024-13-45``, ``!!int 0x``) is a
  marked error at its line rather than a bare ``ValueError``.

Every refusal is a ``yaml.MarkedYAMLError`` whose ``problem_mark`` is its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

__all__ = [
    "MAX_CHARACTERS",
    "MAX_DEPTH",
    "MAX_NODES",
    "BoundedLoader",
    "YamlLimitError",
    "YamlLimits",
]

# Far above any real configuration or mapping file (the bundled rule set of 15 rules is 319
# nodes, so 100,000 is some 5,000 rules), far below what takes minutes or gigabytes to walk.
MAX_DEPTH = 64
MAX_NODES = 100_000
MAX_CHARACTERS = 4_000_000


@dataclass(frozen=True, slots=True)
class YamlLimits:
    """The bounds one document must keep: nesting depth, expanded nodes and characters."""

    depth: int = MAX_DEPTH
    nodes: int = MAX_NODES
    characters: int = MAX_CHARACTERS


class YamlLimitError(yaml.MarkedYAMLError):
    """A document that passes one of the bounds; ``problem_mark`` is where it did."""


class BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing documents beyond *limits* while composing them."""

    def __init__(self, stream: str, limits: YamlLimits | None = None) -> None:
        super().__init__(stream)
        self._limits = limits or YamlLimits()
        self._depth = 0
        # id(node) -> (nodes, characters) it expands to; nodes live as long as the loader.
        self._extent: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose the next node as the safe loader does, measuring it against the bounds."""
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if node is not None and id(node) not in self._extent:
                problem = (
                    f"alias *{event.anchor} is inside the node it names (a recursive structure)"
                )
                raise _refusal(problem, event.start_mark)
            return node
        if self._depth >= self._limits.depth:
            problem = f"the document is nested deeper than {self._limits.depth} levels (the limit)"
            raise _refusal(problem, event.start_mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._measure(node)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Construct as the safe loader does; an unreadable scalar is a marked error."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            problem = f"cannot read {_excerpt(node)} as {node.tag.rsplit(':', 1)[-1]}: {error}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None

    def _measure(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode):
            nodes, characters = 1, len(node.value)
        else:
            children = node.value
            if isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            nodes, characters = 1, 0
            for child in children:
                child_nodes, child_characters = self._extent[id(child)]
                nodes += child_nodes
                characters += child_characters
        self._extent[id(node)] = (nodes, characters)
        limits = self._limits
        if nodes > limits.nodes or characters > limits.characters:
            over = (
                f"{nodes:,} nodes (the limit is {limits.nodes:,})"
                if nodes > limits.nodes
                else f"{characters:,} characters of text (the limit is {limits.characters:,})"
            )
            problem = f"the document expands to {over} here, counting each alias as what it repeats"
            raise _refusal(problem, node.start_mark)


def _refusal(problem: str, mark: Any) -> YamlLimitError:
    # The C and pure-Python parsers have distinct mark types; both carry the line.
    return YamlLimitError(None, None, problem, mark)


def _excerpt(node: yaml.Node) -> str:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else node.tag
    return repr(text if len(text) <= 40 else text[:39] + "…")
