"""Time and peak memory of one poll of a wide Productboard CSV export.

Run: ``.venv/bin/python -m bench.wide_export [--columns N] [--rows N] [--repeated]
[--max-columns N]``. Writes the export into a temporary folder (the header's extra columns
are named ``c0``, ``c1``… or, with ``--repeated``, all ``extra``; every cell holds ``x``),
then polls it once as a fresh source and prints the seconds, the peak resident memory of the
process and the outcome. Without ``--max-columns`` the source's default cap applies, so a
header over it measures the refusal; a larger ``--max-columns`` measures reading it.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from connectors.roadmap import RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig

_HEADER = "Feature ID,Feature name"


def _write(path: Path, columns: int, rows: int, *, repeated: bool) -> None:
    extra = columns - 2
    names = ("extra" if repeated else f"c{n}" for n in range(extra))
    cells = "," + ",".join("x" for _ in range(extra))
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(_HEADER + "," + ",".join(names) + "\r\n")
        for row in range(rows):
            handle.write(f"pb-{row},Feature {row}{cells}\r\n")


def main(argv: list[str] | None = None) -> None:
    """Write the export the arguments describe, poll it once, print what it cost."""
    parser = argparse.ArgumentParser(prog="python -m bench.wide_export", description=__doc__)
    parser.add_argument("--columns", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=30)
    parser.add_argument("--repeated", action="store_true", help="one name for the extra columns")
    parser.add_argument("--max-columns", type=int, default=None, help="the source's column cap")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wide.csv"
        _write(path, args.columns, args.rows, repeated=args.repeated)
        cap = {} if args.max_columns is None else {"max_columns": args.max_columns}
        config = RoadmapSourceConfig(name="pb", format="productboard_csv", path=path, **cap)
        started = time.perf_counter()
        snapshot = RoadmapSource(config).poll(None)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    assert snapshot is not None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    outcome = f"refused: {snapshot.fatal}" if snapshot.fatal else f"{len(snapshot.items)} items"
    shape = f"{args.columns} columns x {args.rows} rows, {size / 1e6:.1f} MB"
    print(f"{shape}: {seconds:.2f} s, peak RSS {peak} MB, {outcome}")


if __name__ == "__main__":
    main()
