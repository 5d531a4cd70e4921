"""Stream-parse a CSV export row by row: good rows become items, bad rows are quarantined.

Memory stays bounded by the number of items, not the size of the file: rows are read one at
a time, raw cells are kept cut to ``RAW_CELL_CHARS``, and a field longer than
``csv.field_size_limit()`` (128 KiB by default; this module never raises it) quarantines its
row instead of growing without limit. A header wider than ``max_columns`` refuses the whole
export before any row is read, and resolving a header is linear in its width: a wide export
costs time in proportion to its size. Each rejected row names its first line, the reason
and how to fix it. Cells are never evaluated: a ``=HYPERLINK(…)`` cell is kept as its text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from connectors.roadmap.columns import ColumnMap, HeaderProblem, resolve_header
from connectors.roadmap.config import RoadmapSourceConfig
from connectors.roadmap.decoding import open_text
from connectors.roadmap.parsed import Parsed
from connectors.roadmap.records import RAW_CELL_CHARS, Collector, build_item
from syncd.core.errors import RecordError

if TYPE_CHECKING:
    from _csv import Reader

__all__ = ["parse_csv"]

_TAP_CHARS = 2048


class _LineTap:
    """Feeds lines to ``csv.reader`` and remembers the start of the record being read."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._parts: list[str] = []
        self._kept = 0

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if self._kept < _TAP_CHARS:
            part = line[: _TAP_CHARS - self._kept]
            self._parts.append(part)
            self._kept += len(part)
        return line

    def take(self) -> str:
        """The text of the record just read (bounded), and start afresh."""
        text = "".join(self._parts).rstrip("\r\n")
        self._parts, self._kept = [], 0
        return text


def parse_csv(stream: BinaryIO, encoding: str, config: RoadmapSourceConfig) -> Parsed:
    """Parse a CSV export in *encoding* as *config*'s format describes."""
    tap = _LineTap(iter(open_text(stream, encoding)))
    reader = csv.reader(tap, delimiter=config.delimiter, strict=True)
    try:
        header = _header(reader, tap)
    except (csv.Error, UnicodeDecodeError) as error:
        return Parsed(fatal=f"the header row cannot be read: {error}")
    if header is None:
        return Parsed(fatal="the export is empty: no header row (the last good state is kept)")
    if len(header) > config.max_columns:
        return Parsed(fatal=_too_wide(len(header), config.max_columns))
    columns = resolve_header(header, config.format, config.columns)
    if isinstance(columns, HeaderProblem):
        return Parsed(fatal=str(columns))
    collector = Collector(config.name)
    try:
        rows = _Rows(reader, tap, header, columns, config, collector).read()
    except UnicodeDecodeError as error:
        return Parsed(fatal=f"the export cannot be decoded after line {reader.line_num}: {error}")
    return _outcome(collector, rows, columns.warnings, config)


def _header(reader: Reader, tap: _LineTap) -> list[str] | None:
    for row in reader:
        tap.take()
        if len(row) == 1 and row[0].lower().startswith("sep="):
            continue  # Excel's delimiter hint line
        if any(cell.strip() for cell in row):
            return row
    return None


@dataclass(slots=True)
class _Rows:
    """The data rows of one CSV export, read into ``collector``."""

    reader: Reader
    tap: _LineTap
    header: list[str]
    columns: ColumnMap
    config: RoadmapSourceConfig
    collector: Collector

    def read(self) -> int:
        """Read every data row; return how many records (non-blank rows) were seen."""
        line_num, seen = self.reader.line_num, 0
        while True:
            reference = f"line {line_num + 1}"
            try:
                row = next(self.reader)
            except StopIteration:
                return seen
            except csv.Error as error:
                seen += 1
                self.collector.reject(reference, _csv_reason(error, self.reader), self.tap.take())
                line_num = self.reader.line_num
                continue
            line_num = self.reader.line_num
            text = self.tap.take()
            if any(cell.strip() for cell in row):  # a blank line is not a record
                seen += 1
                self._row(row, reference, text)

    def _row(self, row: list[str], reference: str, text: str) -> None:
        if len(row) != self.columns.width:
            reason = (
                f"the row has {len(row)} cells but the header has {self.columns.width}: a "
                "separator or a quote is probably missing or extra"
            )
            self.collector.reject(reference, reason, text)
            return
        raw = {
            name: cell[:RAW_CELL_CHARS] for name, cell in zip(self.header, row, strict=True) if cell
        }
        try:
            item = build_item(
                self.config.name,
                self.columns.cells(row),
                default_type=self.columns.implied_type or self.config.default_type,
                date_formats=self.config.date_formats,
                raw=raw,
            )
        except RecordError as error:
            self.collector.reject(reference, str(error), text)
            return
        self.collector.add(item, reference, text)


def _too_wide(width: int, limit: int) -> str:
    return (
        f"the header has {width} columns, over the limit of {limit} (max_columns); the last "
        "good state is kept. Remove unused columns from the export, or raise max_columns for "
        "this source if it is expected to be this wide"
    )


def _csv_reason(error: csv.Error, reader: Reader) -> str:
    end = reader.line_num
    detail = str(error)
    if "field larger than field limit" in detail:
        detail += " (a quote is probably not closed, or a cell is too large)"
    return f"malformed CSV (read up to line {end}): {detail}"


def _outcome(
    collector: Collector, rows: int, warnings: tuple[str, ...], config: RoadmapSourceConfig
) -> Parsed:
    fatal = None
    if rows == 0 and not config.allow_empty:
        fatal = (
            "the export has a header but no rows; refusing to clear the roadmap "
            "(set allow_empty: true if an empty roadmap is expected)"
        )
    elif rows and not collector.items:
        fatal = f"none of the {rows} rows could be read; see the quarantined records"
    return Parsed(
        items=tuple(collector.items),
        rejected=tuple(collector.rejected),
        warnings=warnings,
        fatal=fatal,
    )
