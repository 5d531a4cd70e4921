"""The emulator's clock: real UTC time by default, pinnable and steppable by tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from connectors.jira.emulator.records import from_ms, to_ms

__all__ = ["Clock"]


class Clock:
    """A thread-safe clock; ``set`` pins it, ``advance`` moves a pinned clock forward."""

    def __init__(self, pinned: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._pinned_ms = None if pinned is None else to_ms(pinned)

    def now_ms(self) -> int:
        """The current time in epoch milliseconds."""
        with self._lock:
            if self._pinned_ms is not None:
                return self._pinned_ms
        return to_ms(datetime.now(UTC))

    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        return from_ms(self.now_ms())

    def set(self, moment: datetime | None) -> None:
        """Pin the clock at *moment*, or let it follow real time again with None."""
        with self._lock:
            self._pinned_ms = None if moment is None else to_ms(moment)

    def advance(self, seconds: float) -> None:
        """Move the clock forward; a real-time clock becomes pinned at now + seconds."""
        moment = self.now() + timedelta(seconds=seconds)
        self.set(moment)
