"""The outbox: queue a message with the change that causes it (``uow._outbox.queue``).

Queueing writes a row in the caller's transaction, so a registration that rolls back leaves no
message behind, and a committed one always has its message. Sending is the job in
``delivery.py``; the steps it takes on the queue (claim, complete, fail) are here.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from shop.application.jobs.lease import Lease
from shop.application.jobs.queue import DeliveryQueue
from shop.application.messaging.senders import OutgoingMessage
from shop.data.models import OutboxMessage
from shop.data.repositories.messaging import OutboxRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

CHANNELS = ("email", "sms")


class OutboxService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = OutboxRepository(uow._session)

    def queue(self, channel: str, recipient: str, subject: str, body: str) -> int:
        """Queue one message in the current transaction; callers have checked permissions."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        now = self.uow.clock.now()
        message = OutboxMessage(channel=channel, recipient=recipient, subject=subject[:200],
                                body=body, created_at=now, next_attempt_at=now, attempts=0)
        self.repo.add(message)
        # Flushed now: the id names the message in logs and in the file sender's file name.
        self.uow._session.flush()
        return message.id

    @cached_property
    def deliveries(self) -> DeliveryQueue:
        """The messages' queue steps (system actor only): complete, fail, release."""
        return DeliveryQueue(self.uow, self.repo)

    def claim(self, lease: Lease, limit: int) -> list[OutgoingMessage]:
        """Lease up to ``limit`` due messages, oldest first, as plain values to send (dated
        now: they go out within the lease)."""
        now = self.uow.clock.now()
        return [OutgoingMessage(row.id, row.channel, row.recipient, row.subject, row.body, now)
                for row in self.deliveries.claim(lease, limit)]
