"""Wide CSV exports: a header over ``max_columns`` is refused and the last good state kept;
header problems and warnings stay short however many columns the header has."""

from __future__ import annotations

from pathlib import Path

import yaml
from roadmap_support import PRODUCTBOARD_HEADER, config, poll_bytes, productboard

from connectors.roadmap import RoadmapSource
from syncd.cli import main
from syncd.service.config import load_config
from syncd.service.wiring import open_store

GOOD = "pb-1,Checkout,feature,,Planned,2026-04-01,2026-06-30,checkout,SHOP-1,,,"
EXCEL_COLUMNS = 16_384


def _wide(width: int, rows: int = 2) -> str:
    """A Productboard export whose header is padded with extra columns to *width*."""
    extra = width - PRODUCTBOARD_HEADER.count(",") - 1
    header = PRODUCTBOARD_HEADER + "".join(f",Extra {n}" for n in range(extra))
    cells = "," * extra
    return productboard(
        *(f"pb-{n},Wide {n},feature,,,,,,,,,{cells}" for n in range(rows)), header=header
    )


def _syncd_yaml(folder: Path, export: Path, database_url: str) -> Path:
    path = folder / "syncd.yaml"
    roadmap = {"name": "pb", "format": "productboard_csv", "path": str(export)}
    data = {"store": {"url": database_url}, "sources": {"roadmaps": [roadmap]}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_header_over_max_columns_is_refused_and_the_last_good_state_kept(
    tmp_path: Path, database_url: str
) -> None:
    """An export one column wider than the default cap (Excel's widest sheet) is refused with
    a message naming the width and the setting; the items read before stay stored."""
    export = tmp_path / "export.csv"
    export.write_text(productboard(GOOD), encoding="utf-8")
    path = _syncd_yaml(tmp_path, export, database_url)
    assert main(["sync", "--once", "--config", str(path)]) == 0

    export.write_text(_wide(EXCEL_COLUMNS + 1), encoding="utf-8")
    refused = RoadmapSource(config(export)).poll(None)
    assert main(["sync", "--once", "--config", str(path)]) == 0

    assert refused is not None
    assert refused.fatal == (
        f"the header has {EXCEL_COLUMNS + 1} columns, over the limit of {EXCEL_COLUMNS} "
        "(max_columns); the last good state is kept. Remove unused columns from the export, "
        "or raise max_columns for this source if it is expected to be this wide"
    )
    store = open_store(load_config(path), upgrade=False)
    assert [item.item_id for item in store.iter_roadmap_items("pb")] == ["pb-1"]


def test_the_column_cap_is_configurable_and_inclusive(tmp_path: Path) -> None:
    """A header exactly at ``max_columns`` is read; ``max_columns`` can be raised or lowered."""
    at_default = poll_bytes(tmp_path, _wide(EXCEL_COLUMNS).encode())
    raised = poll_bytes(tmp_path, _wide(EXCEL_COLUMNS + 1).encode(), max_columns=20_000)
    lowered = poll_bytes(tmp_path, _wide(13).encode(), max_columns=12)

    assert [item.item_id for item in at_default.items] == ["pb-0", "pb-1"]
    assert [item.item_id for item in raised.items] == ["pb-0", "pb-1"]
    assert lowered.fatal is not None
    assert lowered.fatal.startswith("the header has 13 columns, over the limit of 12")


def test_many_duplicate_column_names_give_a_bounded_list_of_warnings(tmp_path: Path) -> None:
    """Each of the first 20 repeated names is warned about, then one line counts the rest."""
    repeated = "".join(f",Copy {n},Copy {n}" for n in range(500))
    snapshot = poll_bytes(
        tmp_path,
        productboard(GOOD + "," * 1000, header=PRODUCTBOARD_HEADER + repeated).encode(),
    )

    assert [item.item_id for item in snapshot.items] == ["pb-1"]
    assert snapshot.warnings[0] == "column 'copy 0' appears more than once; the first one is read"
    assert snapshot.warnings[20:] == (
        "480 more column names appear more than once; the first column of each is read",
    )


def test_a_header_problem_names_a_bounded_number_of_columns(tmp_path: Path) -> None:
    """A wide header without an id column: the problem lists 20 columns, each cut short, and
    says how many there are, instead of repeating the whole header."""
    long_name = "Column " + "x" * 10_000
    header = "Feature name," + ",".join(f"{long_name} {n}" for n in range(1_000))
    snapshot = poll_bytes(tmp_path, productboard("x" + "," * 1_000, header=header).encode())

    assert snapshot.fatal is not None
    assert snapshot.fatal.startswith("required columns missing: id (looked for: 'feature id'")
    assert "(1001 columns in all)" in snapshot.fatal
    assert len(snapshot.fatal) < 5_000
