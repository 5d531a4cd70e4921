"""``render_report``: shares against bands per team, as a table or as stable JSON."""

from __future__ import annotations

import json
from datetime import date

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
    for cell in ("25.0%", "40.0% to 60.0%", "-15.0 pp", "1.0 issues", "below"):
        assert cell in line
    assert "team checkout" not in text


@pytest.mark.parametrize(("team", "window"), [("nobody", None), (None, "7d")])
def test_unknown_team_or_window_is_refused_with_the_known_values(
    team: str | None, window: str | None
) -> None:
    """A typo gets the list of valid names, not an empty report."""
    with pytest.raises(ValueError, match="known: "):
        render_report(_snapshot(), team=team, window=window)


def _row_line(text: str, subject: str, window: str = "30d") -> str:
    return next(x for x in text.splitlines() if f" {window} " in x and f" {subject} " in x)


def test_one_sided_bands_read_as_at_least_and_at_most() -> None:
    """A minimum-only band prints ``≥ 10.0%``, a maximum-only one ``≤ 70.0%``."""
    items = [item(TECH, "tech_debt"), *(item(PRODUCT) for _ in range(3))]
    bands = [
        agreement("debt", category="tech_debt", low=0.1),
        agreement("product", work_class="product", high=0.7),
    ]
    snapshot = compute_snapshot(items, bands, [], {}, config(weightings=("issues",)), NOW)
    text = render_report(snapshot, team="checkout", window="30d")

    assert "≥ 10.0%" in _row_line(text, "technology/tech_debt")
    assert "≤ 70.0%" in _row_line(text, "product")
    assert ".." not in text


def test_a_share_above_its_band_says_by_how_much_it_is_over_not_recovery_zero() -> None:
    """3 of 4 issues are technology under a 40%..60% band: 15 points over."""
    items = [*(item(TECH) for _ in range(3)), item(PRODUCT)]
    bands = [agreement("tech", work_class="technology", low=0.4, high=0.6)]
    snapshot = compute_snapshot(items, bands, [], {}, config(weightings=("issues",)), NOW)
    line = _row_line(render_report(snapshot, team="checkout"), "technology")

    assert "none: 15.0 pp over" in line
    assert "0.0 issues" not in line
    assert "above" in line


def test_json_rows_carry_the_total_behind_each_share() -> None:
    """platform: 1 technology and 3 product issues, so every share of it stands on 4."""
    document = json.loads(render_report(_snapshot(), team="platform", window="30d", fmt="json"))
    rows = document["teams"][0]["shares"]

    assert [(r["work_class"], r["completed"], r["total"]) for r in rows] == [
        ("product", 3.0, 4.0),
        ("technology", 1.0, 4.0),
    ]
    assert all(r["share"] == r["completed"] / r["total"] for r in rows)


def test_the_report_names_the_agreement_applied_and_a_change_inside_the_window() -> None:
    """The band changed on 10 April: inside the quarter (from 1 April) and the 90 days (from
    19 February), before the 30 days (from 20 April)."""
    items = [item(TECH), item(PRODUCT)]
    bands = [
        agreement("tech-2025-q1", work_class="technology", low=0.2, valid_to=date(2025, 4, 10)),
        agreement("tech-2025-q2", work_class="technology", low=0.3, valid_from=date(2025, 4, 10)),
    ]
    snapshot = compute_snapshot(items, bands, [], {}, config(weightings=("issues",)), NOW)
    text = render_report(snapshot, team="checkout")
    lines = [x for x in text.splitlines() if x.startswith("agreement for technology")]

    assert len(lines) == 1
    assert lines[0].startswith(
        "agreement for technology: tech-2025-q2; it changed inside 90d, quarter "
    )
    assert "30d" not in lines[0]
    rows = json.loads(render_report(snapshot, team="checkout", fmt="json"))["teams"][0]["shares"]
    changed = {r["window"] for r in rows if r["agreement_changed"]}
    assert changed == {"90d", "quarter"}


def test_a_team_known_only_from_an_agreement_says_it_has_no_issues_mapped() -> None:
    """No table of n/a rows for a team no issue belongs to."""
    items = [item(TECH), item(PRODUCT)]
    bands = [agreement("sec", work_class="technology", team="security", low=0.5)]
    snapshot = compute_snapshot(items, bands, [], {}, config(weightings=("issues",)), NOW)
    assert "security" in snapshot.teams
    text = render_report(snapshot, team="security")

    assert "team security: no completed or in-progress issues are mapped to it" in text
    assert "n/a" not in text
    assert "team checkout" in render_report(snapshot, team="checkout")
