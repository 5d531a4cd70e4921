"""Polling: unchanged exports are skipped, broken ones never replace the last good state,
watched folders read their newest complete file, and oversized exports are refused."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest
from roadmap_support import PRODUCTBOARD_HEADER, config, productboard

from connectors.roadmap import RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig
from syncd.core.errors import PermanentSourceError

ROW = "pb-{n},Feature {n},feature,,Planned,2026-04-01,2026-06-30,checkout,SHOP-{n},,,"


def _write(path: Path, *numbers: int) -> None:
    path.write_text(productboard(*(ROW.format(n=n) for n in numbers)), encoding="utf-8")


def test_unchanged_content_returns_none_and_changed_content_a_new_snapshot(tmp_path: Path) -> None:
    """The content hash decides: same bytes → None, new bytes → a snapshot with a new hash."""
    path = tmp_path / "export.csv"
    _write(path, 1, 2)
    source = RoadmapSource(config(path))
    first = source.poll(None)
    assert first is not None
    assert first.content_hash.startswith("sha256:")
    assert source.poll(first.content_hash) is None
    assert RoadmapSource(config(path)).poll(first.content_hash) is None  # a fresh process too
    _write(path, 1, 2, 3)
    second = source.poll(first.content_hash)
    assert second is not None
    assert second.content_hash != first.content_hash
    assert [item.item_id for item in second.items] == ["pb-1", "pb-2", "pb-3"]


def test_touched_file_with_same_bytes_is_still_unchanged(tmp_path: Path) -> None:
    """A new modification time forces a re-hash, which finds the same content."""
    path = tmp_path / "export.csv"
    _write(path, 1)
    source = RoadmapSource(config(path))
    first = source.poll(None)
    assert first is not None
    os.utime(path, ns=(1, 10**18))
    assert source.poll(first.content_hash) is None


def test_changed_column_mapping_rereads_an_unchanged_file(tmp_path: Path) -> None:
    """The hash covers the parsing settings, so a new mapping is applied at once."""
    path = tmp_path / "export.csv"
    _write(path, 1)
    first = RoadmapSource(config(path)).poll(None)
    assert first is not None
    remapped = RoadmapSource(config(path, columns={"team": "Status"})).poll(first.content_hash)
    assert remapped is not None
    assert remapped.items[0].team == "Planned"


def test_broken_export_is_fatal_and_the_caller_keeps_its_previous_hash(tmp_path: Path) -> None:
    """A broken poll reports fatal; the good hash still matches the good file when it returns."""
    path = tmp_path / "export.csv"
    _write(path, 1)
    source = RoadmapSource(config(path))
    good = source.poll(None)
    assert good is not None
    assert good.ok
    good_bytes = path.read_bytes()
    path.write_text("Name;Whatever\nx;y\n", encoding="utf-8")
    broken = source.poll(good.content_hash)
    assert broken is not None
    assert not broken.ok
    assert broken.items == ()
    assert broken.content_hash != good.content_hash
    assert source.poll(good.content_hash) is not None  # still broken: reported on every poll
    path.write_bytes(good_bytes)
    assert source.poll(good.content_hash) is None


def test_watched_folder_reads_the_newest_complete_matching_file(tmp_path: Path) -> None:
    """Hidden files, lock files and partial downloads are skipped; the newest file wins."""
    older, newer = tmp_path / "a-old.csv", tmp_path / "b-new.csv"
    _write(older, 1)
    _write(newer, 2)
    os.utime(older, ns=(10**18, 10**18))
    os.utime(newer, ns=(2 * 10**18, 2 * 10**18))
    for name in (".hidden.csv", "~$lock.csv", "c.csv.part"):
        _write(tmp_path / name, 9)
        os.utime(tmp_path / name, ns=(3 * 10**18, 3 * 10**18))
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    source_config = RoadmapSourceConfig.model_validate(
        {"name": "folder", "format": "productboard_csv", "folder": tmp_path, "pattern": "*.csv"}
    )
    snapshot = RoadmapSource(source_config).poll(None)
    assert snapshot is not None
    assert snapshot.origin == str(newer)
    assert [item.item_id for item in snapshot.items] == ["pb-2"]


def test_relative_paths_resolve_against_the_base_dir(tmp_path: Path) -> None:
    """A path in the configuration is relative to the configuration file's folder."""
    _write(tmp_path / "export.csv", 4)
    snapshot = RoadmapSource(config(Path("export.csv")), base_dir=tmp_path).poll(None)
    assert snapshot is not None
    assert [item.item_id for item in snapshot.items] == ["pb-4"]


def test_unreachable_file_and_empty_folder_raise_permanent_source_errors(tmp_path: Path) -> None:
    """A missing file or a folder with no match fails the run with the place to look at."""
    with pytest.raises(PermanentSourceError, match=r"cannot read .*missing\.csv"):
        RoadmapSource(config(tmp_path / "missing.csv")).poll(None)
    folder = RoadmapSourceConfig.model_validate(
        {"name": "folder", "format": "aha_csv", "folder": tmp_path, "pattern": "*.csv"}
    )
    with pytest.raises(PermanentSourceError, match=r"no file matching '\*.csv'"):
        RoadmapSource(folder).poll(None)


def test_file_of_hundreds_of_megabytes_is_refused_before_reading(tmp_path: Path) -> None:
    """A 300 MB export over the default 256 MiB cap is fatal, naming its size and the limit.

    The file is sparse: it takes no disk space and the refusal reads none of it.
    """
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(PRODUCTBOARD_HEADER.encode() + b"\r\n")
        handle.truncate(300 * 1024 * 1024)
    snapshot = RoadmapSource(config(path)).poll(None)
    assert snapshot is not None
    assert snapshot.fatal == (
        f"{path} is {300 * 1024 * 1024} bytes, over the limit of {256 * 1024 * 1024} bytes; "
        "raise max_bytes for this source if the export is expected to be this large"
    )


def test_file_growing_past_the_cap_while_read_is_refused(tmp_path: Path) -> None:
    """The cap is enforced on the bytes read too, not only on the size announced."""
    path = tmp_path / "export.csv"
    _write(path, 1, 2, 3)
    snapshot = RoadmapSource(config(path, max_bytes=100)).poll(None)
    assert snapshot is not None
    assert snapshot.fatal is not None
    assert "over the limit of 100 bytes" in snapshot.fatal


def test_tens_of_megabytes_stream_with_memory_bounded_by_items_not_file_size(
    tmp_path: Path,
) -> None:
    """A 24 MB export with 60 KB description cells peaks far below its own size in memory."""
    header = PRODUCTBOARD_HEADER + ",Description"
    description = "lorem ipsum " * 5_000
    path = tmp_path / "large.csv"
    rows = 400
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\r\n")
        for n in range(rows):
            handle.write(ROW.format(n=n + 1) + f",{description}\r\n")
    size = path.stat().st_size
    assert size > 20 * 1024 * 1024
    tracemalloc.start()
    try:
        snapshot = RoadmapSource(config(path)).poll(None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert snapshot is not None
    assert len(snapshot.items) == rows
    assert snapshot.rejected == ()
    assert len(snapshot.items[0].raw["Description"]) == 1024
    assert peak < size / 4
