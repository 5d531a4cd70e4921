"""The backfill's range and its replay of histories, without a store."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.analytics.history import issue_as_of
from syncd.app.backfill import (
    BackfillRange,
    HistoryReplay,
    balanced_parts,
    default_last_day,
    plan_backfill,
)
from syncd.core.domain import Issue
from syncd.core.errors import ConfigError
from tests.analytics.capacity_builders import CREATED, Story, at


def test_steps_end_at_each_midnight_or_each_step_of_the_range() -> None:
    days = BackfillRange(date(2026, 3, 1), date(2026, 3, 3), timedelta(days=1))
    quarters = BackfillRange(date(2026, 3, 1), date(2026, 3, 1), timedelta(hours=6))

    assert list(days.moments()) == [datetime(2026, 3, d, tzinfo=UTC) for d in (2, 3, 4)]
    assert list(quarters.moments()) == [
        datetime(2026, 3, 1, h, tzinfo=UTC) for h in (6, 12, 18)
    ] + [datetime(2026, 3, 2, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("now", "last"),
    [
        (datetime(2026, 5, 20, 2, 59, tzinfo=UTC), date(2026, 5, 18)),
        (datetime(2026, 5, 20, 3, 0, tzinfo=UTC), date(2026, 5, 19)),
        (datetime(2026, 5, 20, 23, 0, tzinfo=UTC), date(2026, 5, 19)),
    ],
)
def test_the_default_last_day_ends_three_hours_before_now_at_the_latest(
    now: datetime, last: date
) -> None:
    assert default_last_day(now) == last


def test_every_problem_of_a_range_is_listed_at_once() -> None:
    now = datetime(2026, 5, 20, 12, tzinfo=UTC)
    with pytest.raises(ConfigError) as raised:
        plan_backfill(date(2026, 5, 21), date(2026, 5, 20), timedelta(seconds=90), now, 0)

    assert [str(problem) for problem in raised.value.problems] == [
        "backfill: --from: 2026-05-21 is after --to 2026-05-20",
        "backfill: --to: 2026-05-20 overlaps the live period: Prometheus is still writing the "
        "last 3 hours; the latest day allowed now is 2026-05-19",
        "backfill: --step: 0:01:30 is not a positive whole number of minutes",
        "backfill: store: holds no issues: sync Jira first (`syncd sync --once`)",
    ]


def test_a_step_longer_than_the_range_is_refused() -> None:
    now = datetime(2026, 5, 20, 12, tzinfo=UTC)
    with pytest.raises(ConfigError, match="--step: 7 days, 0:00:00 is longer than the range"):
        plan_backfill(date(2026, 5, 1), date(2026, 5, 2), timedelta(days=7), now, 10)


def _stories() -> list[Story]:
    moved = Story("PLAT-1", CREATED, "ann").start(at(2)).move(at(3, 12), "DATA-7").finish(at(4))
    reopened = Story("PLAT-2", CREATED).start(at(2, 10)).finish(at(3)).reopen(at(5, 8))
    later = Story("PLAT-3", at(4, 15), "bob").start(at(4, 16)).assign(at(6), "ann")
    return [moved, reopened, later]


def test_the_replay_rebuilds_each_issue_as_issue_as_of_does() -> None:
    """Forward replay and undoing from the present agree on every field the figures read,
    at every moment: before creation, across moves, resolutions and reopenings."""
    stories = [(story.issue(), tuple(story.changes())) for story in _stories()]
    replay = HistoryReplay(iter(stories))
    for moment in [CREATED - timedelta(hours=1), *(at(day, 0) for day in range(1, 9))]:
        replay.advance(moment)
        expected = [issue_as_of(issue, changes, moment) for issue, changes in stories]
        found = [replay.state(index) for index in range(len(replay))]
        assert [_comparable(i) for i in found] == [_comparable(i) for i in expected]


def test_the_replay_does_not_go_back() -> None:
    replay = HistoryReplay(iter([(s.issue(), tuple(s.changes())) for s in _stories()]))
    replay.advance(at(5))
    with pytest.raises(ValueError, match="cannot go back"):
        replay.advance(at(4))


def _comparable(issue: Issue | None) -> dict[str, object] | None:
    if issue is None:
        return None
    fields = dataclasses.asdict(issue)
    del fields["updated"]  # read by no figure; the replay may hold an earlier step's bound
    return fields


_YEAR = BackfillRange(date(2025, 12, 1), date(2026, 11, 30), timedelta(days=1))


def _grown(issues: int, since: date) -> list[datetime]:
    """Creation times of an organisation that grew evenly from *since* to the range's end."""
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    span = datetime(2026, 12, 1, tzinfo=UTC) - start
    return [start + span * n / issues for n in range(issues)]


@given(
    jobs=st.integers(min_value=1, max_value=6),
    issues=st.integers(min_value=0, max_value=3000),
    since=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 29)),
    days=st.integers(min_value=1, max_value=365),
)
def test_parts_are_the_steps_in_order_cut_into_at_most_jobs_runs(
    jobs: int, issues: int, since: date, days: int
) -> None:
    moments = tuple(_YEAR.moments())[-days:]

    parts = balanced_parts(moments, _grown(issues, since), jobs)

    assert 1 <= len(parts) <= jobs
    assert all(parts)
    assert tuple(moment for part in parts for moment in part) == moments


def test_a_year_of_a_growing_organisation_is_cut_where_the_costs_balance() -> None:
    """The organisation began in April: the early, empty months go with the first part,
    and each later part is shorter, as its steps and its start carry more issues."""
    moments = tuple(_YEAR.moments())

    parts = balanced_parts(moments, _grown(2000, date(2026, 4, 1)), 3)

    assert len(parts) == 3
    assert len(parts[0]) > len(parts[1]) > len(parts[2])
    assert parts[1][0] > datetime(2026, 4, 1, tzinfo=UTC)


def test_a_range_too_short_to_pay_for_another_read_is_not_cut() -> None:
    moments = tuple(_YEAR.moments())

    assert balanced_parts(moments[-7:], _grown(2000, date(2025, 1, 1)), 4) == [moments[-7:]]
    assert balanced_parts(moments, _grown(2000, date(2025, 1, 1)), 1) == [moments]
    assert len(balanced_parts(moments, _grown(2000, date(2025, 1, 1)), 2)) == 2
