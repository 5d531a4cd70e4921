"""The analytics section of the configuration: windows, weightings and snapshot retention.

Kept beside the analytics it configures; ``syncd.service.config.Config.analytics`` holds one. Window
names become metric label values, so they are short, lower-case and unique.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = ["AnalyticsConfig", "Weighting", "WindowConfig"]

Weighting = Literal["issues", "story_points", "time_spent"]
WindowName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]


class WindowConfig(BaseModel):
    """One analytics window: the last ``days`` days (``rolling``, ending at computation time)
    or the current calendar ``quarter`` (UTC)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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


class AnalyticsConfig(BaseModel):
    """Which windows and weightings the drift analytics compute, and how many snapshots to keep.

    Defaults: windows ``30d``, ``90d`` (rolling) and ``quarter``; weightings ``issues``,
    ``story_points`` and ``time_spent``; ``snapshot_keep`` 500.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    windows: tuple[WindowConfig, ...] = Field(default_factory=_default_windows)
    weightings: tuple[Weighting, ...] = ("issues", "story_points", "time_spent")
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
