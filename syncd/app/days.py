"""Days as the figures count them: UTC calendar days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

__all__ = ["end_of"]


def end_of(day: date) -> datetime:
    """The instant a UTC day ends: the next day's midnight."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
