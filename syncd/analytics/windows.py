"""Turn configured windows into concrete ``[start, end)`` intervals at a moment ``now``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from syncd.analytics.rows import Window
from syncd.analytics.settings import WindowConfig
from syncd.core.domain import ensure_utc

__all__ = ["quarter_bounds", "resolve_windows", "turns_of"]

_LAST_INSTANT = timedelta(microseconds=1)


def quarter_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar quarter (UTC) containing *moment*: its first instant and the next quarter's."""
    moment = ensure_utc(moment)
    first_month = 3 * ((moment.month - 1) // 3) + 1
    start = datetime(moment.year, first_month, 1, tzinfo=UTC)
    if first_month == 10:
        return start, datetime(moment.year + 1, 1, 1, tzinfo=UTC)
    return start, datetime(moment.year, first_month + 3, 1, tzinfo=UTC)


def resolve_windows(configs: Iterable[WindowConfig], now: datetime) -> tuple[Window, ...]:
    """Each configured window at *now*, in configuration order.

    A rolling window of N days is ``[now - N days, now)``; a quarter window is the calendar
    quarter containing *now*, which may end in the future. The reference day, whose agreements
    apply, is the earlier of ``now``'s day and the last day inside the window.
    """
    now = ensure_utc(now)
    return tuple(_resolve(config, now) for config in configs)


def _resolve(config: WindowConfig, now: datetime) -> Window:
    if config.kind == "quarter":
        start, end = quarter_bounds(now)
    else:
        start, end = now - timedelta(days=config.days or 0), now
    return Window(
        name=config.name,
        kind=config.kind,
        start=start,
        end=end,
        reference_day=_reference_day(end, now.date()),
    )


def _reference_day(end: datetime, today: date) -> date:
    # The window is half-open, so its last day is the one holding the instant before ``end``.
    return min(today, (end - _LAST_INSTANT).date())


def turns_of(configs: Iterable[WindowConfig], resolved: datetime) -> tuple[datetime, ...]:
    """The instants from which work resolved at *resolved* may enter or leave one of the
    windows of *configs*, for computations at moments from *resolved* on.

    Between two turns (and before the first), whether each window resolved at such a moment
    holds the work stays the same: a rolling window of N days, ``[now - N days, now)``, takes it in
    just after *resolved* and lets it go just after N days later; a quarter window holds it
    until the quarter of *resolved* ends.
    """
    resolved = ensure_utc(resolved)
    found: set[datetime] = set()
    for config in configs:
        if config.kind == "quarter":
            found.add(quarter_bounds(resolved)[1])
        else:
            found.add(resolved + _LAST_INSTANT)
            found.add(resolved + timedelta(days=config.days or 0) + _LAST_INSTANT)
    return tuple(sorted(found))
