"""The purge job: tables that would otherwise grow forever lose what nobody needs any more.

- login sessions and OAuth attempts once they have expired;
- one-time codes after the longest rate-limit window that counts them (a day);
- delivered messages, and events whose every handler ran, after ``shop.jobs.retention_days``
  (dead ones stay for staff until retried);
- throttle events (failed logins, wrong codes, password checks) once no rule counts them.

Each table is purged in batches, one short transaction per batch, so SQLite's write lock is
never held for long; running two purges at once, or again after a crash, deletes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shop.application.accounts.codes import LINK_LIFETIME, PER_DESTINATION, PER_IP
from shop.application.jobs.settings import JobSettings
from shop.application.security.throttle import Throttle
from shop.data.repositories.events import EventRepository
from shop.data.repositories.messaging import OutboxRepository
from shop.data.repositories.oauth import OAuthAttemptRepository
from shop.data.repositories.one_time_codes import OneTimeCodeRepository

if TYPE_CHECKING:
    from shop.application import Shop, UnitOfWork

BATCH = 1000
#: Codes are counted for rate limits over their longest window; keep them that long.
CODES_KEPT = max(LINK_LIFETIME, *(limit.window for limit in (*PER_DESTINATION, *PER_IP)))

#: (table, deletes one batch of at most BATCH rows and says how many) — ``now`` is the job's.
Purge = Callable[["UnitOfWork", datetime, JobSettings], int]


def _purges() -> dict[str, Purge]:
    return {
        "web_session": lambda tx, now, s: tx.sessions.purge_expired(BATCH),
        "oauth_attempt": lambda tx, now, s: OAuthAttemptRepository(tx._session)
        .delete_expired(now, BATCH),
        "one_time_code": lambda tx, now, s: OneTimeCodeRepository(tx._session)
        .purge_created_before(now - CODES_KEPT, BATCH),
        "outbox_message": lambda tx, now, s: OutboxRepository(tx._session)
        .purge_done(now - s.retention, BATCH),
        "domain_event": lambda tx, now, s: EventRepository(tx._session)
        .purge_finished(now - s.retention, BATCH),
        "throttle_event": lambda tx, now, s: Throttle(tx).purge_expired(BATCH),
    }


@dataclass(frozen=True)
class PurgeReport:
    deleted: dict[str, int]


def purge_expired(shop: Shop) -> PurgeReport:
    """Purge every table as of one moment; an audit entry names what went, if anything did."""
    settings = JobSettings.from_settings(shop.settings)
    actor = shop.system_actor("purge")
    now = shop.clock.now()
    deleted: dict[str, int] = {}
    for table, purge in _purges().items():
        total = 0
        while True:
            with shop.transaction(actor) as tx:
                count = purge(tx, now, settings)
            total += count
            if count < BATCH:
                break
        deleted[table] = total
    if any(deleted.values()):
        with shop.transaction(actor) as tx:
            tx._audit.record("jobs.purge", "database",
                            after={table: n for table, n in deleted.items() if n})
    return PurgeReport(deleted)
