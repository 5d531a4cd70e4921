"""Generic JSON exports: a list of objects, fields found at configured (dotted) key paths.

JSON is not streamed: the document is loaded whole, so ``max_bytes`` is what bounds memory.
Invalid JSON, a too-deep document or an over-long number is a fatal problem with its place;
a record that is not an object, lacks an id or title, or holds a number the store cannot keep
(NaN, Infinity, an overflowing literal such as ``1e999999``, an integer beyond 64 bits) is
quarantined as ``records[N]`` with the number's key path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

from connectors.roadmap.columns import FIELDS, REQUIRED
from connectors.roadmap.config import RoadmapSourceConfig
from connectors.roadmap.decoding import open_text
from connectors.roadmap.parsed import Parsed
from connectors.roadmap.records import RAW_CELL_CHARS, Collector, build_item
from syncd.core.errors import RecordError

__all__ = ["at_path", "cell_text", "load_json", "parse_generic_json"]


def load_json(stream: BinaryIO, encoding: str) -> tuple[Any, str | None]:
    """The JSON document in *stream*, or ``(None, problem)`` saying where it is broken."""
    try:
        return json.load(open_text(stream, encoding)), None
    except json.JSONDecodeError as error:
        return None, f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
    except RecursionError:
        return None, "the JSON document is nested too deeply to read"
    except (ValueError, UnicodeDecodeError) as error:
        return None, f"the JSON document cannot be read: {error}"


def at_path(document: Any, path: str | None) -> Any:
    """The value at dotted *path* in *document* (``None`` path: the document itself)."""
    value = document
    for part in (path or "").split(".") if path else ():
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def cell_text(value: Any) -> str | None:
    """A JSON value as cell text: lists joined by commas, objects by their ``name``/``id``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, list):
        parts = [cell_text(entry) for entry in value]
        return ", ".join(part for part in parts if part)
    if isinstance(value, Mapping):
        for key in ("key", "issueKey", "id", "name", "value"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return json.dumps(value)[:RAW_CELL_CHARS]


def parse_generic_json(stream: BinaryIO, encoding: str, config: RoadmapSourceConfig) -> Parsed:
    """Parse a generic JSON export as *config*'s ``records`` and ``columns`` describe."""
    document, problem = load_json(stream, encoding)
    if problem is not None:
        return Parsed(fatal=problem)
    records = at_path(document, config.records)
    where = config.records or "the top level"
    if not isinstance(records, list):
        return Parsed(fatal=f"expected a list of records at {where}, found {_kind(records)}")
    paths = {name: getattr(config.columns, name) for name in FIELDS}
    missing = _missing(records, paths)
    if missing:
        return Parsed(fatal=missing)
    collector = Collector(config.name)
    for index, record in enumerate(records):
        _record(record, f"{config.records or 'records'}[{index}]", paths, config, collector)
    fatal = None
    if not records and not config.allow_empty:
        fatal = "the export has no records; refusing to clear the roadmap (see allow_empty)"
    elif records and not collector.items:
        fatal = f"none of the {len(records)} records could be read; see the quarantined records"
    return Parsed(items=tuple(collector.items), rejected=tuple(collector.rejected), fatal=fatal)


def _record(
    record: Any,
    reference: str,
    paths: Mapping[str, str | None],
    config: RoadmapSourceConfig,
    collector: Collector,
) -> None:
    text = json.dumps(record, ensure_ascii=False, default=str)
    if not isinstance(record, Mapping):
        collector.reject(reference, f"the record is {_kind(record)}, not an object", text)
        return
    if collector.refuse_unstorable(reference, record, text):
        return
    values = {
        name: cell_text(at_path(record, path)) if path else None for name, path in paths.items()
    }
    raw = {key: value for key, value in record.items() if len(json.dumps(value)) <= RAW_CELL_CHARS}
    try:
        item = build_item(
            config.name,
            values,
            default_type=config.default_type,
            date_formats=config.date_formats,
            raw=raw,
        )
    except RecordError as error:
        collector.reject(reference, str(error), text)
        return
    collector.add(item, reference, text)


def _missing(records: Sequence[Any], paths: Mapping[str, str | None]) -> str | None:
    """A fatal problem when no record at all has a required key (a renamed key, not a bad row)."""
    objects = [record for record in records if isinstance(record, Mapping)]
    absent = [
        name
        for name in REQUIRED
        if objects and all(at_path(record, paths[name]) is None for record in objects)
    ]
    if not absent:
        return None
    wanted = ", ".join(f"{name} (key {paths[name]!r})" for name in absent)
    found = ", ".join(repr(key) for key in objects[0]) or "none"
    return (
        f"required keys missing from every record: {wanted}. Keys found in the first record: "
        f"{found}. Map them under 'columns:' in this source's configuration"
    )


def _kind(value: Any) -> str:
    return "nothing" if value is None else f"a {type(value).__name__}"
