"""The results document judges whole commands against the targets of its store."""

from __future__ import annotations

import pytest

from bench.plan import Outcome
from bench.report import render


def _outcome(syncd_seconds: float) -> Outcome:
    """One organisation where the raw script takes 10 s and syncd *syncd_seconds*."""
    outcome = Outcome("cloud", 20_000, 100)
    run = {"peak_rss_mb": 60.0, "cpu_seconds": 1.0, "span_seconds": 5.0, "pages": 200}
    outcome.add("raw", {**run, "seconds": 10.0})
    outcome.add("syncd", {**run, "seconds": syncd_seconds})
    outcome.add("naive", {**run, "seconds": 4 * syncd_seconds})
    return outcome


def _full_sync_row(document: str) -> str:
    table = document.split("## Full sync, whole command", 1)[1]
    return next(line for line in table.splitlines() if line.startswith("| cloud"))


@pytest.mark.parametrize(
    ("store", "syncd_seconds", "verdict"),
    [
        ("SQLite 3.40.1 (WAL)", 15.0, "1.50 (OK)"),
        ("SQLite 3.40.1 (WAL)", 15.1, "1.51 (missed)"),
        ("PostgreSQL 15.8", 22.0, "2.20 (OK)"),
        ("PostgreSQL 15.8", 22.1, "2.21 (missed)"),
    ],
)
def test_the_ceiling_ratio_is_judged_against_the_stores_own_target(
    store: str, syncd_seconds: float, verdict: str
) -> None:
    document = render(
        [_outcome(syncd_seconds)], "python -m bench", "one run", {}, store, machine=[]
    )

    assert f"| {verdict} |" in _full_sync_row(document)
    assert "| 4.0x (OK) |" in document  # the naive script took four times as long
