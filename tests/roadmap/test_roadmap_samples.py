"""Each documented format's sample file parses to exactly the items it describes."""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.roadmap import SAMPLES, RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from syncd.core.domain import KeyResult, Measure, Objective, RoadmapItem


def _poll(name: str, export_format: str, **extra: Any) -> Any:
    config = RoadmapSourceConfig.model_validate(
        {"name": "sample", "format": export_format, "path": SAMPLES / name, **extra}
    )
    snapshot = RoadmapSource(config).poll(None)
    assert snapshot is not None
    assert snapshot.fatal is None
    assert snapshot.rejected == ()
    return snapshot


def _item(item_id: str, title: str, **fields: Any) -> RoadmapItem:
    return RoadmapItem(source="sample", item_id=item_id, item_type="feature", title=title, **fields)


def test_productboard_csv_sample_reads_every_feature_with_bom_and_formula_link() -> None:
    """BOM dropped, sub-feature parent kept, multi-key and HYPERLINK cells give their keys."""
    snapshot = _poll("productboard-features.csv", "productboard_csv")
    q2 = {"objective": "SHOP-O2", "team": "checkout", "hint": "product"}
    assert snapshot.items == (
        _item("pb-001", "One-page checkout", status="In progress", start=date(2026, 4, 1),
              end=date(2026, 6, 30), jira_keys=("SHOP-12",), key_result="SHOP-KR4", **q2),
        RoadmapItem("sample", "pb-002", "subfeature", "Saved cards", parent_id="pb-001",
                    status="Planned", start=date(2026, 4, 15), end=date(2026, 5, 31),
                    jira_keys=("SHOP-14", "SHOP-15"), key_result="SHOP-KR4", **q2),
        _item("pb-003", "Payment retries", status="Planned", start=date(2026, 5, 1),
              end=date(2026, 6, 30), jira_keys=("SHOP-21",), key_result="SHOP-KR5", **q2),
        _item("pb-004", "Checkout service on Java 21", status="Candidate", team="checkout",
              hint="technology"),
    )  # fmt: skip
    assert snapshot.items[2].raw["Jira issue key"].startswith("=HYPERLINK(")
    assert snapshot.warnings == ()


def test_aha_csv_sample_reads_jira_key_and_url_columns_and_epic_parent() -> None:
    """Aha!'s key and URL integration columns are both read; the epic reference is the parent."""
    snapshot = _poll("aha-features.csv", "aha_csv")
    assert snapshot.items == (
        _item("PLATRM-1", "Ten-minute deploys", parent_id="PLATRM-E1", status="In development",
              start=date(2026, 4, 1), end=date(2026, 6, 30), team="platform",
              jira_keys=("PLAT-3",), objective="PLAT-O2", key_result="PLAT-KR4",
              hint="technology"),
        _item("PLATRM-2", "Cluster autoscaling", parent_id="PLATRM-E1",
              status="Ready to develop", start=date(2026, 4, 15), end=date(2026, 6, 30),
              team="platform", jira_keys=("PLAT-8",), objective="PLAT-O2",
              key_result="PLAT-KR5", hint="technology"),
        _item("DATARM-1", "Feature store", status="Under consideration", start=date(2026, 5, 1),
              end=date(2026, 6, 30), team="data", objective="DATA-O2", key_result="DATA-KR4",
              hint="product"),
    )  # fmt: skip


GENERIC_CSV = {
    "delimiter": ";",
    "date_formats": ["%d/%m/%Y"],
    "columns": {
        "id": "Ref", "title": "Summary", "type": "Kind", "team": "Area", "start": "From",
        "end": "To", "jira_keys": "Jira", "key_result": "KR", "hint": "Class",
    },
}  # fmt: skip


def test_generic_csv_sample_reads_with_configured_columns_delimiter_and_dates() -> None:
    """The column mapping, the ';' delimiter and day-first dates come from the configuration."""
    snapshot = _poll("generic.csv", "generic_csv", **GENERIC_CSV)
    assert snapshot.items == (
        RoadmapItem("sample", "R-1", "initiative", "Referral rewards", start=date(2026, 4, 1),
                    end=date(2026, 6, 30), team="growth", jira_keys=("GROW-31", "GROW-32"),
                    key_result="GROW-KR4", hint="product"),
        _item("R-2", "Push opt-in prompt", start=date(2026, 4, 15), end=date(2026, 5, 31),
              team="growth", jira_keys=("GROW-40",), key_result="GROW-KR6", hint="product"),
    )  # fmt: skip


GENERIC_JSON = {
    "records": "roadmap.items",
    "columns": {
        "id": "ref", "title": "summary", "type": "kind", "parent": "parent",
        "team": "squad.name", "start": "dates.from", "end": "dates.to", "jira_keys": "jira",
        "objective": "okr.objective", "key_result": "okr.keyResult", "hint": "class",
    },
}  # fmt: skip


def test_generic_json_sample_reads_nested_key_paths_and_key_lists() -> None:
    """Dotted key paths reach nested values; a list of keys becomes the item's Jira keys."""
    snapshot = _poll("generic.json", "generic_json", **GENERIC_JSON)
    assert snapshot.items == (
        RoadmapItem("sample", "M-1", "epic", "Crash-free sessions", start=date(2026, 4, 1),
                    end=date(2026, 6, 30), team="mobile", jira_keys=("MOB-5", "MOB-9"),
                    objective="MOB-O2", key_result="MOB-KR4", hint="technology"),
        _item("M-2", "Store rating prompts", parent_id="M-1", start=date(2026, 5, 1),
              team="mobile", objective="MOB-O2", key_result="MOB-KR5", hint="product"),
    )  # fmt: skip


def test_productboard_api_sample_reads_features_objectives_and_key_results() -> None:
    """Features carry their folded-in links; objectives and key results join the snapshot."""
    snapshot = _poll("productboard-api.json", "productboard_json")
    first, second = (f"6f2b1d0e-1c1a-4a51-9d0b-6a0c9a1f000{n}" for n in (1, 2))
    assert snapshot.items == (
        _item(first, "Week-one activation checklist", status="In progress",
              start=date(2026, 4, 1), end=date(2026, 6, 30), team="growth",
              jira_keys=("GROW-17",), objective="GROW-O2", key_result="GROW-KR4",
              hint="product"),
        RoadmapItem("sample", second, "subfeature", "Activation email copy tests",
                    parent_id=first, status="Planned", start=date(2026, 5, 1),
                    end=date(2026, 5, 31), team="growth", jira_keys=("GROW-18", "GROW-19")),
    )  # fmt: skip
    quarter = {"period_start": date(2026, 4, 1), "period_end": date(2026, 6, 30)}
    assert snapshot.objectives == (
        Objective("GROW-O2", "Bring more shoppers back", ("growth",), **quarter),
    )
    assert snapshot.key_results == (
        KeyResult("GROW-KR4", "GROW-O2", "Lift week-one activation to 45%", ("growth",),
                  measure=Measure.ISSUE_COUNT, target=45.0, **quarter),
    )  # fmt: skip
