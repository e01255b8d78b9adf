"""The outbox: queue a message with the change that causes it; deliver pending ones later.

Queueing writes a row in the caller's transaction, so a registration that rolls back leaves no
message behind, and a committed one always has its message. Delivery runs as a job
(``shop-admin INI outbox deliver``): it sends, then marks each message sent or failed, and the
job's transaction commits those marks. A crash between sending and committing sends a message
twice (at least once is the promise; a one-time code sent twice does no harm).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shop.application.actors import Permission
from shop.application.messaging.senders import OutgoingMessage, Sender, senders_from_settings
from shop.data.models import OutboxMessage
from shop.data.repositories.messaging import OutboxRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

CHANNELS = ("email", "sms")
#: A message that failed this often stays in the table for a person to look at.
MAX_ATTEMPTS = 5
MAX_BATCH = 1000


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


class OutboxService:
    def __init__(self, uow: UnitOfWork,
                 senders: Callable[[], Mapping[str, Sender]] | None = None) -> None:
        self.uow = uow
        self.repo = OutboxRepository(uow.session)
        self._senders = senders or (lambda: senders_from_settings(uow.shop.settings))

    def queue(self, channel: str, recipient: str, subject: str, body: str) -> int:
        """Queue one message in the current transaction; callers have checked permissions."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        message = OutboxMessage(channel=channel, recipient=recipient, subject=subject[:200],
                                body=body, created_at=self.uow.clock.now(), attempts=0)
        self.repo.add(message)
        # Flushed now: the id names the message in logs and in the file sender's file name.
        self.uow.session.flush()
        return message.id

    def deliver_pending(self, limit: int = 100) -> DeliveryReport:
        """Send up to ``limit`` of the oldest pending messages; a job or an operator runs it."""
        self.uow.actor.require(Permission.CUSTOMER_MANAGE)
        pending = self.repo.pending(min(max(limit, 1), MAX_BATCH), MAX_ATTEMPTS)
        if not pending:
            return DeliveryReport(0, 0)
        senders = self._senders()
        sent = failed = 0
        by_channel: dict[str, list[OutboxMessage]] = {}
        for message in pending:
            by_channel.setdefault(message.channel, []).append(message)
        for channel, messages in by_channel.items():
            sender = senders.get(channel)
            if sender is None:
                for message in messages:
                    self.repo.mark_failed(message.id, f"no sender for channel {channel}")
                failed += len(messages)
                continue
            with sender:
                for message in messages:
                    try:
                        sender.send(OutgoingMessage(message.id, message.channel,
                                                    message.recipient, message.subject,
                                                    message.body))
                    except Exception as exc:  # any sender failure: keep it queued, note why
                        self.repo.mark_failed(message.id, f"{type(exc).__name__}: {exc}")
                        failed += 1
                    else:
                        self.repo.mark_sent(message.id, self.uow.clock.now())
                        sent += 1
        self.uow.audit.record("messaging.outbox.deliver", "outbox_message",
                              after={"sent": sent, "failed": failed})
        return DeliveryReport(sent, failed)
