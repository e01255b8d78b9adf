"""The outbox: queueing messages; claiming and finishing them is the shared queue's work."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.data.models import OutboxMessage
from shop.data.repositories.queue import QueueRepository


class OutboxRepository(QueueRepository[OutboxMessage]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, OutboxMessage, OutboxMessage.sent_at)

    def add(self, message: OutboxMessage) -> None:
        self.session.add(message)

    def latest_to(self, recipient: str, limit: int = 10) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id.desc()).limit(limit)).all()
