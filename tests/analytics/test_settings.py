"""The analytics section of the configuration file."""

from __future__ import annotations

import pytest

from syncd.core.errors import ConfigError
from syncd.service.config import parse_config


def test_defaults_are_30d_90d_quarter_all_weightings_and_500_snapshots() -> None:
    """With no analytics section the documented defaults apply."""
    analytics = parse_config("{}").analytics
    assert [(w.name, w.kind, w.days) for w in analytics.windows] == [
        ("30d", "rolling", 30),
        ("90d", "rolling", 90),
        ("quarter", "quarter", None),
    ]
    assert analytics.weightings == ("capacity", "issues", "story_points", "time_spent")
    assert analytics.capacity.calendar.timezone == "UTC"
    assert analytics.capacity.calendar.working_days == ("mon", "tue", "wed", "thu", "fri")
    assert analytics.snapshot_keep == 500


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("analytics:\n  windows:\n    - {name: 7d, kind: rolling}\n", "needs 'days'"),
        ("analytics:\n  windows:\n    - {name: q, kind: quarter, days: 3}\n", "takes no 'days'"),
        ("analytics:\n  weightings: [issues, issues]\n", "must be unique"),
        ("analytics:\n  weightings: [hours]\n", "weightings"),
        ("analytics:\n  snapshot_keep: 0\n", "snapshot_keep"),
    ],
)
def test_invalid_analytics_settings_are_reported_with_their_place(text: str, message: str) -> None:
    """Each mistake is a ConfigError naming the key."""
    with pytest.raises(ConfigError, match=message) as raised:
        parse_config(text)
    assert "analytics" in str(raised.value)


def test_a_capacity_calendar_names_a_real_time_zone_with_its_place() -> None:
    """An unknown time zone in a team's calendar is refused, placed at its key."""
    text = "analytics:\n  capacity:\n    teams:\n      apac: {timezone: Pacific/Atlantis}\n"
    with pytest.raises(ConfigError) as raised:
        parse_config(text)
    (problem,) = raised.value.problems
    assert problem.where == "analytics.capacity.teams.apac.timezone"
    assert "unknown time zone 'Pacific/Atlantis'" in problem.message
