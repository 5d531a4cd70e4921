"""Bad exports: good rows are kept, each bad row is quarantined with its line and reason,
and an export that cannot be used at all is a fatal problem that says what to fix."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from roadmap_support import PRODUCTBOARD_HEADER, poll_bytes, productboard, reasons

GOOD = "pb-1,Café checkout,feature,,Planned,2026-04-01,2026-06-30,checkout,SHOP-1,,,"
OTHER = "pb-2,Crème brûlée,feature,,Planned,,,checkout,SHOP-2,,,"


def _ids(snapshot: object) -> list[str]:
    return [item.item_id for item in snapshot.items]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("label", "encoded"),
    [
        ("utf-8 with BOM", codecs.BOM_UTF8 + productboard(GOOD, OTHER).encode("utf-8")),
        ("utf-16 LE with BOM", productboard(GOOD, OTHER).encode("utf-16")),
        ("utf-16 BE with BOM", codecs.BOM_UTF16_BE + productboard(GOOD, OTHER).encode("utf-16-be")),
        ("utf-16 LE without BOM", productboard(GOOD, OTHER).encode("utf-16-le")),
    ],
)
def test_unicode_encodings_are_detected_and_read_without_warning(
    tmp_path: Path, label: str, encoded: bytes
) -> None:
    """A byte-order mark (or UTF-16's NUL pattern) decides the encoding; the header matches."""
    snapshot = poll_bytes(tmp_path, encoded)
    assert snapshot.fatal is None, label
    assert [item.title for item in snapshot.items] == ["Café checkout", "Crème brûlée"]
    assert snapshot.warnings == ()


def test_latin1_export_is_read_as_windows_1252_with_a_warning(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 fall back to Windows-1252 and the snapshot says so."""
    text = productboard(GOOD, OTHER.replace("Crème brûlée", "Crème “brûlée”"))
    snapshot = poll_bytes(tmp_path, text.encode("cp1252"))
    assert [item.title for item in snapshot.items] == ["Café checkout", "Crème “brûlée”"]
    assert len(snapshot.warnings) == 1
    assert "not valid UTF-8" in snapshot.warnings[0]
    assert "Windows-1252" in snapshot.warnings[0]


def test_bytes_undefined_in_windows_1252_still_decode_as_latin1(tmp_path: Path) -> None:
    """0x81 has no Windows-1252 character; it is read as U+0081 instead of failing."""
    raw = productboard(GOOD).encode("cp1252").replace(b"Caf\xe9", b"Caf\xe9\x81")
    snapshot = poll_bytes(tmp_path, raw)
    assert [item.title for item in snapshot.items] == ["Café\x81 checkout"]


def test_missing_required_column_is_fatal_and_names_missing_and_found_columns(
    tmp_path: Path,
) -> None:
    """Without an id column nothing can be read: the problem lists what to rename or map."""
    header = PRODUCTBOARD_HEADER.replace("Feature ID,", "Reference,")
    snapshot = poll_bytes(tmp_path, productboard(GOOD, header=header).encode())
    assert snapshot.items == ()
    assert snapshot.fatal is not None
    assert "required columns missing: id (looked for: 'feature id', 'id', 'uuid')" in snapshot.fatal
    assert "Columns found: 'Reference', 'Feature name'" in snapshot.fatal
    assert "columns:" in snapshot.fatal


def test_renamed_column_known_to_the_format_is_read_by_its_alias(tmp_path: Path) -> None:
    """'Name' instead of 'Feature name' and 'Jira keys' instead of 'Jira issue key' still work."""
    header = PRODUCTBOARD_HEADER.replace("Feature name", "Name").replace(
        "Jira issue key", "Jira keys"
    )
    snapshot = poll_bytes(tmp_path, productboard(GOOD, header=header).encode())
    assert [(i.title, i.jira_keys) for i in snapshot.items] == [("Café checkout", ("SHOP-1",))]


def test_renamed_column_is_mapped_by_the_configuration(tmp_path: Path) -> None:
    """A column renamed beyond the known aliases is read once 'columns:' maps it."""
    header = PRODUCTBOARD_HEADER.replace("Feature ID", "Idea number")
    content = productboard(GOOD, header=header).encode()
    assert poll_bytes(tmp_path, content).fatal is not None
    snapshot = poll_bytes(tmp_path, content, columns={"id": "Idea number"})
    assert _ids(snapshot) == ["pb-1"]


def test_reordered_columns_read_the_same_items(tmp_path: Path) -> None:
    """Columns are found by name, so a reversed column order gives equal items."""
    rows = [PRODUCTBOARD_HEADER, GOOD, OTHER]
    reversed_rows = [",".join(reversed(row.split(","))) for row in rows]
    straight = poll_bytes(tmp_path, productboard(*rows[1:]).encode())
    flipped = poll_bytes(
        tmp_path, productboard(*reversed_rows[1:], header=reversed_rows[0]).encode()
    )
    assert flipped.items == straight.items
    assert len(flipped.items) == 2


def test_missing_jira_column_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    """Items without any Jira column are kept, and the snapshot warns about it."""
    header = "Feature ID,Feature name"
    snapshot = poll_bytes(tmp_path, productboard("pb-1,Alone", header=header).encode())
    assert _ids(snapshot) == ["pb-1"]
    assert any("no Jira column" in warning for warning in snapshot.warnings)


def test_duplicate_ids_keep_the_first_and_quarantine_the_others(tmp_path: Path) -> None:
    """The repeated id is quarantined with the line of its first occurrence."""
    again = GOOD.replace("Café checkout", "Copy")
    snapshot = poll_bytes(tmp_path, productboard(GOOD, OTHER, again).encode())
    assert [(i.item_id, i.title) for i in snapshot.items] == [
        ("pb-1", "Café checkout"),
        ("pb-2", "Crème brûlée"),
    ]
    assert reasons(snapshot) == [("line 4", "duplicate id 'pb-1' (first seen at line 2)")]
    assert snapshot.rejected[0].excerpt.startswith("pb-1,Copy")


def test_empty_file_is_fatal_and_keeps_the_last_good_state(tmp_path: Path) -> None:
    """A 0-byte export is refused, never read as 'the roadmap is now empty'."""
    snapshot = poll_bytes(tmp_path, b"")
    assert snapshot.fatal is not None
    assert "empty" in snapshot.fatal
    assert snapshot.items == ()


def test_header_only_file_is_fatal_unless_allowed(tmp_path: Path) -> None:
    """A header without rows is refused by default and accepted with allow_empty."""
    content = productboard().encode()
    refused = poll_bytes(tmp_path, content)
    assert refused.fatal is not None
    assert "allow_empty" in refused.fatal
    allowed = poll_bytes(tmp_path, content, allow_empty=True)
    assert allowed.fatal is None
    assert allowed.items == ()


def test_blank_lines_only_is_the_same_as_an_empty_file(tmp_path: Path) -> None:
    """Whitespace and blank lines are not a header."""
    snapshot = poll_bytes(tmp_path, b"\r\n\r\n  \r\n")
    assert snapshot.fatal is not None
    assert "no header row" in snapshot.fatal


def test_formula_cells_are_kept_as_text_and_never_evaluated(tmp_path: Path) -> None:
    """=, +, - and @ cells stay literal; Jira keys are read from a HYPERLINK formula's text."""
    link = '"=HYPERLINK(""https://acme.atlassian.net/browse/SHOP-12"",""SHOP-12"")"'
    rows = (
        f"pb-1,=1+1,feature,,Planned,,,checkout,{link},,,",
        'pb-2,+cmd|calc,feature,,Planned,,,checkout,"@SUM(A1:A2), SHOP-13",,,',
        "pb-3,-2+3,feature,,Planned,,,checkout,,,,",
    )
    snapshot = poll_bytes(tmp_path, productboard(*rows).encode())
    assert [(i.title, i.jira_keys) for i in snapshot.items] == [
        ("=1+1", ("SHOP-12",)),
        ("+cmd|calc", ("SHOP-13",)),
        ("-2+3", ()),
    ]
    assert snapshot.items[0].raw["Jira issue key"] == (
        '=HYPERLINK("https://acme.atlassian.net/browse/SHOP-12","SHOP-12")'
    )


def test_multi_valued_jira_cells_split_on_commas_spaces_and_urls(tmp_path: Path) -> None:
    """Keys separated by commas, spaces, newlines or given as browse URLs are all read once."""
    cell = '"SHOP-1, SHOP-2 SHOP-3\nhttps://acme.atlassian.net/browse/SHOP-4?focused=1 SHOP-1"'
    snapshot = poll_bytes(tmp_path, productboard(f"pb-1,Many,feature,,,,,,{cell},,,").encode())
    assert snapshot.items[0].jira_keys == ("SHOP-1", "SHOP-2", "SHOP-3", "SHOP-4")


def test_malformed_rows_are_quarantined_with_line_and_reason(tmp_path: Path) -> None:
    """Too many or too few cells, a bad date, an empty id, a stray quote: each row on its own."""
    rows = (
        GOOD,
        "pb-3,Extra,feature,,Planned,,,checkout,SHOP-3,,,,surplus",
        "pb-4,Short,feature",
        "pb-5,Bad date,feature,,Planned,31/02/2026,,checkout,,,,",
        ",No id,feature,,Planned,,,checkout,,,,",
        "pb-6,Backwards,feature,,Planned,2026-06-30,2026-04-01,checkout,,,,",
        'pb-7,"Stray" quote,feature,,Planned,,,checkout,,,,',
        '"pb-8","Multi\nline title",feature,,Planned,,,checkout,SHOP-8,,,',
        "pb-9,Untitled ,feature,,,,,,,,,",
        "pb-10, ,feature,,,,,,,,,",
        OTHER,
    )
    snapshot = poll_bytes(tmp_path, productboard(*rows).encode())
    assert _ids(snapshot) == ["pb-1", "pb-8", "pb-9", "pb-2"]
    assert snapshot.items[1].title == "Multi\nline title"
    assert reasons(snapshot) == [
        ("line 3", "the row has 13 cells but the header has 12: a separator or a quote is "
                   "probably missing or extra"),
        ("line 4", "the row has 3 cells but the header has 12: a separator or a quote is "
                   "probably missing or extra"),
        ("line 5", "start date: '31/02/2026' is not a date (accepted: ISO 8601, %Y-%m-%d, "
                   "%Y/%m/%d, %d %b %Y, %b %d, %Y, %d %B %Y, %B %d, %Y)"),
        ("line 6", "the id is empty"),
        ("line 7", "item 'pb-6' ends (2026-04-01) before it starts (2026-06-30)"),
        ("line 8", "malformed CSV (read up to line 8): ',' expected after '\"'"),
        ("line 12", "item 'pb-10' has an empty title"),
    ]  # fmt: skip
    assert snapshot.fatal is None


def test_oversized_field_quarantines_its_row_and_later_rows_are_kept(tmp_path: Path) -> None:
    """A cell beyond csv.field_size_limit() is refused, not grown without bound."""
    huge = "x" * 200_000
    content = productboard(GOOD, f"pb-3,{huge},feature,,,,,,,,,", OTHER).encode()
    snapshot = poll_bytes(tmp_path, content)
    assert _ids(snapshot) == ["pb-1", "pb-2"]
    assert len(snapshot.rejected) == 1
    assert snapshot.rejected[0].reference == "line 3"
    assert "field larger than field limit" in snapshot.rejected[0].reason
    assert len(snapshot.rejected[0].excerpt) <= 200


def test_all_rows_bad_is_fatal_with_the_rows_still_quarantined(tmp_path: Path) -> None:
    """An export whose every row is broken does not wipe the roadmap."""
    snapshot = poll_bytes(tmp_path, productboard(",a,,,,,,,,,,", ",b,,,,,,,,,,").encode())
    assert snapshot.fatal == "none of the 2 rows could be read; see the quarantined records"
    assert [r.reference for r in snapshot.rejected] == ["line 2", "line 3"]


def test_invalid_json_is_fatal_with_its_line_and_column(tmp_path: Path) -> None:
    """A truncated JSON export names where it breaks."""
    snapshot = poll_bytes(tmp_path, b'{"features": [\n  {"id": "a",', "productboard_json")
    assert snapshot.fatal is not None
    assert snapshot.fatal.startswith("not valid JSON at line 2")


def test_deeply_nested_json_is_fatal_not_a_crash(tmp_path: Path) -> None:
    """A document nested beyond the recursion limit is reported, not raised."""
    snapshot = poll_bytes(tmp_path, b"[" * 100_000 + b"]" * 100_000, "productboard_json")
    assert snapshot.fatal == "the JSON document is nested too deeply to read"


def test_generic_json_bad_records_are_quarantined_by_position(tmp_path: Path) -> None:
    """Non-objects and records without a title are quarantined as records[N]."""
    content = b'[{"k": "A", "t": "Good"}, 7, {"k": "B"}, {"k": "A", "t": "Again"}]'
    snapshot = poll_bytes(tmp_path, content, "generic_json", columns={"id": "k", "title": "t"})
    assert _ids(snapshot) == ["A"]
    assert reasons(snapshot) == [
        ("records[1]", "the record is a int, not an object"),
        ("records[2]", "item 'B' has an empty title"),
        ("records[3]", "duplicate id 'A' (first seen at records[0])"),
    ]


def test_generic_json_with_a_renamed_key_everywhere_is_fatal(tmp_path: Path) -> None:
    """When no record has the configured id key, the keys found are listed."""
    snapshot = poll_bytes(
        tmp_path, b'[{"ref": "A", "t": "x"}]', "generic_json", columns={"id": "k", "title": "t"}
    )
    assert snapshot.fatal is not None
    assert "required keys missing from every record: id (key 'k')" in snapshot.fatal
    assert "'ref', 't'" in snapshot.fatal


def test_productboard_json_objective_without_dates_is_quarantined(tmp_path: Path) -> None:
    """An objective without a period cannot join the OKR model; its key result neither."""
    content = (
        b'{"features": [{"id": "f", "name": "F"}], "objectives": [{"id": "O"}],'
        b' "keyResults": [{"id": "K", "objective": {"id": "O"}}]}'
    )
    snapshot = poll_bytes(tmp_path, content, "productboard_json")
    assert _ids(snapshot) == ["f"]
    assert snapshot.objectives == ()
    assert reasons(snapshot) == [
        ("objectives[0]", "'O' needs both startDate and endDate"),
        ("keyResults[0]", "key result 'K': objective 'O' is not exported"),
    ]


def test_productboard_sections_that_are_not_lists_are_quarantined_and_the_features_kept(
    tmp_path: Path,
) -> None:
    """``objectives`` and ``keyResults`` holding a number or an object without ``data``
    (found by the bad-input fuzzer: a ``TypeError`` before): each section is quarantined
    with what was found, and the features are read."""
    document = (
        b'{"features": [{"id": "pb-1", "name": "Kept"}],'
        b' "objectives": {"items": []}, "keyResults": 1.5e309}'
    )

    snapshot = poll_bytes(tmp_path, document, "productboard_json")

    assert (snapshot.fatal, [item.item_id for item in snapshot.items]) == (None, ["pb-1"])
    assert reasons(snapshot) == [
        (
            "objectives",
            "expected a list of objectives (or {'data': [...]}), found an object "
            "without a 'data' list",
        ),
        ("keyResults", "expected a list of keyResults (or {'data': [...]}), found a float"),
    ]
