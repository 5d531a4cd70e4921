"""``syncd backfill`` over a synced organisation in a real store (SQLite and PostgreSQL).

Each step equals ``syncd report --as-of`` for its day; the document is the live exposition's
series, timestamped, one step after the other, ending ``# EOF``; bad ranges exit 2 listing
every problem.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics.exposition import generate_latest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

import mappings.examples
from syncd.analytics import AnalyticsConfig, WindowConfig
from syncd.analytics.settings import CalendarConfig, CapacityConfig, TeamCalendarConfig
from syncd.app.as_of import StoredContext, end_of, snapshot_as_of
from syncd.app.backfill import BackfillRange, backfill_snapshots
from syncd.app.mapping_files import MappingFiles, load_mapping_files
from syncd.cli import main
from syncd.metrics import SnapshotCollector
from syncd.metrics.snapshot_families import CATALOGUE
from syncd.service.config import Config, load_config
from syncd.store import Store, create_store_engine, upgrade
from tests.backfill.same_figures import assert_same_figures, assert_sweep_equals_from_scratch
from tests.integration.sync_support import ORG_NOW, make_rig

EXAMPLES = Path(mappings.examples.__file__).parent
FIRST, LAST = date(2026, 9, 20), date(2026, 10, 19)
STEP_START = b"# HELP " + CATALOGUE[0].name.encode() + b" "


@dataclass
class Synced:
    """A store holding a synced organisation (issues and histories), its configuration and
    mapping files."""

    store: Store
    config: Config
    files: MappingFiles


def _config(folder: Path, store_url: str) -> Config:
    path = folder / "syncd.yaml"
    mapping = {name: str(EXAMPLES / f"{name}.yaml") for name in ("rules", "okrs", "teams")}
    mapping["agreements"] = str(EXAMPLES / "agreements.yaml")
    path.write_text(yaml.safe_dump({"store": {"url": store_url}, "mappings": mapping}))
    return load_config(path)


@pytest.fixture
def synced(database_url: str, tmp_path: Path) -> Synced:
    """300 issues of the emulated organisation synced with their histories."""
    rig = make_rig(database_url, "cloud", issues=300)
    try:
        rig.engine.sync(rig.source, full=True)
    finally:
        rig.emulator.stop()
    config = _config(tmp_path, database_url)
    assert sum(1 for _, changes in rig.store.iter_issue_histories() if changes) > 100
    assert end_of(LAST) < ORG_NOW, "the backfilled range lies in the organisation's past"
    return Synced(rig.store, config, load_mapping_files(config.mapping_paths()))


def test_every_step_equals_the_as_of_report_of_its_day(synced: Synced) -> None:
    """Replaying the histories forward gives, step by step, the very snapshot that
    ``syncd report --as-of`` computes from the store for that day."""
    span = BackfillRange(FIRST, LAST, timedelta(days=1))
    found = list(
        backfill_snapshots(synced.store, synced.files, synced.config.analytics, span.moments())
    )

    days = [FIRST + timedelta(days=n) for n in range(len(span))]
    assert [s.computed_at for s in found] == [end_of(day) for day in days]
    expected = [
        snapshot_as_of(synced.store, synced.files, synced.config.analytics, day) for day in days
    ]
    for one, other in zip(found, expected, strict=True):
        assert_same_figures(one, other)
    assert len({s.shares for s in found}) > 1, "the organisation's past should move"


def test_every_day_of_five_months_equals_the_as_of_figures_under_other_windows(
    synced: Synced,
) -> None:
    """Across two quarter ends, with short and odd rolling windows and capacity calendars
    in other time zones (with a holiday), every daily step of the sweep equals the as-of
    computation from scratch for that day."""
    analytics = AnalyticsConfig(
        windows=(
            WindowConfig(name="7d", kind="rolling", days=7),
            WindowConfig(name="quarter", kind="quarter"),
            WindowConfig(name="45d", kind="rolling", days=45),
        ),
        capacity=CapacityConfig(
            calendar=CalendarConfig(holidays=(date(2026, 8, 3),)),
            teams={
                "platform": TeamCalendarConfig(timezone="America/Los_Angeles"),
                "mobile": TeamCalendarConfig(timezone="Australia/Sydney"),
            },
        ),
    )
    span = BackfillRange(date(2026, 6, 1), date(2026, 10, 31), timedelta(days=1))
    stored = list(synced.store.iter_issue_histories())
    context = StoredContext.read(synced.store)

    compared = assert_sweep_equals_from_scratch(
        stored, context, synced.files, analytics, span.moments()
    )

    assert compared == len(span) == 153


def _series(text: bytes) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    families = text_string_to_metric_families(text.decode())
    return {(s.name, frozenset(s.labels.items())) for f in families for s in f.samples}


def _live_scrape_series(synced: Synced, day: date) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    snapshot = snapshot_as_of(synced.store, synced.files, synced.config.analytics, day)
    registry = CollectorRegistry()
    registry.register(SnapshotCollector(lambda: snapshot))
    return _series(generate_latest(registry))  # type: ignore[no-untyped-call]


def test_the_document_is_the_live_series_timestamped_step_after_step(
    synced: Synced, tmp_path: Path
) -> None:
    """Names and label sets of every step equal a live scrape of that day's snapshot (plus
    the label asked for); every sample is stamped with its step's end in whole seconds;
    one ``# EOF`` ends the document; promtool's lint passes each step."""
    output = tmp_path / "history.om"
    config_file = str(synced.config.path)
    code = main(
        [
            "backfill",
            f"--config={config_file}",
            "--from=2026-10-10",
            "--to=2026-10-13",
            "--label=job=syncd",
            f"--output={output}",
        ]
    )

    assert code == 0
    text = output.read_bytes()
    assert text.endswith(b"\n# EOF\n")
    assert text.count(b"# EOF") == 1
    steps = [STEP_START + part for part in text.removesuffix(b"# EOF\n").split(STEP_START)[1:]]
    days = [date(2026, 10, 10) + timedelta(days=n) for n in range(4)]
    assert len(steps) == len(days)
    for day, step in zip(days, steps, strict=True):
        samples = [line for line in step.splitlines() if not line.startswith(b"#")]
        stamps = {line.rsplit(b" ", 1)[1] for line in samples}
        assert stamps == {str(int(end_of(day).timestamp())).encode()}
        live = {
            (name, labels | {("job", "syncd")}) for name, labels in _live_scrape_series(synced, day)
        }
        assert _series(step + b"# EOF\n") == live
        _promtool_lint(step)


def _promtool_lint(step: bytes) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus')")
    checked = subprocess.run(  # noqa: S603 - fixed arguments
        [promtool, "check", "metrics"], input=step, capture_output=True, timeout=60, check=False
    )
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, b"")


def _backfill(config: Config, *options: str) -> int:
    return main(["backfill", f"--config={config.path}", *options])


def test_a_reversed_range_that_also_overlaps_the_live_period_is_refused_with_both_problems(
    synced: Synced, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    output = tmp_path / "history.om"
    code = _backfill(
        synced.config,
        f"--from={tomorrow + timedelta(days=3)}",
        f"--to={tomorrow}",
        f"--output={output}",
    )

    assert code == 2
    message = capsys.readouterr().err
    assert "cannot backfill this range" in message
    assert f"--from: {tomorrow + timedelta(days=3)} is after --to {tomorrow}" in message
    assert f"--to: {tomorrow} overlaps the live period" in message
    assert not output.exists()


def test_the_default_end_leaves_the_live_period_out(
    synced: Synced, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --to, the last step ends at least three hours before now."""
    output = tmp_path / "history.om"
    first = datetime.now(UTC).date() - timedelta(days=3)
    assert _backfill(synced.config, f"--from={first}", "--step=1d", f"--output={output}") == 0
    stamps = re.findall(rb" (\d+)$", output.read_bytes(), re.M)
    latest = datetime.fromtimestamp(max(int(s) for s in stamps), UTC)
    assert latest <= datetime.now(UTC) - timedelta(hours=3)
    assert latest >= datetime.now(UTC) - timedelta(days=1, hours=3)
    assert "next: promtool tsdb create-blocks-from openmetrics" in capsys.readouterr().err


def test_an_empty_store_is_refused(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, database_url)
    upgrade(create_store_engine(database_url))
    output = tmp_path / "history.om"

    code = _backfill(config, "--from=2026-01-01", "--to=2026-01-31", f"--output={output}")

    assert code == 2
    assert "store: holds no issues" in capsys.readouterr().err
    assert not output.exists()


def test_a_label_that_a_series_already_has_is_refused(
    synced: Synced, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _backfill(
        synced.config,
        "--from=2026-10-01",
        "--to=2026-10-02",
        "--label=team=x",
        "--label=oops",
        f"--output={tmp_path / 'h.om'}",
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "'team' is reserved or a series label" in err
    assert "'oops' is not NAME=VALUE" in err


def _cut_evenly(parts: int) -> Callable[..., list[tuple[datetime, ...]]]:
    def cut(moments: Sequence[datetime], created: object, jobs: int) -> list[tuple[datetime, ...]]:
        size = -(-len(moments) // parts)
        return [tuple(moments[n : n + size]) for n in range(0, len(moments), size)]

    return cut


def test_parts_computed_side_by_side_join_into_the_document_of_one_process(
    synced: Synced, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three processes, each starting from scratch at its first step, write the bytes one
    process writes step after step; no part file is left beside the document."""
    options = ("--from=2026-09-20", "--to=2026-10-19", "--label=job=syncd")
    alone, side_by_side = tmp_path / "alone.om", tmp_path / "parts" / "side.om"
    side_by_side.parent.mkdir()
    assert _backfill(synced.config, *options, "--jobs=1", f"--output={alone}") == 0
    monkeypatch.setattr("syncd.service.backfill.balanced_parts", _cut_evenly(3))

    assert _backfill(synced.config, *options, "--jobs=3", f"--output={side_by_side}") == 0

    assert side_by_side.read_bytes() == alone.read_bytes()
    assert [path.name for path in side_by_side.parent.iterdir()] == ["side.om"]


def test_a_failing_part_stops_the_backfill_and_leaves_no_file(
    synced: Synced,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def backwards(moments: Sequence[datetime], created: object, jobs: int) -> list[Any]:
        return [tuple(moments[:2]), tuple(reversed(moments[2:]))]

    monkeypatch.setattr("syncd.service.backfill.balanced_parts", backwards)
    output = tmp_path / "history.om"

    code = _backfill(synced.config, "--from=2026-10-01", "--to=2026-10-04", f"--output={output}",
                     "--jobs=2")  # fmt: skip

    assert code == 1
    assert "part 2 of 2 failed: ValueError: the replay stands at" in capsys.readouterr().err
    assert not output.exists()
    assert not [path.name for path in tmp_path.iterdir() if path.name.startswith(".")]
