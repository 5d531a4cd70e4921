"""Productboard's API JSON: features, objectives and key results in one saved document.

The document holds the answers of ``GET /features``, ``GET /objectives`` and
``GET /key-results`` (each a list, or the API page ``{"data": [...]}``) under ``features``,
``objectives`` and ``keyResults``. The API keeps links apart from the objects, so the export
folds them into each feature: ``jira`` (the Jira connection, ``{"issueKey": ...}`` or a list
of them), ``objectives`` and ``keyResults`` (linked ids), ``customFields`` (``Team``,
``Investment``). docs/roadmap-formats.md shows a complete sample.

Exported key results are counted by issues (``Measure.ISSUE_COUNT``) towards their
``targetValue``; a key result the OKR file also defines is taken from the OKR file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date
from typing import Any, BinaryIO

from connectors.roadmap.cells import parse_date
from connectors.roadmap.columns import normalise
from connectors.roadmap.config import RoadmapSourceConfig
from connectors.roadmap.json_reader import at_path, cell_text, load_json
from connectors.roadmap.parsed import Parsed
from connectors.roadmap.records import Collector, build_item
from syncd.core.domain import KeyResult, Measure, Objective
from syncd.core.errors import RecordError
from syncd.core.storable import unstorable_number

__all__ = ["parse_productboard_json"]

_TEAM_FIELDS = ("team", "squad", "owner team")
_HINT_FIELDS = ("investment", "work type", "category", "hint")


def parse_productboard_json(stream: BinaryIO, encoding: str, config: RoadmapSourceConfig) -> Parsed:
    """Parse a saved Productboard API document: features as items, plus objectives and KRs."""
    document, problem = load_json(stream, encoding)
    if problem is not None:
        return Parsed(fatal=problem)
    if not isinstance(document, Mapping) or not isinstance(_listed(document, "features"), list):
        return Parsed(fatal="expected an object with a 'features' list (or {'data': [...]})")
    collector = Collector(config.name)
    features = _listed(document, "features") or []
    for index, feature in enumerate(features):
        _feature(feature, f"features[{index}]", config, collector)
    objectives = _objectives(_section(document, "objectives", collector), collector)
    key_results = _key_results(_section(document, "keyResults", collector), objectives, collector)
    fatal = None
    if not features and not config.allow_empty:
        fatal = "the export has no features; refusing to clear the roadmap (see allow_empty)"
    elif features and not collector.items:
        fatal = f"none of the {len(features)} features could be read; see the quarantined records"
    return Parsed(
        items=tuple(collector.items),
        objectives=tuple(objectives.values()),
        key_results=tuple(key_results),
        rejected=tuple(collector.rejected),
        fatal=fatal,
    )


def _listed(document: Mapping[str, Any], key: str) -> Any:
    value = document.get(key)
    return value.get("data") if isinstance(value, Mapping) else value


def _section(document: Mapping[str, Any], key: str, collector: Collector) -> list[Any]:
    """The list under *key* (none: empty); anything else there is quarantined whole, and the
    features are still read."""
    value, given = _listed(document, key), document.get(key)
    if isinstance(value, list) or given is None:
        return value or []
    found = "an object without a 'data' list" if isinstance(given, Mapping) else _kind(given)
    reason = f"expected a list of {key} (or {{'data': [...]}}), found {found}"
    collector.reject(key, reason, json.dumps(given, default=str))
    return []


def _kind(value: Any) -> str:
    return f"a {type(value).__name__}"


def _feature(
    feature: Any, reference: str, config: RoadmapSourceConfig, collector: Collector
) -> None:
    text = json.dumps(feature, ensure_ascii=False, default=str)
    if not isinstance(feature, Mapping):
        collector.reject(reference, "the feature is not an object", text)
        return
    if collector.refuse_unstorable(reference, feature, text):
        return
    custom = {normalise(str(k)): v for k, v in (feature.get("customFields") or {}).items()}
    values = {
        "id": cell_text(feature.get("id")),
        "title": cell_text(feature.get("name")),
        "type": cell_text(feature.get("type")),
        "parent": cell_text(at_path(feature, "parent.feature.id")),
        "status": cell_text(at_path(feature, "status.name")),
        "start": cell_text(at_path(feature, "timeframe.startDate")),
        "end": cell_text(at_path(feature, "timeframe.endDate")),
        "team": cell_text(next((custom[k] for k in _TEAM_FIELDS if k in custom), None)),
        "jira_keys": cell_text(feature.get("jira")),
        "objective": cell_text(feature.get("objectives")),
        "key_result": cell_text(feature.get("keyResults")),
        "hint": cell_text(next((custom[k] for k in _HINT_FIELDS if k in custom), None)),
    }
    try:
        item = build_item(config.name, values, default_type=config.default_type, raw=feature)
    except RecordError as error:
        collector.reject(reference, str(error), text)
        return
    collector.add(item, reference, text)


def _objectives(entries: list[Any], collector: Collector) -> dict[str, Objective]:
    objectives: dict[str, Objective] = {}
    for index, entry in enumerate(entries):
        reference = f"objectives[{index}]"
        try:
            objective = _objective(entry)
        except RecordError as error:
            collector.reject(reference, str(error), json.dumps(entry, default=str))
            continue
        objectives.setdefault(objective.objective_id, objective)
    return objectives


def _objective(entry: Any) -> Objective:
    if not isinstance(entry, Mapping) or not cell_text(entry.get("id")):
        raise RecordError("an objective needs an object with an 'id'")
    _refuse_unstorable(entry)
    start, end = _period(entry, None)
    teams = entry.get("teams") or ()
    return Objective(
        objective_id=str(cell_text(entry.get("id"))),
        title=str(cell_text(entry.get("name")) or entry.get("id")),
        teams=tuple(str(cell_text(team)) for team in teams if cell_text(team)),
        period_start=start,
        period_end=end,
    )


def _key_results(
    entries: list[Any], objectives: Mapping[str, Objective], collector: Collector
) -> list[KeyResult]:
    results: list[KeyResult] = []
    for index, entry in enumerate(entries):
        try:
            results.append(_key_result(entry, objectives))
        except RecordError as error:
            text = json.dumps(entry, default=str)
            collector.reject(f"keyResults[{index}]", str(error), text)
    return results


def _key_result(entry: Any, objectives: Mapping[str, Objective]) -> KeyResult:
    if not isinstance(entry, Mapping) or not cell_text(entry.get("id")):
        raise RecordError("a key result needs an object with an 'id'")
    _refuse_unstorable(entry)
    objective_id = cell_text(at_path(entry, "objective.id"))
    objective = objectives.get(objective_id or "")
    if objective is None:
        raise RecordError(f"key result {entry['id']!r}: objective {objective_id!r} is not exported")
    start, end = _period(entry, objective)
    try:
        target = float(entry.get("targetValue") or 0)
    except (TypeError, ValueError):
        raise RecordError(f"key result {entry['id']!r}: targetValue is not a number") from None
    if not math.isfinite(target):
        raise RecordError(f"key result {entry['id']!r}: targetValue {target} is not finite")
    return KeyResult(
        key_result_id=str(cell_text(entry["id"])),
        objective_id=objective.objective_id,
        title=str(cell_text(entry.get("name")) or entry["id"]),
        teams=objective.teams,
        period_start=start,
        period_end=end,
        measure=Measure.ISSUE_COUNT,
        target=target,
    )


def _refuse_unstorable(entry: Mapping[str, Any]) -> None:
    number = unstorable_number(entry)
    if number is not None:
        raise RecordError(number)


def _period(entry: Mapping[str, Any], fallback: Objective | None) -> tuple[date, date]:
    start = parse_date(cell_text(entry.get("startDate")))
    end = parse_date(cell_text(entry.get("endDate")))
    if fallback is not None:
        start, end = start or fallback.period_start, end or fallback.period_end
    if start is None or end is None:
        raise RecordError(f"{entry.get('id')!r} needs both startDate and endDate")
    return start, end
