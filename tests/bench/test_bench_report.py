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


@pytest.mark.parametrize(("cycle", "verdict"), [(1.0, "5.0% (OK)"), (1.02, "5.1% (missed)")])
def test_the_service_cycle_is_judged_against_a_full_sync(cycle: float, verdict: str) -> None:
    """The running service's cycle after 1% changed is set against the full whole command
    (20 s here), with its sync and refresh parts, what the refresh read and the service's
    peak memory."""
    outcome = _outcome(20.0)
    outcome.cycles = [
        {
            "seconds": cycle,
            "sync_seconds": 0.25,
            "refresh_seconds": cycle - 0.25,
            "issues_read": 200,
            "fetched": 200,
            "edited": 200,
            "service_rss_mb": 181.4,
        }
    ]
    document = render([outcome], "python -m bench", "one run", {}, "SQLite", machine=[])

    row = f"| cloud | 20,000 | 200 | 200 | {cycle:.2f} | 0.25 | {cycle - 0.25:.2f} | 200 "
    assert f"{row}| {verdict} | 181 |" in document
