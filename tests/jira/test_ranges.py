"""Cutting a partition into ranges of creation time: every instant in exactly one range.

The ranges' JQL is read by the emulator's own parser and evaluator, in the zone a Jira user
would have, so these tests check what Jira is sent, not a reimplementation of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.jira.emulator.jql import parse
from connectors.jira.emulator.query import QueryContext, compile_where
from connectors.jira.jql import sync_partitions
from connectors.jira.ranges import RANGES_PER_THREAD, Extent, cuts, range_counts, split

_ZONES = ("UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Berlin")
_BASE = datetime(2026, 10, 20, tzinfo=UTC)  # spans the autumn daylight saving changes


@dataclass(frozen=True)
class _Record:
    project: str
    created_ms: int
    updated_ms: int


def _context(zone: str) -> QueryContext:
    return QueryContext(
        ZoneInfo(zone),
        0,
        {"SHOP": ("10000", "Shop")},
        key_to_id=lambda _key: None,
        id_to_record=lambda _id: None,
    )


def _matching(jqls: list[str], record: _Record, zone: str) -> list[int]:
    context = _context(zone)
    found = []
    for number, jql in enumerate(jqls):
        where = parse(jql).where
        assert where is not None
        if compile_where(where, context)(record):  # type: ignore[arg-type]
            found.append(number)
    return found


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(_ZONES),
    told=st.sampled_from((*_ZONES, None)),
    first=st.integers(0, 20 * 24 * 60),
    span=st.integers(1, 20 * 24 * 60),
    pieces=st.integers(1, 40),
    probes=st.lists(st.integers(-10 * 24 * 60, 45 * 24 * 60), min_size=1, max_size=20),
    seconds=st.integers(0, 59),
)
def test_every_instant_falls_in_exactly_one_range_whatever_zone_jira_reads_it_in(
    *,
    zone: str,
    told: str | None,
    first: int,
    span: int,
    pieces: int,
    probes: list[int],
    seconds: int,
) -> None:
    """Cut in the zone syncd was told (or none), read in the user's real zone: still exact.

    Instants before the first issue and after the last one (created during the run) are
    covered too, and instants on a cut's minute belong to the range the cut opens."""
    start = _BASE + timedelta(minutes=first)
    extent = Extent(start, start + timedelta(minutes=span), None)
    (partition,) = sync_partitions(["SHOP"], None, since=None, overlap_minutes=5, zone=None)
    ranges = split(partition, extent, pieces, ZoneInfo(told) if told else None)
    jqls = [part.jql for part in ranges]
    for minute in probes:
        moment = _BASE + timedelta(minutes=minute, seconds=seconds)
        record = _Record("SHOP", round(moment.timestamp() * 1000), 0)
        assert len(_matching(jqls, record, zone)) == 1, (moment, jqls)


def test_cuts_strictly_increase_across_a_repeated_hour() -> None:
    """Berlin repeats 02:00-03:00 on 2026-10-25: the cut literals still strictly increase
    as wall-clock text, so no range reaches below the one before it."""
    start = datetime(2026, 10, 24, 23, 40, tzinfo=UTC)  # 01:40 local, summer time
    extent = Extent(start, start + timedelta(hours=3), None)
    literals = cuts(extent, 12, ZoneInfo("Europe/Berlin"))
    assert list(literals) == sorted(set(literals))
    assert len(literals) < 11  # two cuts fell on the same wall-clock minute: one was dropped


def test_nothing_is_cut_that_cannot_be() -> None:
    """An empty partition, one whose issues share one instant, or one piece: itself."""
    (partition,) = sync_partitions(["SHOP"], None, since=None, overlap_minutes=5, zone=None)
    moment = _BASE
    for extent, pieces in (
        (Extent(None, None, 0), 8),
        (Extent(moment, moment, 500), 8),
        (Extent(moment, moment + timedelta(minutes=1), 500), 1),
    ):
        assert split(partition, extent, pieces, UTC) == (partition,)


def test_ranges_keep_the_partitions_bound_and_order() -> None:
    """An incremental run's ``updated >=`` bound and the page order are in every range."""
    since = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    (partition,) = sync_partitions(
        [], "labels = x", since=since, overlap_minutes=10, zone=ZoneInfo("UTC")
    )
    extent = Extent(_BASE, _BASE + timedelta(days=1), 1000)
    ranges = split(partition, extent, 3, ZoneInfo("UTC"))
    assert [part.name for part in ranges] == ["jql 1/3", "jql 2/3", "jql 3/3"]
    assert ranges[1].jql == (
        '(labels = x) AND updated >= "2026/11/01 11:50" AND created >= "2026/10/20 08:00" '
        'AND created < "2026/10/20 16:00" ORDER BY created ASC, key ASC'
    )


def test_range_counts_keep_every_thread_busy_and_never_cut_below_a_page() -> None:
    """Automatic: about two ranges per thread, shared by size; never more than pages."""
    moment = _BASE
    big = Extent(moment, moment + timedelta(days=1), 20_000)
    small = Extent(moment, moment + timedelta(days=1), 250)
    unknown = Extent(moment, moment + timedelta(days=1), None)
    assert range_counts({"jql": big}, concurrency=8, page_size=100, most=None) == {
        "jql": RANGES_PER_THREAD * 8
    }
    assert range_counts({"A": big, "B": small}, concurrency=8, page_size=100, most=None) == {
        "A": 16,
        "B": 1,
    }
    assert range_counts({"A": small}, concurrency=8, page_size=100, most=None) == {"A": 3}
    assert range_counts({"A": unknown}, concurrency=4, page_size=100, most=None) == {"A": 8}
    assert range_counts({"A": big}, concurrency=8, page_size=100, most=5) == {"A": 5}
    assert range_counts({"A": Extent(None, None, 0)}, concurrency=8, page_size=100, most=None) == {
        "A": 1
    }
