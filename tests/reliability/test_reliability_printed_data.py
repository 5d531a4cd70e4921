"""Printed data: every data string the CLI prints comes out as the same text.

Roadmap ids, quarantine reasons and excerpts, Jira run errors and team names are data. The
CLI's tables are drawn with rich, which reads ``[/bold]`` as markup (an unbalanced tag raises
``MarkupError`` mid-table) and ``:thumbs_up:`` as an emoji code. Generated strings full of
markup, unbalanced brackets, escapes and emoji codes are put in every data field that
``syncd status``, ``syncd report`` and the live progress line of ``syncd sync`` print: the
tables, the JSON and the line must show each of them verbatim, and the command succeed.
"""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import scaled, tally

from syncd.analytics import compute_snapshot
from syncd.app.sync import PageProgress
from syncd.cli import main
from syncd.cli.progress import page_progress
from syncd.core.domain import RejectedRecord
from syncd.service.config import load_config
from syncd.service.wiring import open_store
from tests.analytics.builders import NOW, PRODUCT, item
from tests.analytics.builders import config as analytics_config

EXAMPLES = scaled(30, 600)
_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Whole tags, half tags, escapes and emoji codes, mixed with any printable text. Control
# characters are left out: they are not markup, and a terminal table cannot show them.
MARKUP = (
    "[/bold]",
    "[red]",
    "[/]",
    "[link=https://example.com/x]",
    "[/link]",
    "[bold",
    "[",
    "]",
    "[]",
    "\\[",
    "\\",
    "[/red][red]",
    "[@click=quit]",
    "[on blue]",
    ":thumbs_up:",
    ":smile:",
    "'",
)
hostile = (
    st.lists(
        st.one_of(
            st.sampled_from(MARKUP),
            st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))),
        ),
        min_size=1,
        max_size=5,
    )
    .map(lambda parts: "".join(parts)[:60])
    .filter(lambda text: text.strip() != "")
)


def _config(folder: Path) -> Path:
    """A configuration over a store in *folder* (migrated on first use, shared by examples)."""
    path = folder / "syncd.yaml"
    if not path.exists():
        path.write_text(yaml.safe_dump({"store": {"url": f"sqlite:///{folder / 'syncd.db'}"}}))
    return path


def _run(*argv: str) -> str:
    """``syncd ARGV`` in this process; its standard output (the exit code must be 0)."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    assert code == 0, out.getvalue()
    return out.getvalue()


@_settings
@given(error=hostile, reference=hostile, reason=hostile, excerpt=hostile)
def test_status_prints_run_errors_and_quarantined_records_as_text(
    tmp_path: Path, error: str, reference: str, reason: str, excerpt: str
) -> None:
    """A failed run's error and an export's quarantined row, full of markup: the table and the
    JSON show each string exactly as stored."""
    config = _config(tmp_path)
    store = open_store(load_config(config))
    record = RejectedRecord("pb", reference, reason, excerpt)
    store.replace_roadmap_items("pb", [], [record], content_hash="sha256:" + "0" * 64)
    store.finish_run(store.begin_run("acme", "incremental"), "failure", error=error)

    table = _run("status", "--config", str(config), "--rejected", "1")
    document = json.loads(_run("status", "--config", str(config), "--format", "json"))

    assert f"failure: {error}" in table
    assert reference in table
    assert reason in table
    assert document["sources"][0]["last_run"]["error"] == error
    quarantined = document["quarantined"][0]
    assert (quarantined["reference"], quarantined["reason"], quarantined["excerpt"]) == (
        reference,
        reason,
        excerpt,
    )
    tally("printed data: status outputs with generated markup")


@_settings
@given(teams=st.lists(hostile, min_size=1, max_size=3, unique=True))
def test_report_prints_team_names_as_text(tmp_path: Path, teams: list[str]) -> None:
    """Team names come from Jira (a team field, a project): the report names each exactly."""
    config = _config(tmp_path)
    items = [item(PRODUCT, team=team) for team in teams]
    snapshot = compute_snapshot(items, [], [], {}, analytics_config(weightings=("issues",)), NOW)
    open_store(load_config(config)).save_snapshot(NOW, snapshot.to_dict(), keep=1)

    table = _run("report", "--config", str(config))
    document = json.loads(_run("report", "--config", str(config), "--format", "json"))

    for team in teams:
        assert f"team {team}" in table
    assert sorted(entry["team"] for entry in document["teams"]) == sorted(["all", *teams])
    tally("printed data: report outputs with generated markup")


class _Terminal(io.StringIO):
    """A standard error that says it is a terminal, so the live progress line is drawn."""

    def isatty(self) -> bool:
        return True


@_settings
@given(partition=hostile)
def test_the_progress_line_prints_partition_names_as_text(
    monkeypatch: pytest.MonkeyPatch, partition: str
) -> None:
    """The live line of ``syncd sync`` on a terminal shows the partition being read verbatim."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("COLUMNS", "300")
    with page_progress() as on_page:
        on_page(PageProgress("acme", partition, 1, 40))
    assert f"acme: 40 issues in 1 pages (now {partition})" in terminal.getvalue()
    tally("printed data: progress lines with generated markup")
