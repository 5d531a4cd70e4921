"""YAML files whose every problem can be reported with its key path and line.

``read_yaml(text, filename)`` parses with the safe loader only and returns the data plus a
``LineIndex`` from key paths to line numbers; ``problems_from(error, index)`` turns a pydantic
``ValidationError`` into ``Problem``s that point at the offending line. Used by the service
configuration, the rule sets, OKR, agreement and team files, and roadmap column mappings.

Every document is held to the bounds of ``syncd.core.yamlbounds`` (nesting depth, and size
with aliases expanded) before any of its data is built, so a hostile file costs no more to
refuse than to read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from syncd.core.errors import Problem
from syncd.core.yamlbounds import BoundedLoader, YamlLimitError, YamlLimits

__all__ = ["KeyPath", "LineIndex", "YamlDocument", "dotted", "problems_from", "read_yaml"]

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class LineIndex:
    """Line numbers (1-based) of every key and item in a YAML document."""

    filename: str
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: Iterable[str | int]) -> int | None:
        """The line of *path*, or of its nearest ancestor that is in the document."""
        parts = tuple(path)
        for end in range(len(parts), -1, -1):
            if parts[:end] in self.lines:
                return self.lines[parts[:end]]
        return None

    def problem(self, path: Iterable[str | int], message: str) -> Problem:
        """A ``Problem`` at *path* in this document."""
        parts = tuple(path)
        return Problem(self.filename, dotted(parts), message, self.line_of(parts))


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Parsed YAML data, its line index, and the structural problems found while reading."""

    data: Any
    index: LineIndex
    problems: tuple[Problem, ...]


def read_yaml(text: str, filename: str, limits: YamlLimits | None = None) -> YamlDocument:
    """Parse *text* safely within *limits*; syntax errors, documents beyond the bounds and
    repeated keys come back as problems with their line, never raised."""
    lines: dict[KeyPath, int] = {}
    problems: list[Problem] = []
    try:
        data = _load(text, limits, lambda node: _index(node, (), lines, problems, filename))
    except yaml.YAMLError as error:
        line, detail = _place_of(error, text)
        refused = isinstance(error, YamlLimitError)
        message = f"refused: {detail}" if refused else f"not valid YAML: {detail}"
        return YamlDocument(None, LineIndex(filename), (Problem(filename, "", message, line),))
    return YamlDocument(data, LineIndex(filename, lines), tuple(problems))


def _load(text: str, limits: YamlLimits | None, index: Callable[[yaml.Node], None]) -> Any:
    """The data of *text*, its node graph shown to *index* first (construction rewrites merge
    keys in the graph)."""
    loader = BoundedLoader(text, limits)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        index(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _place_of(error: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """The line and a one-line description of a YAML error."""
    if isinstance(error, yaml.reader.ReaderError):
        # A character YAML refuses: the reader knows its position, not its line.
        line = text.count("\n", 0, max(0, error.position)) + 1
        return line, f"character {chr(error.character)!r} is not allowed ({error.reason})"
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    detail = getattr(error, "problem", None) or str(error).splitlines()[0]
    return (mark.line + 1 if mark is not None else None), str(detail)


def problems_from(error: ValidationError, index: LineIndex, prefix: KeyPath = ()) -> list[Problem]:
    """One ``Problem`` per pydantic error, placed by its location under *prefix*."""
    problems = []
    for item in error.errors():
        location = (*prefix, *(p for p in item["loc"] if not _is_validator_tag(p)))
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check its spelling against the reference)"
        problems.append(index.problem(location, message))
    return problems


def dotted(path: Iterable[str | int]) -> str:
    """Render a key path as ``sources.jira[0].auth``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _is_validator_tag(part: object) -> bool:
    return isinstance(part, str) and part.startswith(("function-", "tagged-union"))


def _index(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    problems: list[Problem],
    filename: str,
    *,
    visited: set[int] | None = None,
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    visited = set() if visited is None else visited
    # An alias shares its anchor's node: index each node once, or a self-referencing anchor
    # recurses forever and nested aliases ("billion laughs") take exponential time.
    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            key_line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(filename, dotted((*path, key)), "key is repeated", key_line)
                )
            seen.add(key)
            lines[(*path, key)] = key_line
            _index(value_node, (*path, key), lines, problems, filename, visited=visited)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(item, (*path, position), lines, problems, filename, visited=visited)
