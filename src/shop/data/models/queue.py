"""The columns every delivery queue shares: outbox messages and event deliveries alike.

A row is ``pending`` until a worker finishes it (``done``) or it has failed too often
(``dead``, kept for staff to look at and retry). A worker *claims* due rows by writing its
token and a lease expiry, commits, and only then does the slow part (SMTP, a handler); a worker
that crashed leaves a lease that simply runs out, and the row is due again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

PENDING = "pending"
DONE = "done"
DEAD = "dead"


class QueuedRow:
    """Mixin: an integer id and the delivery state of one unit of queued work."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "pending", "done" or "dead".
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    #: Claims so far, counted when claimed: a worker that dies mid-send still used a try.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Not claimed before this time (retry backoff).
    next_attempt_at: Mapped[datetime]
    #: The claiming worker's random token, and when its claim lapses.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
