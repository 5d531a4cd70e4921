"""Numbers no JSON column gives back (NaN, Infinity, 1e999999, integers past 64 bits) served
by Jira or in a roadmap export: quarantined with their place, never written as non-standard
JSON, and the store stays readable by sync, refresh, explain and rules diff.

Before, ``{"ref": 1e999999}`` next to a 39-digit integer was stored as ``Infinity``, after
which every command reading the store crashed in orjson; one such value in a Jira page made
orjson refuse the whole page, on every retry and every run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_support import (
    BUNDLED,
    EXTRA_FIELD,
    exact_integer,
    hostile_rig,
    out_of_range_numbers,
    run_cli,
    write_config,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sync_support import Rig, visible_records

from connectors.jira.emulator import JsonLiteral
from connectors.roadmap import RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from syncd.core.domain import RunOutcome
from syncd.core.storable import unstorable_number

_settings = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
_STORY_POINTS = "customfield_10016"  # the emulator's Cloud story points field
# Where a number goes in an issue payload: its top level, nested deep in a field, a custom
# field syncd keeps (``Issue.custom``), and the story points syncd reads.
_ISSUE_PLACES = {
    "top level": ("extra", lambda n: n),
    "nested": ("fields.customfield_10078", lambda n: {"deep": [1, {"value": n}]}),
    "custom field": (f"fields.{EXTRA_FIELD}", lambda n: n),
    "story points": (f"fields.{_STORY_POINTS}", lambda n: n),
}
_ISSUE_PATHS = {
    "top level": "extra",
    "nested": "fields.customfield_10078.deep[1].value",
    "custom field": f"fields.{EXTRA_FIELD}",
    "story points": f"fields.{_STORY_POINTS}",
}


@pytest.fixture
def rig(database_url: str) -> Iterator[Rig]:
    built = hostile_rig(database_url)
    yield built
    built.emulator.stop()


def _as_jira_reads(literal: str) -> float | int | None:
    """What Jira's number becomes in syncd: exact within 64 bits, else the nearest double
    (orjson's reading); ``None`` when that is not finite (quarantined)."""
    exact = exact_integer(literal)
    if exact is not None:
        return exact
    value = float(literal)
    return value if math.isfinite(value) else None


@_settings
@given(
    cases=st.lists(
        st.tuples(st.sampled_from(sorted(_ISSUE_PLACES)), out_of_range_numbers),
        min_size=1,
        max_size=4,
    )
)
def test_jira_numbers_beyond_json_are_quarantined_with_their_place(
    rig: Rig, cases: list[tuple[str, str]]
) -> None:
    """Each issue with such a number is quarantined naming the number's key path (or, for an
    integer a double holds, stored as that double); the others are stored, the run succeeds,
    the watermark moves, and everything stored is standard JSON."""
    rig.advance(minutes=10)  # past the overlap: earlier examples' issues are not re-read
    targets = {}
    for place, literal in cases:
        issue_id = rig.emulator.create("SHOP", "Story", summary=f"{place}: {literal[:30]}")
        path, shape = _ISSUE_PLACES[place]
        rig.emulator.tamper(issue_id, {path: shape(JsonLiteral(literal))})
        record = rig.emulator.state.get(issue_id)
        assert record is not None
        targets[issue_id] = (record.key, place, literal)

    report = rig.engine.sync(rig.source)

    assert report.outcome == RunOutcome.SUCCESS, report.error
    assert rig.store.watermark("acme") == report.started_at
    stored = {issue.issue_id: issue for issue in rig.store.iter_issues()}
    refused = {q.reference: q.reason for q in rig.store.quarantined(limit=1000)}
    for issue_id, (key, place, literal) in targets.items():
        read = _as_jira_reads(literal)
        if read is None:
            assert issue_id not in stored
            assert refused[key].startswith(f"{_ISSUE_PATHS[place]}: the number is")
        else:
            assert _value_at(stored[issue_id].raw, _ISSUE_PATHS[place]) == read
    assert all(unstorable_number(issue.raw) is None for issue in stored.values())


def _value_at(document: Any, path: str) -> Any:
    for part in path.replace("[", ".").replace("]", "").split("."):
        document = document[int(part)] if part.isdigit() else document[part]
    return document


# -- roadmap exports ------------------------------------------------------------------------
_RECORD_PATHS = {"top level": "ref_number", "nested": "dates.extra[0].n", "mapped field": "ref"}


def _generic_record(place: str, literal: str) -> str:
    fields = {"ref": '"R-0"', "summary": '"Item"'}
    if place == "top level":
        fields["ref_number"] = literal
    elif place == "nested":
        fields["dates"] = f'{{"to": "2026-06-30", "extra": [{{"n": {literal}}}]}}'
    else:
        fields["ref"] = literal
    return "{" + ", ".join(f'"{name}": {value}' for name, value in fields.items()) + "}"


def _productboard(literal: str) -> str:
    return json.dumps(
        {
            "features": [
                {"id": "pb-1", "name": "Kept", "type": "feature"},
                {"id": "pb-2", "name": "Custom", "customFields": {"Score": "@N@"}},
            ],
            "objectives": [
                {"id": "O-1", "name": "Obj", "startDate": "2026-01-01", "endDate": "2026-12-31"}
            ],
            "keyResults": [
                {"id": "KR-1", "objective": {"id": "O-1"}, "targetValue": "@N@"},
                {"id": "KR-2", "objective": {"id": "O-1"}, "targetValue": 4},
            ],
        }
    ).replace('"@N@"', literal)


@_settings
@given(place=st.sampled_from(sorted(_RECORD_PATHS)), literal=out_of_range_numbers)
def test_export_numbers_beyond_json_are_quarantined_with_their_place(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, place: str, literal: str
) -> None:
    """A generic JSON record (the number at its top level, nested, or as its mapped id) and
    a Productboard feature's custom field and key result target: each record holding it is
    quarantined naming its place, unless it is an integer within 64 bits (kept exactly);
    the rest is stored and reads back as standard JSON."""
    folder = tmp_path_factory.mktemp("export")
    generic = folder / "generic.json"
    records = [_generic_record(place, literal), '{"ref": "R-1", "summary": "Plain"}']
    generic.write_text('{"items": [' + ", ".join(records) + "]}", encoding="utf-8")
    productboard = folder / "pb.json"
    productboard.write_text(_productboard(literal), encoding="utf-8")
    snapshots = [
        _poll(generic, "generic_json", records="items", columns={"id": "ref", "title": "summary"}),
        _poll(productboard, "productboard_json"),
    ]
    exact = exact_integer(literal)
    refused = {r.reference: r.reason for s in snapshots for r in s.rejected}
    if exact is None:
        assert refused["items[0]"].startswith(f"{_RECORD_PATHS[place]}: the ")
        assert refused["features[1]"].startswith("customFields.Score: the ")
        assert refused["keyResults[0]"].startswith("targetValue: the ")
    else:
        assert refused == {}
    assert all(unstorable_number(item.raw) is None for s in snapshots for item in s.items)
    assert {k.key_result_id for k in snapshots[1].key_results} == (
        {"KR-2"} if exact is None else {"KR-1", "KR-2"}
    )


def _poll(path: Path, export_format: str, **extra: Any) -> Any:
    config = RoadmapSourceConfig.model_validate(
        {"name": path.stem, "format": export_format, "path": path, **extra}
    )
    snapshot = RoadmapSource(config).poll(None)
    assert snapshot is not None
    assert snapshot.fatal is None, snapshot.fatal
    return snapshot


# -- and the store stays readable -------------------------------------------------------------
def test_after_importing_such_numbers_sync_refresh_explain_and_rules_diff_work(
    tmp_path: Path, database_url: str, rig: Rig
) -> None:
    """The report's cases, end to end through the command line: a generic export with
    ``{"ref": 1e999999}`` beside a 39-digit integer and a NaN, a Jira issue with them in a
    custom field. ``sync --once`` twice, ``refresh``, ``explain`` and ``rules diff`` all exit
    0, with the bad records quarantined."""
    export = tmp_path / "generic.json"
    export.write_text(
        '{"items": [{"ref": 1e999999, "summary": "Overflow", "n": 1%s},'
        ' {"ref": "R-2", "summary": "Not a number", "n": NaN},'
        ' {"ref": "R-3", "summary": "Fine", "n": 3}]}' % ("0" * 38),
        encoding="utf-8",
    )
    records = sorted(visible_records(rig.emulator).values(), key=lambda r: r.id)
    rig.emulator.tamper(records[0].id, {f"fields.{EXTRA_FIELD}": JsonLiteral("1e999999")})
    rig.emulator.tamper(records[1].id, {"fields.customfield_10078": JsonLiteral("1" + "0" * 400)})
    roadmap = {"format": "generic_json", "path": "generic.json", "records": "items"}
    roadmap |= {"name": "plan", "columns": {"id": "ref", "title": "summary"}}
    config = str(write_config(tmp_path, database_url, jira_url=rig.url, roadmaps=[roadmap]))

    outcomes = [
        run_cli("sync", "--once", "--config", config),
        run_cli("sync", "--once", "--config", config),
        run_cli("refresh", "--config", config),
        run_cli("explain", records[2].key, "--config", config),
        run_cli("rules", "diff", str(BUNDLED / "rules.yaml"), "--config", config),
    ]

    assert [(o.code, "Traceback" in o.err) for o in outcomes] == [(0, False)] * 5, outcomes
    assert records[2].key in outcomes[3].out
    quarantined = {q.reference for q in rig.store.quarantined(limit=100)}
    assert {records[0].key, records[1].key, "items[0]", "items[1]"} <= quarantined
    assert {item.item_id for item in rig.store.iter_roadmap_items()} == {"R-3"}
