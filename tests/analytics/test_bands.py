"""Agreed bands: which agreement is in force, drift, recovery needed and forecast."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from syncd.analytics import compute_snapshot
from syncd.analytics.bands import drift, recovery_needed

from .builders import IN_PROGRESS, NOW, PRODUCT, TECH, agreement, config, item, share

_BEFORE = agreement(
    "tech-q2-a", work_class="technology", low=0.2, high=0.4, valid_to=date(2025, 5, 1)
)
_AFTER = agreement(
    "tech-q2-b", work_class="technology", low=0.3, high=0.5, valid_from=date(2025, 5, 1)
)


def _two_in_ten() -> list:  # type: ignore[type-arg]
    """2 technology and 8 product issues done in every window; 3 tech and 1 product in progress."""
    return [
        *(item(TECH) for _ in range(2)),
        *(item(PRODUCT) for _ in range(8)),
        *(item(TECH, status=IN_PROGRESS, resolved=None) for _ in range(3)),
        item(PRODUCT, status=IN_PROGRESS, resolved=None),
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2025, 4, 20, 12, tzinfo=UTC), "tech-q2-a"),
        (datetime(2025, 4, 30, 23, 59, tzinfo=UTC), "tech-q2-a"),
        (datetime(2025, 5, 1, 0, 30, tzinfo=UTC), "tech-q2-b"),
        (NOW, "tech-q2-b"),
    ],
)
def test_an_agreement_changed_mid_quarter_applies_from_its_first_day(
    now: datetime, expected: str
) -> None:
    """The quarter's band is the one in force on the reference day (today): the old one until
    its exclusive ``valid_to``, the new one from its ``valid_from``."""
    snapshot = compute_snapshot(_two_in_ten(), [_AFTER, _BEFORE], [], {}, config(), now)
    row = share(snapshot, "technology", window="quarter")
    assert row.agreement_id == expected
    assert (row.band_min, row.band_max) == ((0.2, 0.4) if expected == "tech-q2-a" else (0.3, 0.5))


def test_recovery_needed_on_a_worked_example() -> None:
    """Tech 2 of 10 (share 0.2) under a 0.3 minimum: drift -0.1, and y = (0.3*10 - 2)/0.7
    = 10/7 more tech issues make (2 + y)/(10 + y) = 0.3."""
    snapshot = compute_snapshot(_two_in_ten(), [_AFTER], [], {}, config(), NOW)
    row = share(snapshot, "technology")
    assert row.share == pytest.approx(0.2)
    assert row.drift == pytest.approx(-0.1)
    assert row.recovery_needed == pytest.approx(10 / 7)
    assert pytest.approx(0.3) == (2 + 10 / 7) / (10 + 10 / 7)
    assert row.status == "below"


def test_forecast_share_counts_work_in_progress_as_done() -> None:
    """(2 + 3 in progress) / (10 + 4 in progress) = 5/14."""
    snapshot = compute_snapshot(_two_in_ten(), [], [], {}, config(), NOW)
    row = share(snapshot, "technology")
    assert (row.completed, row.in_progress) == (2.0, 3.0)
    assert row.forecast_share == pytest.approx(5 / 14)


def test_above_the_band_drifts_positive_and_needs_no_recovery() -> None:
    """Product 0.8 against a [0.5, 0.7] band: drift +0.1, recovery 0."""
    band = agreement("product", work_class="product", low=0.5, high=0.7)
    snapshot = compute_snapshot(_two_in_ten(), [band], [], {}, config(), NOW)
    row = share(snapshot, "product")
    assert row.drift == pytest.approx(0.1)
    assert row.recovery_needed == 0.0
    assert row.status == "above"


def test_team_agreement_overrides_the_org_wide_one_for_that_team_only() -> None:
    """platform has its own 0.5 minimum; checkout and ``all`` keep the org-wide 0.3."""
    org = agreement("org", work_class="technology", low=0.3)
    own = agreement("platform-own", work_class="technology", team="platform", low=0.5)
    items = [item(TECH, team="platform"), item(PRODUCT, team="platform"), item(TECH), item(PRODUCT)]
    snapshot = compute_snapshot(items, [own, org], [], {}, config(), NOW)
    assert {
        team: share(snapshot, "technology", team=team).agreement_id
        for team in ("all", "checkout", "platform")
    } == {"all": "org", "checkout": "org", "platform": "platform-own"}
    assert share(snapshot, "technology", team="platform").drift == 0.0


def test_category_agreements_apply_to_the_category_share() -> None:
    """A tech_debt minimum of 0.25 against 1 tech-debt issue of 10: y = (2.5 - 1)/0.75 = 2."""
    items = [item(TECH, "tech_debt"), item(TECH, "security"), *(item(PRODUCT) for _ in range(8))]
    debt = agreement("debt", category="tech_debt", low=0.25)
    snapshot = compute_snapshot(items, [debt], [], {}, config(), NOW)
    row = share(snapshot, "technology", category="tech_debt")
    assert (row.agreement_id, row.share) == ("debt", 0.1)
    assert row.recovery_needed == pytest.approx(2.0)
    assert share(snapshot, "technology").agreement_id is None


def test_a_team_agreement_names_a_team_even_without_work() -> None:
    """A team known only from its agreement has a band and no share."""
    own = agreement("mobile-own", work_class="technology", team="mobile", low=0.2)
    snapshot = compute_snapshot([item(TECH)], [own], [], {}, config(), NOW)
    row = share(snapshot, "technology", team="mobile")
    assert (row.agreement_id, row.share, row.drift, row.recovery_needed) == (
        "mobile-own",
        None,
        None,
        None,
    )
    assert row.status == "no_data"


@pytest.mark.parametrize(
    ("part", "total", "low", "expected"),
    [
        (0.0, 10.0, 0.5, 10.0),
        (5.0, 10.0, 0.5, 0.0),
        (1.0, 4.0, None, 0.0),
        (1.0, 4.0, 1.0, None),
        (0.0, 0.0, 0.3, None),
    ],
)
def test_recovery_needed_edges(
    part: float, total: float, low: float | None, expected: float | None
) -> None:
    """Nothing done at a 0.5 minimum needs as much again; at the edge or with no minimum
    nothing is needed; a minimum of 1 or an empty window has no answer."""
    assert recovery_needed(part, total, low) == expected


def test_drift_is_measured_from_the_nearest_edge() -> None:
    """Below, inside and above a [0.2, 0.4] band; a one-sided band has one edge."""
    assert [drift(s, 0.2, 0.4) for s in (0.1, 0.3, 0.5)] == pytest.approx([-0.1, 0.0, 0.1])
    assert drift(0.9, 0.2, None) == 0.0
