"""Windows resolve to half-open intervals; completion is counted by ``resolved`` within them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from syncd.analytics import WindowConfig, compute_snapshot, quarter_bounds, resolve_windows

from .builders import NOW, PRODUCT, TECH, config, item, share


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type,misc]


def test_default_windows_at_now_are_rolling_back_from_now_and_the_calendar_quarter() -> None:
    """30d and 90d end at now; the quarter is Apr 1 to Jul 1; every reference day is today."""
    windows = resolve_windows(config().windows, NOW)
    assert [(w.name, w.kind, w.start, w.end, w.reference_day) for w in windows] == [
        ("30d", "rolling", datetime(2025, 4, 20, 12, tzinfo=UTC), NOW, date(2025, 5, 20)),
        ("90d", "rolling", datetime(2025, 2, 19, 12, tzinfo=UTC), NOW, date(2025, 5, 20)),
        (
            "quarter",
            "quarter",
            datetime(2025, 4, 1, tzinfo=UTC),
            datetime(2025, 7, 1, tzinfo=UTC),
            date(2025, 5, 20),
        ),
    ]


@pytest.mark.parametrize(
    ("moment", "start", "end"),
    [
        (_utc(2025, 1, 1), _utc(2025, 1, 1), _utc(2025, 4, 1)),
        (_utc(2025, 3, 31, 23, 59), _utc(2025, 1, 1), _utc(2025, 4, 1)),
        (_utc(2025, 12, 31, 23), _utc(2025, 10, 1), _utc(2026, 1, 1)),
    ],
)
def test_quarter_bounds_are_calendar_quarters_in_utc(
    moment: datetime, start: datetime, end: datetime
) -> None:
    """The quarter holding a moment starts on its first day and ends where the next begins."""
    assert quarter_bounds(moment) == (start, end)


def test_quarter_reference_day_is_today_even_though_the_quarter_ends_later() -> None:
    """The agreement day is min(today, last day inside the window)."""
    (quarter,) = resolve_windows([WindowConfig(name="q", kind="quarter")], NOW)
    assert quarter.reference_day == NOW.date()
    at_midnight = datetime(2025, 7, 1, tzinfo=UTC) - timedelta(microseconds=1)
    (late,) = resolve_windows([WindowConfig(name="q", kind="quarter")], at_midnight)
    assert late.reference_day == date(2025, 6, 30)


def test_resolved_exactly_at_start_is_in_and_exactly_at_end_is_out() -> None:
    """30d = [Apr 20 12:00, now): an issue resolved at the start counts, one at now does not;
    the quarter [Apr 1, Jul 1) holds both but not one resolved an instant before Apr 1."""
    at_start = datetime(2025, 4, 20, 12, tzinfo=UTC)
    before_quarter = datetime(2025, 4, 1, tzinfo=UTC) - timedelta(microseconds=1)
    items = [
        item(PRODUCT, resolved=at_start),
        item(PRODUCT, resolved=NOW),
        item(PRODUCT, resolved=before_quarter),
        item(TECH, resolved=datetime(2025, 4, 25, tzinfo=UTC)),
    ]
    snapshot = compute_snapshot(items, [], [], {}, config(weightings=("issues",)), NOW)
    rolling = share(snapshot, "product", window="30d")
    quarter = share(snapshot, "product", window="quarter")
    assert (rolling.completed, rolling.share) == (1.0, 1 / 2)
    assert (quarter.completed, quarter.share) == (2.0, 2 / 3)
    # 90d = [Feb 19 12:00, now): the start of 30d and the end of Q1 are in, now is out.
    assert share(snapshot, "product", window="90d").completed == 2.0
