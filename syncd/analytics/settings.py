"""The analytics section of the configuration: windows, weightings, the capacity weighting's
work calendars, and snapshot retention.

Kept beside the analytics it configures; ``syncd.service.config.Config.analytics`` holds one. Window
names become metric label values, so they are short, lower-case and unique.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from syncd.core.settings import Settings

__all__ = [
    "AnalyticsConfig",
    "CalendarConfig",
    "CapacityConfig",
    "TeamCalendarConfig",
    "Weekday",
    "Weighting",
    "WindowConfig",
]

Weighting = Literal["capacity", "issues", "story_points", "time_spent"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WindowName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]


class WindowConfig(Settings):
    """One analytics window: the last ``days`` days (``rolling``, ending at computation time)
    or the current calendar ``quarter`` (UTC)."""

    name: WindowName
    kind: Literal["rolling", "quarter"]
    days: int | None = Field(default=None, ge=1, le=3660)

    @model_validator(mode="after")
    def _days_match_kind(self) -> WindowConfig:
        if self.kind == "rolling" and self.days is None:
            raise ValueError("a rolling window needs 'days'")
        if self.kind == "quarter" and self.days is not None:
            raise ValueError("a quarter window takes no 'days'")
        return self


def _default_windows() -> tuple[WindowConfig, ...]:
    return (
        WindowConfig(name="30d", kind="rolling", days=30),
        WindowConfig(name="90d", kind="rolling", days=90),
        WindowConfig(name="quarter", kind="quarter"),
    )


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = sorted(zone for zone in available_timezones() if name.lower() in zone.lower())
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        raise ValueError(f"unknown time zone {name!r}{hint}") from None
    return name


class CalendarConfig(Settings):
    """When people work: the time zone their days are counted in, the working weekdays, and
    the holidays (dates in that zone). Defaults: UTC, Monday to Friday, no holidays."""

    timezone: str = "UTC"
    working_days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    holidays: tuple[date, ...] = ()

    _zone = field_validator("timezone")(_known_zone)

    @model_validator(mode="after")
    def _some_working_day(self) -> CalendarConfig:
        if not self.working_days:
            raise ValueError("a calendar needs at least one working day")
        return self


class TeamCalendarConfig(Settings):
    """A team's calendar: each key given replaces the organisation's, the others are kept."""

    timezone: str | None = None
    working_days: tuple[Weekday, ...] | None = None
    holidays: tuple[date, ...] | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        return None if name is None else _known_zone(name)

    def over(self, base: CalendarConfig) -> CalendarConfig:
        """The organisation's calendar *base* with this team's keys in place of its own."""
        given = self.model_dump(exclude_none=True)
        return CalendarConfig.model_validate({**base.model_dump(), **given})


class CapacityConfig(Settings):
    """The ``capacity`` weighting: each person has one person-day per working day of their
    calendar (the organisation's, or their home team's where ``teams`` names it)."""

    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    teams: dict[str, TeamCalendarConfig] = Field(default_factory=dict)

    def calendar_of(self, team: str) -> CalendarConfig:
        """The calendar *team*'s people work by."""
        own = self.teams.get(team)
        return own.over(self.calendar) if own is not None else self.calendar


class AnalyticsConfig(Settings):
    """Which windows and weightings the drift analytics compute, and how many snapshots to keep.

    Defaults: windows ``30d``, ``90d`` (rolling) and ``quarter``; weightings ``capacity``
    (person-days), ``issues``, ``story_points`` and ``time_spent``; ``snapshot_keep`` 500.
    """

    windows: tuple[WindowConfig, ...] = Field(default_factory=_default_windows)
    weightings: tuple[Weighting, ...] = ("capacity", "issues", "story_points", "time_spent")
    capacity: CapacityConfig = Field(default_factory=CapacityConfig)
    snapshot_keep: int = Field(default=500, ge=1)

    @model_validator(mode="after")
    def _unique(self) -> AnalyticsConfig:
        if not self.windows or not self.weightings:
            raise ValueError("at least one window and one weighting are needed")
        names = [window.name for window in self.windows]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"window names must be unique; repeated: {', '.join(repeated)}")
        if len(set(self.weightings)) != len(self.weightings):
            raise ValueError("weightings must be unique")
        return self
