"""``syncd status`` shows what was quarantined, with its place and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from syncd.cli import main

HEADER = (
    "Feature reference #,Feature name,Feature status,Feature start date,Feature due date,"
    "Feature team,Epic reference #,Goals,Key result,Feature category,Feature Jira key,"
    "Feature Jira URL\n"
)
GOOD = "PLATRM-1,Fast deploys,In development,2026-04-01,2026-06-30,platform,,,,Platform,PLAT-3,\n"
BAD_DATE = "PLATRM-2,Autoscaling,Ready,2026-13-45,2026-06-30,platform,,,,Platform,PLAT-8,\n"
DUPLICATE = "PLATRM-1,Ten-minute deploys again,Ready,2026-04-01,2026-06-30,platform,,,,Platform,,\n"


def test_status_lists_quarantined_export_rows_with_line_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A roadmap export with a bad date and a duplicate id: the good row is kept, and
    ``syncd status --format json`` names each bad row's line and why it was refused."""
    export = tmp_path / "aha.csv"
    export.write_text(HEADER + GOOD + BAD_DATE + DUPLICATE, encoding="utf-8")
    config = tmp_path / "syncd.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "store": {"url": f"sqlite:///{tmp_path / 'syncd.db'}"},
                "sources": {
                    "roadmaps": [{"name": "aha", "format": "aha_csv", "path": str(export)}]
                },
            }
        ),
        encoding="utf-8",
    )

    assert main(["sync", "--once", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["status", "--config", str(config), "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)

    assert status["roadmaps"] == [
        {
            "source": "aha",
            "items": 1,
            "rejected": 2,
            "content_hash": status["roadmaps"][0]["content_hash"],
            "loaded_at": status["roadmaps"][0]["loaded_at"],
        }
    ]
    places = sorted((r["source"], r["reference"]) for r in status["quarantined"])
    assert places == [("aha", "line 3"), ("aha", "line 4")]
    reasons = " ".join(r["reason"] for r in status["quarantined"]).lower()
    assert "date" in reasons
    assert "duplicate" in reasons
