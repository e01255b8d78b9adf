"""Rate limits and lockouts: "at most N events in a window", and the error that says "wait".

The rules are pure: a caller reads the recent events' times from its own table (login attempts,
codes sent) and asks a ``Limit`` until when it is blocked. A lock therefore expires by itself
when its events age out of the window; nothing has to be unlocked by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shop.application.errors import ShopError
from shop.application.i18n import _


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta

    def blocked_until(self, recent: Sequence[datetime], now: datetime) -> datetime | None:
        """When the next event is allowed again, or None if it is allowed now.

        ``recent`` are the times of earlier events, newest first; at least ``count`` of them
        are needed to tell (callers read that many).
        """
        inside = [at for at in recent if at > now - self.window]
        if len(inside) < self.count:
            return None
        return inside[self.count - 1] + self.window


#: Builds the visitor's message from the wait in seconds and in (rounded up) minutes.
MessageFactory = Callable[[int, int], object]


def wait_minutes(seconds: int, minutes: int) -> object:
    return _("Too many attempts; try again in ${minutes} minutes", mapping={"minutes": minutes})


class Throttled(ShopError):
    """Too many tries: the caller must wait ``retry_after`` seconds (shown to the visitor)."""

    def __init__(self, retry_after: timedelta, message: MessageFactory = wait_minutes) -> None:
        self.retry_after = max(1, math.ceil(retry_after.total_seconds()))
        self.message = message(self.retry_after, math.ceil(self.retry_after / 60))
        super().__init__(f"throttled for {self.retry_after} s")


def enforce(checks: Sequence[tuple[Limit, Sequence[datetime]]], now: datetime,
            message: MessageFactory = wait_minutes) -> None:
    """Raise ``Throttled`` if any limit is reached, with the longest wait among them."""
    until = [u for limit, recent in checks if (u := limit.blocked_until(recent, now))]
    if until:
        raise Throttled(max(until) - now, message)
