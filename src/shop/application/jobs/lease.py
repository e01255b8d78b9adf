"""A worker's claim on a batch, and when to try a failed delivery again.

A claim lasts ``lease``; the worker starts no new send or handler once two thirds of it have
passed, which leaves the last third (100 s by default, more than the SMTP timeout) for that
piece of work to finish and its outcome to be written before anyone else may claim the row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from shop.application.clock import Clock


@dataclass(frozen=True)
class Lease:
    token: str
    until: datetime
    start_by: datetime

    @classmethod
    def starting(cls, clock: Clock, length: timedelta) -> Lease:
        now = clock.now()
        return cls(secrets.token_hex(16), now + length, now + length * 2 / 3)

    def may_start(self, clock: Clock) -> bool:
        """Whether there is time left to begin one more piece of work under this claim."""
        return clock.now() < self.start_by


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: 1, 2, 4 … minutes, at most an hour apart; dead after the last try.

    With the defaults a delivery is tried 8 times over about two hours before staff see it.
    """

    max_attempts: int = 8
    first_delay: timedelta = timedelta(minutes=1)
    longest_delay: timedelta = timedelta(hours=1)

    def next_try(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failed tries; None when it is time to give up."""
        if attempts >= self.max_attempts:
            return None
        return now + min(self.first_delay * (1 << max(attempts - 1, 0)), self.longest_delay)


RETRIES = RetryPolicy()
#: The error a row gets when every worker that claimed it died before saying how it went.
ABANDONED = "abandoned: every worker that claimed it stopped before recording an outcome"
