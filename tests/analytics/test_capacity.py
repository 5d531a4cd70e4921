"""Capacity in person-days, computed by hand on small cases (docs/analytics.md, "Capacity").

Rule under test: each person has one person-day per working day of their home team's
calendar, split evenly across the distinct issues assigned to them and in progress at any
moment of that (local) day; each part goes to the issue's team that day. Week used below:
Mon 2026-11-02 .. Sun 2026-11-08, then Mon 2026-11-09 .. Sun 2026-11-15.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from syncd.analytics import AnalyticsConfig, WindowConfig, compute_snapshot, resolve_windows
from syncd.analytics.capacity import (
    DAY_PARTS,
    EXACT_PARTS,
    CapacityTotals,
    WorkLog,
    part_amount,
    unscaled,
)
from syncd.analytics.history import WorkInterval, work_intervals
from syncd.analytics.rows import Window
from syncd.analytics.settings import CapacityConfig
from syncd.core.domain import Issue

from .capacity_builders import CREATED, Story, at, people_days, person_days_by_key, totals

HALF = Fraction(1, 2)
TEAMS = {"PLAT": "platform", "SHOP": "checkout", "MOB": "mobile", "APAC": "apac"}
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
UNTIL = datetime(2026, 11, 30, tzinfo=UTC)


def d(day: int) -> date:
    return date(2026, 11, day)


def test_two_people_in_one_team_with_overlapping_issues() -> None:
    """Ann: PLAT-1 Mon 09:00-Wed 17:00 and PLAT-2 Tue 10:00-Thu 12:00.
    Mon {1} -> 1; Tue {1,2} -> 1/2 each; Wed {1,2} -> 1/2 each; Thu {2} -> 1. Friday is after
    her last allocated day: not unallocated. PLAT-1 = 1 + 1/2 + 1/2 = 2, PLAT-2 = 2.
    Bob: PLAT-3 Mon 09:00-Fri 12:00 -> 5. Platform technology (PLAT-1, PLAT-3) = 2 + 5 = 7 of
    9 person-days; product (PLAT-2) = 2."""
    one = Story("PLAT-1", CREATED, "ann").start(at(2)).finish(at(4, 17))
    two = Story("PLAT-2", CREATED, "ann").start(at(3, 10)).finish(at(5, 12))
    three = Story("PLAT-3", CREATED, "bob").start(at(2)).finish(at(6, 12))
    stories = [one, two, three]

    people = people_days(stories, TEAMS, UNTIL, (FIRST, LAST))

    assert person_days_by_key(people, stories) == {
        "ann": {
            d(2): {"PLAT-1": 1},
            d(3): {"PLAT-1": HALF, "PLAT-2": HALF},
            d(4): {"PLAT-1": HALF, "PLAT-2": HALF},
            d(5): {"PLAT-2": 1},
        },
        "bob": {d(day): {"PLAT-3": 1} for day in range(2, 7)},
    }
    assert all(p.idle == () for p in people)
    week = Window("week", "rolling", at(2, 0), at(9, 0), d(8))
    subjects = {
        _ref(one): ("technology", "tech_debt"),
        _ref(two): ("product", ""),
        _ref(three): ("technology", ""),
    }
    summed = totals(people, subjects, (week,))
    assert summed.allocated[("platform", "week", ("technology", ""))] == 7.0
    assert summed.allocated[("platform", "week", ("technology", "tech_debt"))] == 2.0
    assert summed.allocated[("platform", "week", ("product", ""))] == 2.0
    assert summed.allocated[("all", "week", ("technology", ""))] == 7.0


def test_capacity_shares_are_person_days_of_classified_work() -> None:
    """The same week as a snapshot: platform's technology share by capacity is 7 of the 9
    classified person-days; unclassified person-days (Ann's PLAT-2 here) leave the
    denominator and show in coverage instead: technology 7 of 7, product 0 of 7."""
    one = Story("PLAT-1", CREATED, "ann").start(at(2)).finish(at(4, 17))
    two = Story("PLAT-2", CREATED, "ann").start(at(3, 10)).finish(at(5, 12))
    three = Story("PLAT-3", CREATED, "bob").start(at(2)).finish(at(6, 12))
    now = at(7, 0)
    settings_ = AnalyticsConfig(
        windows=(WindowConfig(name="week", kind="rolling", days=7),), weightings=("capacity",)
    )
    windows = resolve_windows(settings_.windows, now)
    people = people_days([one, two, three], TEAMS, now, (FIRST, LAST))

    def shares(second: tuple[str, str]) -> dict[tuple[str, str], float | None]:
        subjects = {
            _ref(one): ("technology", ""),
            _ref(two): second,
            _ref(three): ("technology", ""),
        }
        snapshot = compute_snapshot(
            [], [], [], {}, settings_, now, capacity=totals(people, subjects, windows)
        )
        return {(r.team, r.work_class): r.share for r in snapshot.shares if not r.category}

    assert shares(("product", ""))[("platform", "technology")] == 7 / 9
    unclassified = shares(("unclassified", ""))
    assert unclassified[("platform", "technology")] == 1.0
    assert unclassified[("platform", "product")] == 0.0


def test_weekends_and_holidays_hold_no_capacity_and_idle_days_are_unallocated() -> None:
    """Wed 2026-11-11 is a holiday. Cat: PLAT-4 Fri 6 15:00 - Tue 10 11:00 touches Fri, Sat,
    Sun, Mon, Tue; working: Fri, Mon, Tue. PLAT-5 Tue 10 14:00 - Thu 12 10:00: Tue (shared with
    PLAT-4: 1/2 each), Wed (holiday: none), Thu 1. PLAT-6 Mon 16 09:00-12:00: Mon 1.
    PLAT-4 = 1 + 1 + 1/2 = 5/2; PLAT-5 = 1/2 + 1 = 3/2; PLAT-6 = 1. Fri 13 (a working day
    between her first and last allocated days, with nothing in progress) is unallocated: 1."""
    config = CapacityConfig.model_validate({"calendar": {"holidays": ["2026-11-11"]}})
    four = Story("PLAT-4", CREATED, "cat").start(at(6, 15)).finish(at(10, 11))
    five = Story("PLAT-5", CREATED, "cat").start(at(10, 14)).finish(at(12, 10))
    six = Story("PLAT-6", CREATED, "cat").start(at(16)).finish(at(16, 12))

    people = people_days([four, five, six], TEAMS, UNTIL, (FIRST, LAST), config)

    assert person_days_by_key(people, [four, five, six]) == {
        "cat": {
            d(6): {"PLAT-4": 1},
            d(9): {"PLAT-4": 1},
            d(10): {"PLAT-4": HALF, "PLAT-5": HALF},
            d(12): {"PLAT-5": 1},
            d(16): {"PLAT-6": 1},
        }
    }
    (cat,) = people
    assert cat.idle == (d(13),)
    month = Window("month", "rolling", at(1, 0), at(30, 0), d(29))
    summed = totals(people, {_ref(s): ("technology", "") for s in (four, five, six)}, (month,))
    assert summed.allocated[("platform", "month", ("technology", ""))] == 5.0
    assert summed.unallocated[("platform", "month")] == 1.0


def test_time_in_progress_before_a_reopen_counts() -> None:
    """Dan: SHOP-1 Mon 2 09:00-17:00, done; reopened Wed 4 10:00, done Thu 5 12:00.
    Mon 1, Tue idle (unallocated), Wed 1, Thu 1: SHOP-1 = 3 person-days."""
    story = Story("SHOP-1", CREATED, "dan").start(at(2)).finish(at(2, 17))
    story.reopen(at(4, 10)).finish(at(5, 12))

    (dan,) = people_days([story], TEAMS, UNTIL, (FIRST, LAST))

    assert sorted(dan.days) == [d(2), d(4), d(5)]
    assert dan.idle == (d(3),)


def test_a_reassignment_moves_the_remaining_days_to_the_new_assignee() -> None:
    """SHOP-2 in progress Mon 2 09:00 with Eve; reassigned to Finn Wed 4 12:00; done Fri 6
    12:00. Eve: Mon, Tue, Wed = 3. Finn: Wed, Thu, Fri = 3. Wednesday was part of both
    people's days, so each of them counts it: 6 person-days in all."""
    story = Story("SHOP-2", CREATED, "eve").start(at(2)).assign(at(4, 12), "finn")
    story.finish(at(6, 12))

    people = people_days([story], TEAMS, UNTIL, (FIRST, LAST))

    days = person_days_by_key(people, [story])
    assert days == {
        "eve": {d(day): {"SHOP-2": 1} for day in (2, 3, 4)},
        "finn": {d(day): {"SHOP-2": 1} for day in (4, 5, 6)},
    }


def test_a_person_in_utc_plus_14_counts_their_own_days() -> None:
    """Team apac works in Pacific/Kiritimati (UTC+14). APAC-1 is in progress Sun 1 19:00 -
    23:00 UTC = Mon 2 09:00-13:00 local: one person-day on local Monday (in UTC it would be a
    Sunday and hold nothing). APAC-2 is in progress Fri 6 19:00-23:00 UTC = Sat 7 local: a
    weekend day there, no capacity (in UTC it would be a working Friday). Monday local begins
    at Sun 1 10:00 UTC, so a window starting Sun 1 12:00 UTC does not contain it."""
    config = CapacityConfig.model_validate({"teams": {"apac": {"timezone": "Pacific/Kiritimati"}}})
    monday = Story("APAC-1", CREATED, "gia").start(at(1, 19)).finish(at(1, 23))
    saturday = Story("APAC-2", CREATED, "gia").start(at(6, 19)).finish(at(6, 23))

    (gia,) = people_days([monday, saturday], TEAMS, UNTIL, (FIRST, LAST), config)

    assert gia.home_team == "apac"
    assert person_days_by_key([gia], [monday, saturday]) == {"gia": {d(2): {"APAC-1": 1}}}
    subjects = {_ref(monday): ("product", ""), _ref(saturday): ("product", "")}
    from_sunday_morning = Window("a", "rolling", at(1, 0), at(9, 0), d(8))
    from_sunday_noon = Window("b", "rolling", at(1, 12), at(9, 0), d(8))
    summed = totals([gia], subjects, (from_sunday_morning, from_sunday_noon))
    assert summed.allocated[("apac", "a", ("product", ""))] == 1.0
    assert ("apac", "b", ("product", "")) not in summed.allocated


def test_an_issue_moved_to_another_teams_project_changes_team_that_day() -> None:
    """Hal works PLAT-9 from Mon 2 09:00; on Wed 4 12:00 it moves to project MOB as MOB-7;
    done Fri 6 12:00. Mon, Tue -> platform; Wed: the day's latest span is after the move ->
    mobile; Thu, Fri -> mobile. Platform 2, mobile 3. Hal's home team: platform (51 h in
    progress there against 48 h in mobile)."""
    story = Story("PLAT-9", CREATED, "hal").start(at(2)).move(at(4, 12), "MOB-7")
    story.finish(at(6, 12))

    (hal,) = people_days([story], TEAMS, UNTIL, (FIRST, LAST))

    teams = {day: [a.team for a in allocations] for day, allocations in hal.days.items()}
    assert teams == {
        d(2): ["platform"],
        d(3): ["platform"],
        d(4): ["mobile"],
        d(5): ["mobile"],
        d(6): ["mobile"],
    }
    assert hal.home_team == "platform"


def _acted(story: Story, steps: list[tuple[str, int, str | None]], origin: datetime) -> Story:
    """*story* with *steps* (action, hours after *origin*, assignee) acted out in time order,
    up to ``UNTIL``; an action that would not change the status is skipped."""
    for step, hours, who in sorted(steps, key=lambda s: s[1]):
        when = origin + timedelta(hours=hours)
        if when >= UNTIL:
            break
        if step == "assign":
            story.assign(when, who)
        elif step in ("start", "reopen") and story.status != "In Progress":
            story.start(when)
        elif step == "finish" and story.status != "Done":
            story.finish(when)
    return story


_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["start", "finish", "reopen", "assign"]),
        st.integers(min_value=0, max_value=28 * 24),
        st.sampled_from(["ann", "bob", "cat", None]),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["ann", "bob", "cat", None]), _STEPS), min_size=1, max_size=6
    ),
    st.sampled_from(["UTC", "Pacific/Kiritimati", "America/Los_Angeles"]),
)
def test_every_persons_working_day_adds_up_to_exactly_one(
    stories: list[tuple[str | None, list[tuple[str, int, str | None]]]], zone: str
) -> None:
    """Whatever the histories: on every working day a person had an issue in progress their
    allocations add up to exactly 1; unallocated days are working days inside their active
    span with nothing in progress; weekends hold nothing."""
    config = CapacityConfig.model_validate({"calendar": {"timezone": zone}})
    built = [
        _acted(Story(f"PLAT-{number + 1}", CREATED, assignee), steps, at(1, 0))
        for number, (assignee, steps) in enumerate(stories)
    ]

    people = people_days(built, TEAMS, UNTIL, (FIRST, LAST), config)

    for person in people:
        for day, allocations in person.days.items():
            assert sum(a.share for a in allocations) == 1, (person.person, day)
            assert day.weekday() < 5
            assert len({a.issue for a in allocations}) == len(allocations)
        assert set(person.idle).isdisjoint(person.days)
        assert all(day.weekday() < 5 for day in person.idle)
        if person.days:
            assert all(min(person.days) < day < max(person.days) for day in person.idle)


def _ref(story: Story) -> tuple[str, int]:
    return (story.source, story.issue_id)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ann", "bob", None]),
            st.integers(min_value=0, max_value=150 * 24),
            _STEPS,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_issues_settled_before_the_windows_are_skipped_without_changing_a_figure(
    stories: list[tuple[str | None, int, list[tuple[str, int, str | None]]]],
) -> None:
    """The log skips replaying issues that were not in progress since the windows began;
    its totals equal those of a log that replays every issue, for histories that start up
    to five months before the 30-day window and run into it."""
    windows = resolve_windows((WindowConfig(name="30d", kind="rolling", days=30),), UNTIL)
    built = []
    for number, (assignee, offset, steps) in enumerate(stories):
        created = UNTIL - timedelta(days=150) + timedelta(hours=offset // 2)
        story = Story(f"PLAT-{number + 1}", created, assignee)
        built.append(_acted(story, steps, created + timedelta(hours=1)))
    subjects = [("technology", "") if n % 2 else ("product", "") for n in range(len(built))]

    def team_at(issue: Issue) -> str:
        return TEAMS[issue.project]

    skipping, replaying = WorkLog(UNTIL, windows, team_at), WorkLog(UNTIL, windows, team_at)
    for story in built:
        issue, changes = story.issue(), story.changes()
        skipping.add(issue, changes)
        # Every history replayed, none taken as settled.
        replaying.add_intervals(_ref(story), work_intervals(issue, changes, UNTIL, team_at))
    found = [
        log.totals(subjects.__getitem__, CapacityConfig(), windows) for log in (skipping, replaying)
    ]

    assert found[0] == found[1]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=EXACT_PARTS + 200), min_size=1, max_size=8),
    st.randoms(use_true_random=False),
)
def test_part_amounts_sum_exactly_in_any_order(split: list[int], shuffler: Random) -> None:
    """Days split in any number of parts, below and above the integer limit: every part of
    every day, summed in any order, is exactly one person-day per day, and rounds to the
    same figure as the exact fraction; integer amounts up to the limit."""
    parts = [part_amount(n) for n in split for _ in range(n)]
    assert sum(parts) == DAY_PARTS * len(split)
    assert all(isinstance(part_amount(n), int) for n in split if n <= EXACT_PARTS)
    some = parts[: len(parts) // 3 + 1]
    expected = sum((Fraction(amount, DAY_PARTS) for amount in some), Fraction(0))
    shuffler.shuffle(some)
    assert unscaled(sum(some)) == float(expected)


_PEOPLE = ("ann", "bob", "cat")
_SPAN_TEAMS = ("platform", "checkout", "apac")
_SPANS = st.lists(
    st.tuples(
        st.sampled_from(_PEOPLE),
        # start, hours before UNTIL; often one of a few, so that spans start together
        st.one_of(
            st.integers(min_value=-100 * 24, max_value=-1), st.sampled_from([-240, -50, -26])
        ),
        st.integers(min_value=1, max_value=70 * 24),  # length in hours
        st.sampled_from(_SPAN_TEAMS),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_SPANS, min_size=1, max_size=10),
    st.integers(min_value=0, max_value=EXACT_PARTS + 100),
    st.sampled_from(["UTC", "Pacific/Kiritimati", "America/Los_Angeles"]),
)
def test_totals_summed_over_ranges_equal_those_summed_day_by_day(
    issues: list[list[tuple[str, int, int, str]]], crowd: int, zone: str
) -> None:
    """``WorkLog.totals`` sums each issue's days as ranges; its figures are exactly those of
    ``CapacityTotals.of`` over the day-by-day allocations (``WorkLog.people``), whatever the
    spans: one issue's spans overlapping on a day (the later start gives the team), people
    whose home team has its own zone, weekend and holiday, spans outside the windows, and
    days split in more parts than ``EXACT_PARTS`` (a crowd of long-running issues)."""
    config = CapacityConfig.model_validate(
        {
            "calendar": {"timezone": zone, "holidays": [d(11)]},
            "teams": {
                "apac": {"timezone": "Asia/Tokyo", "working_days": ["sun", "mon", "tue", "wed"]}
            },
        }
    )
    windows = resolve_windows(
        (
            WindowConfig(name="week", kind="rolling", days=7),
            WindowConfig(name="30d", kind="rolling", days=30),
            WindowConfig(name="quarter", kind="quarter"),
        ),
        UNTIL,
    )
    hour = timedelta(hours=1)
    listed = [
        [WorkInterval(who, UNTIL + start * hour, UNTIL + (start + hours) * hour, team)
         for who, start, hours, team in spans]
        for spans in issues
    ]  # fmt: skip
    day = timedelta(days=1)
    listed += [
        [WorkInterval(_PEOPLE[n % 2], UNTIL - (20 + n % 7) * day, UNTIL - n % 3 * day, "platform")]
        for n in range(crowd)
    ]
    log = WorkLog(UNTIL, windows, lambda issue: "unused")
    for number, spans in enumerate(listed):
        log.add_intervals(("jira", number), spans)
    subjects = [("technology", "debt") if n % 3 else ("product", "") for n in range(len(listed))]

    by_ranges = log.totals(subjects.__getitem__, config, windows)
    by_days = CapacityTotals.of(log.people(config), lambda ref: subjects[ref[1]], windows)

    assert by_ranges == by_days
    assert by_ranges.allocated or not crowd
