"""Whole-command measurement: what a process and its children cost, and the contenders'
scripts doing the work they stand for."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.plan import fetch_spec
from bench.runner import PROJECTS, write_config
from bench.whole import naive_script, raw_script, syncd_sync_once, whole_command
from connectors.jira.emulator import JiraEmulator, generate_organisation
from connectors.jira.jql import PAGE_ORDER

_ISSUES = 230  # pages of 50: more than one page per project, the last one short


@pytest.fixture(params=["cloud", "datacenter"])
def served(request: pytest.FixtureRequest) -> Iterator[JiraEmulator]:
    """A small organisation in either mode, dated an hour back."""
    org = generate_organisation(issues=_ISSUES, seed=11, now=datetime.now(UTC) - timedelta(hours=1))
    with JiraEmulator(org, request.param) as running:
        yield running


def test_a_command_is_charged_the_memory_and_cpu_of_the_children_it_waits_for(
    tmp_path: Path,
) -> None:
    child = (
        "import time; held = bytearray(150 * 2**20); began = time.process_time()\n"
        "while time.process_time() - began < 0.3: pass"
    )
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"

    run = whole_command([sys.executable, "-c", parent], tmp_path)

    assert run["peak_rss_mb"] >= 150
    assert run["cpu_seconds"] >= 0.3
    assert run["seconds"] >= run["cpu_seconds"] - 0.05  # one busy process: wall covers CPU


def test_a_command_that_fails_raises_with_what_it_wrote_to_stderr(tmp_path: Path) -> None:
    failing = "import sys; sys.stderr.write('the reason\\n'); sys.exit(3)"
    with pytest.raises(RuntimeError, match=r"exited 3:\nthe reason"):
        whole_command([sys.executable, "-c", failing], tmp_path)


def test_the_raw_script_fetches_every_issue_in_the_pages_a_sync_asks_for(
    served: JiraEmulator, tmp_path: Path
) -> None:
    spec = fetch_spec(served.url, served.mode, 50)

    run = raw_script(spec, tmp_path)

    assert run["issues"] == _ISSUES
    assert run["pages"] >= len(PROJECTS) + 1
    assert 0 < run["span_seconds"] <= run["seconds"]


def test_the_naive_script_stores_every_issue_once(served: JiraEmulator, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'naive.db'}"
    scope = ", ".join(f'"{key}"' for key in PROJECTS)
    spec = {
        **fetch_spec(served.url, served.mode, 50),
        "jql": f"project in ({scope}) {PAGE_ORDER}",
        "database": database,
    }

    run = naive_script(spec, tmp_path)

    engine = create_engine(database)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*), count(DISTINCT id) FROM naive_issues")
        ).one()
    engine.dispose()
    assert (run["issues"], *stored) == (_ISSUES, _ISSUES, _ISSUES)


def test_syncd_sync_once_is_timed_whole_with_its_sync_span_inside(
    served: JiraEmulator, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'syncd.db'}"
    config = write_config(tmp_path, served.url, store, page_size=50)

    run = syncd_sync_once(config, tmp_path)

    assert 0 < run["span_seconds"] < run["seconds"]
    assert run["peak_rss_mb"] > 0
    engine = create_engine(store)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM issues")).scalar_one()
    engine.dispose()
    assert stored == _ISSUES
