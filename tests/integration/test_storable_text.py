"""Text no database holds (NUL, lone surrogates) in every text field of an issue served by the
emulator and in every column of a roadmap export: the sync and the refresh succeed, the
watermark moves, and the store holds U+FFFD where each hostile character was.

Before, one NUL in a summary made every PostgreSQL page write fail with a raw driver error
(the run left ``running``, the watermark stuck), a lone surrogate did so on SQLite too, and
one NUL in a roadmap cell made every refresh fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_support import EXTRA_FIELD, HOSTILE_TEXT, REPLACED, hostile_rig, replaced, write_config
from sync_support import Rig, visible_records

from syncd.app.mapping_files import load_mapping_files
from syncd.app.pipeline import Pipeline
from syncd.core.domain import Issue, RunOutcome
from syncd.service.config import load_config
from syncd.service.wiring import open_store, roadmap_sources

_TEAM_FIELD, _SPRINT_FIELD = "customfield_10001", "customfield_10020"  # the emulator's Cloud ids


@pytest.fixture
def rig(database_url: str) -> Iterator[Rig]:
    built = hostile_rig(database_url)
    yield built
    built.emulator.stop()


def _hostile_fields(key: str, h: str) -> dict[str, Any]:
    """Every text an issue carries, each with *h* inside: key, names, lists, custom values,
    and a key of the raw JSON itself."""
    return {
        "key": f"{key}{h}",
        "fields.summary": f"Check{h}out",
        "fields.labels": [f"kr:{h}", f"tech{h}debt"],
        "fields.components": [{"id": "1", "name": f"Pay{h}ments"}],
        "fields.status.name": f"In {h}Review",
        "fields.issuetype.name": f"Sto{h}ry",
        "fields.priority.name": f"Hi{h}gh",
        "fields.project.key": f"SH{h}OP",
        "fields.parent": {
            "id": "1",
            "key": f"SHOP-{h}1",
            "fields": {"issuetype": {"name": "Epic", "hierarchyLevel": 1}},
        },
        f"fields.{_TEAM_FIELD}": {"id": "t1", "name": f"check{h}out"},
        f"fields.{_SPRINT_FIELD}": [{"id": 1, "name": f"Sprint {h}1"}],
        f"fields.{EXTRA_FIELD}": {"value": f"No{h}te", f"k{h}ey": [f"deep{h}"]},
    }


def _stored_text(issue: Issue) -> dict[str, Any]:
    return {
        "key": issue.key,
        "summary": issue.summary,
        "labels": issue.labels,
        "components": issue.components,
        "status": issue.status,
        "issue_type": issue.issue_type,
        "priority": issue.priority,
        "project": issue.project,
        "parent_key": issue.parent_key,
        "epic_key": issue.epic_key,
        "team": issue.team,
        "sprints": issue.sprints,
        "custom": dict(issue.custom),
        "raw summary": issue.raw["fields"]["summary"],
    }


def _expected_text(key: str, h: str) -> dict[str, Any]:
    r = REPLACED
    return {
        "key": f"{key}{r}",
        "summary": f"Check{r}out",
        "labels": (f"kr:{r}", f"tech{r}debt"),
        "components": (f"Pay{r}ments",),
        "status": f"In {r}Review",
        "issue_type": f"Sto{r}ry",
        "priority": f"Hi{r}gh",
        "project": f"SH{r}OP",
        "parent_key": f"SHOP-{r}1",
        "epic_key": f"SHOP-{r}1",
        "team": f"check{r}out",
        "sprints": (f"Sprint {r}1",),
        "custom": {"note": {"value": f"No{r}te", f"k{r}ey": [f"deep{r}"]}},
        "raw summary": f"Check{r}out",
    }


@pytest.mark.parametrize("hostile", HOSTILE_TEXT, ids=["nul", "high-surrogate", "low-surrogate"])
def test_hostile_text_in_every_issue_field_is_stored_as_the_replacement_character(
    rig: Rig, hostile: str
) -> None:
    """One issue with the character in every text field, one rejected for a bad status
    category with it in its payload: the run succeeds and moves the watermark; the issue is
    stored with U+FFFD in each place, the rejected one quarantined with U+FFFD in its
    excerpt."""
    records = sorted(visible_records(rig.emulator).values(), key=lambda r: r.id)
    kept, refused = records[0], records[1]
    rig.emulator.tamper(kept.id, _hostile_fields(kept.key, hostile))
    rig.emulator.tamper(
        refused.id,
        # "a-note" sorts first in the excerpt, which is cut to a bounded length
        {"a-note": f"Bad{hostile}", "fields.status.statusCategory.key": "bogus"},
    )

    report = rig.engine.sync(rig.source)

    assert (report.outcome, report.error) == (RunOutcome.SUCCESS, None)
    assert rig.store.watermark("acme") == report.started_at
    stored = {issue.issue_id: issue for issue in rig.store.iter_issues()}
    assert _stored_text(stored[kept.id]) == _expected_text(kept.key, hostile)
    assert refused.id not in stored
    (quarantined,) = rig.store.quarantined()
    assert quarantined.reference == refused.key
    # The excerpt is JSON: NUL is written escaped, a lone surrogate as itself, then replaced.
    note = json.dumps({"a-note": f"Bad{hostile}"}, ensure_ascii=False)[:-1]
    assert quarantined.excerpt.startswith(replaced(note))


def _productboard_csv(h: str) -> str:
    header = (
        "Feature ID,Feature name,Feature type,Parent feature ID,Status,Timeframe start,"
        "Timeframe end,Team,Jira issue key,Objectives,Key results,Investment"
    )
    kept = (
        f"pb-1{h},One{h}-page,fea{h}ture,pb-0{h},In{h} progress,2026-04-01,2026-06-30,"
        f"check{h}out,SHOP-12{h},SHOP-O2{h},SHOP-KR4{h},Customer{h} value"
    )
    refused = f"pb-2{h},Dated,feature,,Planned,2026-04-{h}01,,checkout,,,,"
    return "\r\n".join((header, kept, refused)) + "\r\n"


def _generic_json(h: str) -> str:
    e = json.dumps(h)[1:-1]  # as a JSON escape: the way a lone surrogate reaches Python
    return (
        f'{{"items": [{{"ref": "M-1{e}", "summary": "Crash{e}-free", "kind": "ep{e}ic", '
        f'"parent": "M-0{e}", "state": "Do{e}ing", "squad": "mo{e}bile", '
        f'"jira": ["MOB-5{e}"], "objective": "MOB-O2{e}", "keyResult": "MOB-KR4{e}", '
        f'"class": "Tech{e} debt", "note{e}": "x{e}"}}]}}'
    )


_JSON_COLUMNS = {
    "id": "ref",
    "title": "summary",
    "type": "kind",
    "parent": "parent",
    "status": "state",
    "team": "squad",
    "jira_keys": "jira",
    "objective": "objective",
    "key_result": "keyResult",
    "hint": "class",
}


@pytest.mark.parametrize("hostile", HOSTILE_TEXT, ids=["nul", "high-surrogate", "low-surrogate"])
def test_hostile_text_in_every_roadmap_column_is_stored_and_the_refresh_succeeds(
    tmp_path: Path, database_url: str, hostile: str
) -> None:
    """A CSV export (NUL; UTF-8 has no lone surrogates) and a generic JSON export (each
    character as a JSON escape) with it in every column: the refresh stores both and saves a
    snapshot; the row whose date it spoils is quarantined with U+FFFD in its excerpt."""
    exports: list[dict[str, Any]] = []
    if hostile == "\x00":
        (tmp_path / "pb.csv").write_text(_productboard_csv(hostile), encoding="utf-8")
        exports.append({"name": "pb", "format": "productboard_csv", "path": "pb.csv"})
    (tmp_path / "generic.json").write_text(_generic_json(hostile), encoding="utf-8")
    exports.append(
        {
            "name": "generic",
            "format": "generic_json",
            "path": "generic.json",
            "records": "items",
            "columns": _JSON_COLUMNS,
        }
    )
    config = load_config(write_config(tmp_path, database_url, roadmaps=exports))
    store = open_store(config)
    pipeline = Pipeline(
        store, load_mapping_files(config.mapping_paths()), config.analytics, roadmap_sources(config)
    )

    pipeline.refresh()

    assert store.latest_snapshot() is not None
    items = {item.source: item for item in store.iter_roadmap_items()}
    r = REPLACED
    assert _item_text(items["generic"]) == (
        f"M-1{r}",
        f"Crash{r}-free",
        f"ep{r}ic",
        f"M-0{r}",
        f"Do{r}ing",
        f"mo{r}bile",
        ("MOB-5",),
        f"MOB-O2{r}",
        f"MOB-KR4{r}",
        "technology",
    )
    assert items["generic"].raw[f"note{r}"] == f"x{r}"
    if hostile == "\x00":
        assert _item_text(items["pb"]) == (
            f"pb-1{r}",
            f"One{r}-page",
            f"fea{r}ture",
            f"pb-0{r}",
            f"In{r} progress",
            f"check{r}out",
            ("SHOP-12",),
            f"SHOP-O2{r}",
            f"SHOP-KR4{r}",
            "product",
        )
        assert items["pb"].raw["Feature name"] == f"One{r}-page"
        (quarantined,) = store.quarantined(source="pb")
        assert quarantined.reference == "line 3"
        assert f"2026-04-{r}01" in quarantined.excerpt


def _item_text(item: Any) -> tuple[Any, ...]:
    return (
        item.item_id,
        item.title,
        item.item_type,
        item.parent_id,
        item.status,
        item.team,
        item.jira_keys,
        item.objective,
        item.key_result,
        item.hint,
    )
