"""The service cycle the benchmark times is the one that wrote the edits."""

from __future__ import annotations

import json
from pathlib import Path

from bench.runner import _next_cycle


def _line(event: str, at: str, **fields: object) -> str:
    return json.dumps({"event": event, "timestamp": f"2026-12-07T10:00:{at}Z", **fields})


def test_a_cycle_that_only_read_the_overlap_again_is_not_the_one_timed(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    before = _line("refreshed", "00.0", issues_read=100_000)
    overlap = {"issues_fetched": 1000, "issues_inserted": 0, "issues_updated": 0}
    wrote = {"issues_fetched": 1000, "issues_inserted": 0, "issues_updated": 1000}
    log.write_text(
        "\n".join(
            [
                before,
                _line("sync_run", "01.0", duration_s=0.5, **overlap),
                _line("refreshed", "01.1", issues_read=0),
                "not an event",
                _line("sync_run", "03.0", duration_s=0.7, **wrote),
                _line("refreshed", "03.5", issues_read=1000),
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    cycle = _next_cycle(log, seen=1, timeout=1)

    assert cycle["issues_read"] == 1000
    assert cycle["sync_seconds"] == 0.7
    assert abs(cycle["refresh_seconds"] - 0.5) < 1e-9
    assert abs(cycle["seconds"] - 1.2) < 1e-9
