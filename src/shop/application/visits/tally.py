"""Counting visitors in memory, then adding the counts to the database in batches.

Counting a visit must not cost the storefront a write per page view, nor even one per new
visitor: the visitor cookie already says on which day its browser was last counted, so a
returning visitor costs nothing, and a first view of the day only adds one to a counter here.
A web process adds its counters to ``visit_day`` at most every ``FLUSH_EVERY`` (or sooner
when ``FLUSH_AT`` have gathered), in a short transaction of its own after a response is sent.

The tally also remembers, for the current day, digests of the visitors it counted (up to
``MAX_REMEMBERED``, about 16 MB), so a browser that drops the cookie is counted once per
process and day rather than once per page. Counts not yet added when a process dies are
lost: a visitor count is a trend, not a ledger.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta

FLUSH_EVERY = timedelta(seconds=60)
FLUSH_AT = 500
MAX_REMEMBERED = 200_000


class VisitTally:
    """One per process (``Shop.visit_tally``); every method is safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day: date | None = None
        self._seen: set[bytes] = set()
        self._pending: dict[date, int] = {}
        self._last_flush: datetime | None = None

    def note(self, visitor: bytes, day: date) -> bool:
        """Count ``visitor`` (a digest) on ``day`` unless this process counted them that day
        already; whether they were counted."""
        with self._lock:
            if self._day is None or day > self._day:
                self._day, self._seen = day, set()
            if day == self._day:
                if visitor in self._seen:
                    return False
                if len(self._seen) < MAX_REMEMBERED:
                    self._seen.add(visitor)
            self._pending[day] = self._pending.get(day, 0) + 1
            return True

    def pending(self, day: date) -> int:
        """Visitors of ``day`` counted here and not yet added to the database."""
        with self._lock:
            return self._pending.get(day, 0)

    def due(self, now: datetime) -> bool:
        """Whether the counts should be added now."""
        with self._lock:
            if not self._pending:
                return False
            if self._last_flush is None:
                self._last_flush = now  # the first batch gathers for a while too
            return (sum(self._pending.values()) >= FLUSH_AT
                    or now - self._last_flush >= FLUSH_EVERY)

    def take(self, now: datetime) -> dict[date, int]:
        """The counts to add, which the tally forgets (``give_back`` if adding them failed)."""
        with self._lock:
            taken, self._pending = self._pending, {}
            self._last_flush = now
            return taken

    def give_back(self, counts: Mapping[date, int]) -> None:
        with self._lock:
            for day, count in counts.items():
                self._pending[day] = self._pending.get(day, 0) + count
