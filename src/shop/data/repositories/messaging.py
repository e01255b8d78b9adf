"""The outbox: queueing messages; claiming and finishing them is the shared queue's work.

A sent message loses its body: it may hold a one-time code or a password-reset link, which the
codes table keeps only as a SHA-256, and sent messages are kept for ``shop.jobs.retention_days``.
What staff need stays: channel, recipient, subject (a heading, never a code), times, attempts.
A dead message keeps its body so that staff can send it again (``DeadLetterService``); by then
its code has normally expired (see the README, "Events and jobs").
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.data.models import OutboxMessage
from shop.data.repositories.queue import QueueRepository


class OutboxRepository(QueueRepository[OutboxMessage]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, OutboxMessage, OutboxMessage.sent_at,
                         forgotten=(OutboxMessage.body,))

    def add(self, message: OutboxMessage) -> None:
        self.session.add(message)

    def latest_to(self, recipient: str, limit: int = 10) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id.desc()).limit(limit)).all()
