"""Wide CSV exports: extra columns spliced into every CSV sample, and a column cap drawn
around the resulting width.

An export wider than ``max_columns`` is refused with the cap's message and nothing read;
one at or under it is read as usual. Either way its warnings and its problem stay short,
however many columns are blank, repeated, long, or named like the columns a format looks for.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import SAMPLE_CONFIGS, scaled, tally

from connectors.roadmap import SAMPLES, RoadmapSource
from connectors.roadmap.config import RoadmapSourceConfig

_settings = settings(
    max_examples=scaled(150, 2000),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

CSV_SAMPLES = sorted(name for name in SAMPLE_CONFIGS if name.endswith(".csv"))
# Extra column names: repeated, blank, long, and names the formats look for.
COLUMN_NAMES = st.one_of(
    st.sampled_from(["", "Extra", "extra ", "Feature ID", "Name", "Jira key", "x" * 5000]),
    st.text(max_size=12),
)


@st.composite
def wide_exports(draw: st.DrawFn) -> tuple[str, bytes, int, int]:
    """A CSV sample with extra columns spliced into its header and rows, its width, and a
    column cap drawn around that width."""
    name = draw(st.sampled_from(CSV_SAMPLES))
    delimiter = SAMPLE_CONFIGS[name].get("delimiter", ",")
    text = (SAMPLES / name).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    for _ in range(draw(st.integers(1, 300))):
        position = draw(st.integers(0, len(rows[0])))
        rows[0].insert(position, draw(COLUMN_NAMES))
        for row in rows[1:]:
            row.insert(position, "")
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    width = len(rows[0])
    return name, out.getvalue().encode(), width, max(2, width + draw(st.integers(-3, 3)))


@_settings
@given(case=wide_exports())
def test_a_wide_csv_export_is_refused_over_its_column_cap_and_reports_briefly(
    tmp_path_factory: Any, case: tuple[str, bytes, int, int]
) -> None:
    """Any header over ``max_columns`` refuses the export with the cap's message; under it, the
    export is read as usual. Either way warnings and problems stay short, however many columns
    repeat or are missing."""
    name, content, width, cap = case
    path: Path = tmp_path_factory.mktemp("export") / name
    path.write_bytes(content)
    config = RoadmapSourceConfig.model_validate(
        {"name": "roadmap", "path": path, "max_columns": cap, **SAMPLE_CONFIGS[name]}
    )
    snapshot = RoadmapSource(config).poll(None)
    assert snapshot is not None
    too_wide = f"the header has {width} columns, over the limit of {cap} (max_columns)"
    if width > cap:
        assert snapshot.fatal is not None
        assert snapshot.fatal.startswith(too_wide)
        assert snapshot.items == ()
        tally("bad input: wide CSV exports refused over their column cap")
    else:
        assert "(max_columns)" not in (snapshot.fatal or "")
    assert len(snapshot.warnings) <= 22
    assert all(len(warning) < 500 for warning in snapshot.warnings)
    assert len(snapshot.fatal or "") < 8000
    tally("bad input: wide CSV exports tried")
