"""One analytics cycle's results, as the store keeps them and ``/metrics`` and reports read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.analytics.rows import (
    CapacityRow,
    CoverageRow,
    DisagreementRow,
    KeyResultRow,
    ShareRow,
    Window,
)
from syncd.core.domain import ensure_utc

__all__ = ["SNAPSHOT_FORMAT", "Snapshot"]

SNAPSHOT_FORMAT = 2
"""The version of ``Snapshot.to_dict()``'s layout. ``from_dict`` also reads format 1 (before
the capacity weighting: no capacity rows) and refuses any other."""
_READABLE = (1, SNAPSHOT_FORMAT)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every share, band, key-result and coverage figure of one computation at ``computed_at``.

    ``weightings`` are the configured weightings (share rows exist for these only);
    ``integrity`` holds problem counts by kind, sorted by kind; ``capacity`` the person-days
    allocated and unallocated per team and window (empty without the capacity weighting).
    """

    computed_at: datetime
    windows: tuple[Window, ...]
    weightings: tuple[str, ...]
    shares: tuple[ShareRow, ...]
    disagreements: tuple[DisagreementRow, ...]
    key_results: tuple[KeyResultRow, ...]
    coverage: tuple[CoverageRow, ...]
    integrity: tuple[tuple[str, int], ...]
    capacity: tuple[CapacityRow, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "computed_at", ensure_utc(self.computed_at))

    @property
    def teams(self) -> tuple[str, ...]:
        """Every team with share rows, in the order the rows list them."""
        return tuple(dict.fromkeys(row.team for row in self.shares))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict that ``from_dict`` turns back into an equal snapshot."""
        return {
            "format": SNAPSHOT_FORMAT,
            "computed_at": self.computed_at.isoformat(),
            "windows": [window.to_dict() for window in self.windows],
            "weightings": list(self.weightings),
            "shares": [row.to_dict() for row in self.shares],
            "disagreements": [row.to_dict() for row in self.disagreements],
            "key_results": [row.to_dict() for row in self.key_results],
            "coverage": [row.to_dict() for row in self.coverage],
            "integrity": [[kind, count] for kind, count in self.integrity],
            "capacity": [row.to_dict() for row in self.capacity],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        """Rebuild a snapshot from ``to_dict()`` output; raise ``ValueError`` on another format."""
        if data.get("format") not in _READABLE:
            raise ValueError(
                f"snapshot format {data.get('format')!r} is not {SNAPSHOT_FORMAT}; recompute it"
            )
        return cls(
            computed_at=datetime.fromisoformat(data["computed_at"]),
            windows=tuple(Window.from_dict(item) for item in data["windows"]),
            weightings=tuple(data["weightings"]),
            shares=tuple(ShareRow.from_dict(item) for item in data["shares"]),
            disagreements=tuple(DisagreementRow.from_dict(item) for item in data["disagreements"]),
            key_results=tuple(KeyResultRow.from_dict(item) for item in data["key_results"]),
            coverage=tuple(CoverageRow.from_dict(item) for item in data["coverage"]),
            integrity=tuple((str(kind), int(count)) for kind, count in data["integrity"]),
            capacity=tuple(CapacityRow.from_dict(item) for item in data.get("capacity", ())),
        )
