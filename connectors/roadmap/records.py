"""From one record's field texts to a ``RoadmapItem``, or a ``RecordError`` that says why not.

Shared by every format: the CSV readers hand over the cells of a row, the JSON readers the
values found at the configured key paths. Duplicate ids are caught here too, with the place
of the first occurrence, so that the first item wins and later ones are quarantined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connectors.roadmap.cells import excerpt, first_value, jira_keys, normalise_hint, parse_date
from syncd.core.domain import RejectedRecord, RoadmapItem
from syncd.core.errors import RecordError
from syncd.core.storable import unstorable_number

__all__ = ["RAW_CELL_CHARS", "Collector", "build_item"]

# Free-text cells (descriptions) can be huge; the raw copy keeps enough to re-derive fields.
RAW_CELL_CHARS = 1024
_FIELD_LABELS = {"start": "start date", "end": "end date"}


def build_item(
    source: str,
    values: Mapping[str, str | None],
    *,
    default_type: str,
    date_formats: Iterable[str] = (),
    raw: Mapping[str, Any] | None = None,
) -> RoadmapItem:
    """A roadmap item from field texts; ``RecordError`` names the field that is wrong."""
    item_id = _text(values.get("id"))
    title = _text(values.get("title"))
    if item_id is None:
        raise RecordError("the id is empty")
    if title is None:
        raise RecordError(f"item {item_id!r} has an empty title")
    formats = tuple(date_formats)
    start, end = (_date(values, name, formats) for name in ("start", "end"))
    if start is not None and end is not None and end < start:
        raise RecordError(f"item {item_id!r} ends ({end}) before it starts ({start})")
    return RoadmapItem(
        source=source,
        item_id=item_id,
        item_type=(_text(values.get("type")) or default_type).lower(),
        title=title,
        parent_id=_text(values.get("parent")),
        status=_text(values.get("status")),
        start=start,
        end=end,
        team=_text(values.get("team")),
        jira_keys=jira_keys(values.get("jira_keys")),
        objective=first_value(values.get("objective")),
        key_result=first_value(values.get("key_result")),
        hint=normalise_hint(values.get("hint")),
        raw=dict(raw or {}),
    )


def _text(value: str | None) -> str | None:
    stripped = value.strip() if value else ""
    return stripped or None


def _date(values: Mapping[str, str | None], name: str, formats: tuple[str, ...]) -> date | None:
    try:
        return parse_date(values.get(name), formats)
    except RecordError as error:
        raise RecordError(f"{_FIELD_LABELS[name]}: {error}") from None


@dataclass(slots=True)
class Collector:
    """Accumulates the items and rejected records of one parse, refusing duplicate ids."""

    source: str
    items: list[RoadmapItem] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    _first_seen: dict[str, str] = field(default_factory=dict)

    def add(self, item: RoadmapItem, reference: str, text: str) -> None:
        """Keep *item*, or quarantine it when its id was already seen."""
        first = self._first_seen.get(item.item_id)
        if first is not None:
            self.reject(reference, f"duplicate id {item.item_id!r} (first seen at {first})", text)
            return
        self._first_seen[item.item_id] = reference
        self.items.append(item)

    def refuse_unstorable(self, reference: str, record: Any, text: str) -> bool:
        """Quarantine *record* when it holds a number the store cannot keep (NaN, Infinity,
        an integer beyond 64 bits), naming its key path; whether it did."""
        number = unstorable_number(record)
        if number is not None:
            self.reject(reference, number, text)
        return number is not None

    def reject(self, reference: str, reason: str, text: str) -> None:
        """Quarantine the record at *reference* with *reason* and a bounded excerpt."""
        self.rejected.append(RejectedRecord(self.source, reference, reason, excerpt(text)))
