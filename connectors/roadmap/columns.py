"""Which column holds which roadmap-item field, per export format, and header resolution.

Columns are found by name, never by position, so reordered columns read the same. Each
built-in format accepts the names its tool has used (``Feature name``, ``Name``…); a column
renamed beyond those is mapped with ``columns:`` in the source's configuration. The generic
formats use only the configured names. A header that lacks a required column is a fatal
problem that names what is missing and what was found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from connectors.roadmap.cells import excerpt
from connectors.roadmap.config import RoadmapColumns

__all__ = ["FIELDS", "REQUIRED", "ColumnMap", "HeaderProblem", "normalise", "resolve_header"]

FIELDS = (
    "id",
    "title",
    "type",
    "parent",
    "status",
    "start",
    "end",
    "team",
    "jira_keys",
    "objective",
    "key_result",
    "hint",
)
REQUIRED = ("id", "title")
# Fields that gather every matching column (Aha! exports carry both a Jira key and a URL).
_MULTI = frozenset({"jira_keys"})

_PRODUCTBOARD: Mapping[str, tuple[str, ...]] = {
    "id": ("feature id", "id", "uuid"),
    "title": ("feature name", "name", "title"),
    "type": ("feature type", "type"),
    "parent": ("parent feature id", "parent id", "parent"),
    "status": ("feature status", "status"),
    "start": ("timeframe start", "start date", "start"),
    "end": ("timeframe end", "end date", "end"),
    "team": ("team", "squad", "owner team"),
    "jira_keys": ("jira issue key", "jira issue keys", "jira key", "jira keys", "jira link"),
    "objective": ("objectives", "objective"),
    "key_result": ("key results", "key result"),
    "hint": ("investment", "work type", "category", "hint"),
}
_AHA: Mapping[str, tuple[str, ...]] = {
    "id": ("feature reference #", "epic reference #", "reference #", "reference number"),
    "title": ("feature name", "epic name", "name"),
    "type": ("record type", "type"),
    "parent": ("epic reference #", "parent reference #", "initiative reference #"),
    "status": ("feature status", "epic status", "workflow status", "status"),
    "start": ("feature start date", "epic start date", "start date"),
    "end": ("feature due date", "epic due date", "due date", "end date"),
    "team": ("feature team", "epic team", "team"),
    "jira_keys": (
        "integration fields: jira key",
        "feature jira key",
        "epic jira key",
        "jira key",
        "feature jira url",
        "epic jira url",
        "jira url",
    ),
    "objective": ("goals", "goal", "feature goals", "objective"),
    "key_result": ("key result", "key results", "feature key result"),
    "hint": ("investment", "work type", "feature category", "category"),
}
ALIASES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "productboard_csv": _PRODUCTBOARD,
    "aha_csv": _AHA,
}
# Header problems and warnings name this many columns at most: a hostile header can have
# a million, each up to the CSV field limit.
_LISTED = 20
# An Aha! export without a type column says what it lists by its id column.
_IMPLIED_TYPES = {"feature reference #": "feature", "epic reference #": "epic"}


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Column positions per field, the type implied by the header, and header warnings."""

    positions: Mapping[str, tuple[int, ...]]
    width: int
    implied_type: str | None = None
    warnings: tuple[str, ...] = field(default=())

    def cells(self, row: Sequence[str]) -> dict[str, str | None]:
        """The row's cell text per field (multi-column fields joined by newlines)."""
        values: dict[str, str | None] = {}
        for name in FIELDS:
            parts = [row[i] for i in self.positions.get(name, ()) if i < len(row) and row[i]]
            values[name] = "\n".join(parts) if parts else None
        return values


@dataclass(frozen=True, slots=True)
class HeaderProblem:
    """A header that cannot be read: the required fields missing and the columns found."""

    missing: tuple[str, ...]
    looked_for: Mapping[str, tuple[str, ...]]
    found: tuple[str, ...]

    def __str__(self) -> str:
        wanted = "; ".join(
            f"{name} (looked for: {', '.join(repr(a) for a in self.looked_for[name])})"
            for name in self.missing
        )
        found = ", ".join(repr(excerpt(column)) for column in self.found[:_LISTED]) or "none"
        if len(self.found) > _LISTED:
            found += f" … ({len(self.found)} columns in all)"
        return (
            f"required columns missing: {wanted}. Columns found: {found}. Rename the columns "
            "in the export or map them under 'columns:' in this source's configuration"
        )


def normalise(header: str) -> str:
    """A header as compared: no BOM or quotes, case-folded, inner whitespace collapsed."""
    return re.sub(r"\s+", " ", header.replace("\ufeff", "").strip().strip('"').casefold())


def resolve_header(
    header: Sequence[str], export_format: str, overrides: RoadmapColumns
) -> ColumnMap | HeaderProblem:
    """Map *header* to fields for *export_format*; configured *overrides* win over aliases."""
    names = [normalise(column) for column in header]
    where = _by_name(names)
    aliases = ALIASES.get(export_format, {})
    looked_for: dict[str, tuple[str, ...]] = {}
    positions: dict[str, tuple[int, ...]] = {}
    used: set[int] = set()
    warnings = _duplicate_warnings(where)
    # Configured columns are claimed first, so an alias never takes a column mapped elsewhere.
    order = sorted(FIELDS, key=lambda name: getattr(overrides, name) is None)
    for name in order:
        configured = getattr(overrides, name)
        candidates = (normalise(configured),) if configured else aliases.get(name, ())
        looked_for[name] = (configured,) if configured else candidates
        found = _find(where, candidates, used, multi=name in _MULTI)
        if found:
            positions[name] = found
            used.update(found)
    missing = tuple(name for name in REQUIRED if name not in positions)
    if missing:
        return HeaderProblem(missing, looked_for, tuple(header))
    if "jira_keys" not in positions:
        warnings.append("no Jira column found: every item will count as having no Jira link")
    implied = None if "type" in positions else _IMPLIED_TYPES.get(names[positions["id"][0]])
    return ColumnMap(positions, len(header), implied, tuple(warnings))


def _by_name(names: Sequence[str]) -> dict[str, list[int]]:
    """Each normalised name's positions, in order: one pass, however wide the header."""
    where: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        where.setdefault(name, []).append(position)
    return where


def _find(
    where: Mapping[str, Sequence[int]],
    candidates: Sequence[str],
    used: set[int],
    *,
    multi: bool,
) -> tuple[int, ...]:
    found: list[int] = []
    for candidate in candidates:
        free = (p for p in where.get(candidate, ()) if p not in used and p not in found)
        position = next(free, None)
        if position is None:
            continue
        if not multi:
            return (position,)
        found.append(position)
    return tuple(found)


def _duplicate_warnings(where: Mapping[str, Sequence[int]]) -> list[str]:
    duplicates = sorted(name for name, positions in where.items() if name and len(positions) > 1)
    warnings = [
        f"column {excerpt(name)!r} appears more than once; the first one is read"
        for name in duplicates[:_LISTED]
    ]
    if len(duplicates) > _LISTED:
        warnings.append(
            f"{len(duplicates) - _LISTED} more column names appear more than once; the first "
            "column of each is read"
        )
    return warnings
