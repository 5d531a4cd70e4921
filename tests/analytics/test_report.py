"""``render_report``: shares against bands per team, as a table or as stable JSON."""

from __future__ import annotations

import json

import pytest

from syncd.analytics import Snapshot, compute_snapshot
from syncd.cli.report import render_report

from .builders import NOW, PRODUCT, TECH, agreement, config, item


def _snapshot() -> Snapshot:
    items = [
        item(TECH, "tech_debt", team="platform"),
        *(item(PRODUCT, team="platform") for _ in range(3)),
        item(PRODUCT, "feature"),
    ]
    bands = [agreement("tech", work_class="technology", low=0.4, high=0.6)]
    return compute_snapshot(items, bands, [], {}, config(weightings=("issues",)), NOW)


def test_json_report_lists_each_team_with_share_band_drift_recovery_and_forecast() -> None:
    """platform's tech share 1/4 under a 0.4 minimum: drift -0.15, recovery (1.6-1)/0.6 = 1."""
    document = json.loads(render_report(_snapshot(), team="platform", window="30d", fmt="json"))
    assert [team["team"] for team in document["teams"]] == ["platform"]
    rows = {(r["work_class"], r["category"]): r for r in document["teams"][0]["shares"]}
    assert set(rows) == {("product", ""), ("technology", "")}
    tech = rows["technology", ""]
    assert (tech["share"], tech["band_min"], tech["band_max"], tech["status"]) == (
        0.25,
        0.4,
        0.6,
        "below",
    )
    assert tech["drift"] == pytest.approx(-0.15)
    assert tech["recovery_needed"] == pytest.approx(1.0)
    assert tech["forecast_share"] == 0.25
    assert document["teams"][0]["coverage"] == [
        {"window": "30d", "coverage": 1.0, "unclassified": 0.0}
    ]


def test_json_report_is_stable() -> None:
    """The same snapshot renders the same text (sorted keys), whatever the call."""
    snapshot = _snapshot()
    assert render_report(snapshot, fmt="json") == render_report(snapshot, fmt="json")
    assert [t["team"] for t in json.loads(render_report(snapshot, fmt="json"))["teams"]] == [
        "all",
        "checkout",
        "platform",
    ]


def test_table_report_shows_each_team_and_the_figures() -> None:
    """The terminal table names the team, the band, the drift in points and the recovery."""
    text = render_report(_snapshot(), team="platform", window="quarter")
    assert "team platform" in text
    line = next(x for x in text.splitlines() if "technology" in x)
    for cell in ("25.0%", "40.0%..60.0%", "-15.0 pp", "1.0 issues", "below"):
        assert cell in line
    assert "team checkout" not in text


@pytest.mark.parametrize(("team", "window"), [("nobody", None), (None, "7d")])
def test_unknown_team_or_window_is_refused_with_the_known_values(
    team: str | None, window: str | None
) -> None:
    """A typo gets the list of valid names, not an empty report."""
    with pytest.raises(ValueError, match="known: "):
        render_report(_snapshot(), team=team, window=window)
