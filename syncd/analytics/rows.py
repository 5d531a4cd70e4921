"""The values a snapshot is made of: windows, share rows, key-result rows, coverage rows.

Every row is a frozen, slotted dataclass with ``to_dict()`` and ``from_dict()`` that round-trip
exactly through JSON: datetimes and dates as ISO 8601 strings, tuples as lists, absent values
as ``null``. Numbers are floats; an absent value is ``None``, never 0 or NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Self

from syncd.core.domain import ORGANISATION, WorkClass, ensure_utc

__all__ = [
    "ALL_TEAMS",
    "CapacityRow",
    "CoverageRow",
    "DisagreementRow",
    "KeyResultRow",
    "ShareRow",
    "Window",
    "counted_under",
]

ALL_TEAMS = ORGANISATION
"""The team of the rows that count the whole organisation (the metrics give them families of
their own, so it is never a value of their ``team`` label)."""


def counted_under(
    team: str, work_class: str, category: str | None
) -> tuple[tuple[str, tuple[str, str]], ...]:
    """The (team, subject) pairs an amount of *team*'s work of *work_class* and *category*
    counts under: the team and the whole organisation, each for the class as a whole and,
    when it has one, its category (unclassified work has none)."""
    subjects = [(work_class, "")]
    if category and work_class != WorkClass.UNCLASSIFIED.value:
        subjects.append((work_class, category))
    return tuple((who, subject) for who in (team, ALL_TEAMS) for subject in subjects)


_Converters = Mapping[str, Callable[[Any], Any]]


def _encode(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    return value


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _pairs(value: Any) -> tuple[tuple[str, float], ...]:
    return tuple((str(name), float(amount)) for name, amount in value)


def _moment(value: Any) -> datetime:
    return ensure_utc(datetime.fromisoformat(value))


class _Row:
    """Shared dict conversion; subclasses name the fields that need converting back."""

    __slots__ = ()
    _converters: _Converters = {}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of every field."""
        return {f.name: _encode(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a row from ``to_dict()`` output (or its JSON round trip)."""
        convert = cls._converters
        return cls(**{key: convert.get(key, _same)(value) for key, value in data.items()})


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class Window(_Row):
    """One resolved analytics window ``[start, end)``.

    ``reference_day`` is the day whose agreements apply: the earlier of the computation day and
    the last day inside the window.
    """

    name: str
    kind: str
    start: datetime
    end: datetime
    reference_day: date

    _converters = {"start": _moment, "end": _moment, "reference_day": date.fromisoformat}

    def contains(self, moment: datetime) -> bool:
        """True when ``start <= moment < end``."""
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class ShareRow(_Row):
    """A subject's share of classified completed work for one team, window and weighting.

    ``category`` is ``""`` for the work class as a whole. ``share`` and ``forecast_share`` are
    ``None`` when their denominator is zero; ``band_min``/``band_max``/``agreement_id`` are
    ``None`` when no agreement applies; ``drift`` and ``recovery_needed`` are ``None`` when either
    the share or the band is missing (``recovery_needed`` also when the band's minimum is 1,
    which no amount of extra work can reach while other work exists). ``judged`` is true on
    the one row per team and subject whose window and weighting its agreement is judged on.
    ``total`` is the share's denominator, the team's classified completed work in the window
    (``None`` in snapshots saved before it was recorded); ``agreement_changed`` is true when
    the agreement in force for the subject was not the same on every day of the window.
    """

    team: str
    work_class: str
    category: str
    window: str
    weighting: str
    completed: float
    in_progress: float
    share: float | None
    forecast_share: float | None
    band_min: float | None
    band_max: float | None
    agreement_id: str | None
    drift: float | None
    recovery_needed: float | None
    judged: bool = False
    total: float | None = None
    agreement_changed: bool = False

    _converters = {
        "completed": float,
        "total": _optional_float,
        "in_progress": float,
        **dict.fromkeys(
            ("share", "forecast_share", "band_min", "band_max", "drift", "recovery_needed"),
            _optional_float,
        ),
    }

    @property
    def status(self) -> str:
        """``below``, ``above`` or ``in_band``; ``no_agreement`` or ``no_data`` when unknown."""
        if self.agreement_id is None:
            return "no_agreement"
        if self.drift is None:
            return "no_data"
        if self.drift < 0:
            return "below"
        return "above" if self.drift > 0 else "in_band"


@dataclass(frozen=True, slots=True)
class DisagreementRow(_Row):
    """How far the weightings disagree on a work class's share: the largest share minus the
    smallest, and which weightings gave them."""

    team: str
    work_class: str
    window: str
    spread: float
    lowest: str
    highest: str

    _converters = {"spread": float}


@dataclass(frozen=True, slots=True)
class KeyResultRow(_Row):
    """Progress of one key result over its period ``[period_start, period_end]`` (both days
    inclusive), shown under one owning team.

    ``value`` is the key result's own measure over its completed work; ``progress`` is
    ``value / target`` (``None`` for a zero target, not clamped: work beyond the target shows
    above 1); ``expected`` is the elapsed fraction of the period in [0, 1]. ``work`` holds the
    completed work per weighting; ``unmeasurable`` counts completed issues whose measured field
    was missing or not a number (they add 0 to ``value``).
    """

    key_result: str
    team: str
    measure: str
    target: float
    value: float
    progress: float | None
    expected: float
    period_start: date
    period_end: date
    work: tuple[tuple[str, float], ...]
    unmeasurable: int

    _converters = {
        "target": float,
        "value": float,
        "progress": _optional_float,
        "expected": float,
        "period_start": date.fromisoformat,
        "period_end": date.fromisoformat,
        "work": _pairs,
    }


@dataclass(frozen=True, slots=True)
class CoverageRow(_Row):
    """Classified and unclassified completed work for one team, window and weighting.

    ``coverage`` is classified / (classified + unclassified), ``None`` when nothing completed.
    """

    team: str
    window: str
    weighting: str
    classified: float
    unclassified: float
    coverage: float | None

    _converters = {
        "classified": float,
        "unclassified": float,
        "coverage": _optional_float,
    }


@dataclass(frozen=True, slots=True)
class CapacityRow(_Row):
    """Person-days of one team in one window: allocated to issues (any class) and unallocated
    (working days of its people with nothing in progress: a data-quality signal)."""

    team: str
    window: str
    allocated: float
    unallocated: float

    _converters = {"allocated": float, "unallocated": float}
