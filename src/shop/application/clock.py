"""The shop's one source of "now".

``Shop`` holds a clock and every service asks it (``uow.clock.now()``); the data tier stamps
``created_at``/``updated_at`` from the same clock. Nothing else calls ``datetime.now()``, so a
test or an integrator moves time for the whole shop by moving one object.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock: what a shop runs on unless it is given another."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: for tests, simulations and replaying a day.

    It starts at the given time (the machine's time by default) and stands still until
    ``advance`` or ``set`` moves it.
    """

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime.now(UTC)
        if self.at.tzinfo is None:
            raise ValueError("a clock keeps aware UTC times")

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move on by ``delta`` or by ``timedelta(**parts)``; returns the new time."""
        self.at += delta if delta is not None else timedelta(**parts)
        return self.at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock keeps aware UTC times")
        self.at = at
