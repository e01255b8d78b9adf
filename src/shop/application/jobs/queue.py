"""The steps every delivery queue goes through, for the job that drains it.

Each step is its own short unit of work in the job (claim, then one per outcome), and each
requires the system actor: these are the shop's internal hooks, not something a visitor's or a
staff member's request can reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shop.application.jobs.lease import ABANDONED, RETRIES, Lease, RetryPolicy
from shop.data.repositories.queue import QueueRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork


class DeliveryQueue:
    def __init__(self, uow: UnitOfWork, repo: QueueRepository[Any],
                 retries: RetryPolicy = RETRIES) -> None:
        self.uow = uow
        self.repo = repo
        self.retries = retries

    def any_due(self) -> bool:
        self.uow.actor.require_system()
        return self.repo.any_due(self.uow.clock.now())

    def claim(self, lease: Lease, limit: int) -> Sequence[Any]:
        """Lease up to ``limit`` due rows (ORM rows, for the owning service to turn into plain
        values before its unit of work ends). Rows every claimer died on go dead first."""
        self.uow.actor.require_system()
        now = self.uow.clock.now()
        self.repo.bury_abandoned(now, self.retries.max_attempts, ABANDONED)
        return self.repo.claim(now=now, lease_until=lease.until, token=lease.token, limit=limit)

    def complete(self, row_id: int, lease: Lease) -> bool:
        """Finish the row under this lease; False when it is not this worker's any more."""
        self.uow.actor.require_system()
        return self.repo.complete(row_id, lease.token, self.uow.clock.now())

    def fail(self, row_id: int, lease: Lease, error: str) -> bool:
        """Note the failure; the row is due again after a backoff, or dead after the last try."""
        self.uow.actor.require_system()
        row = self.repo.session.get(self.repo.model, row_id)
        if row is None:
            return False
        retry_at = self.retries.next_try(row.attempts, self.uow.clock.now())
        return self.repo.fail(row_id, lease.token, error, retry_at)

    def release(self, row_ids: Sequence[int], lease: Lease) -> None:
        """Give back rows this worker claimed and will not get to (its lease is running out)."""
        self.uow.actor.require_system()
        self.repo.release(row_ids, lease.token)
