"""The outbox: queueing messages and claiming the pending ones for delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop.data.models import OutboxMessage


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutboxMessage) -> None:
        self.session.add(message)

    def pending(self, limit: int, max_attempts: int) -> Sequence[OutboxMessage]:
        """The oldest unsent messages, locked on PostgreSQL so two senders never share one."""
        statement = (select(OutboxMessage)
                     .where(OutboxMessage.sent_at.is_(None),
                            OutboxMessage.attempts < max_attempts)
                     .order_by(OutboxMessage.id).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return self.session.scalars(statement).all()

    def mark_sent(self, message_id: int, at: datetime) -> None:
        self.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                             .values(sent_at=at, attempts=OutboxMessage.attempts + 1))

    def mark_failed(self, message_id: int, error: str) -> None:
        self.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                             .values(attempts=OutboxMessage.attempts + 1,
                                     last_error=error[:500]))

    def latest_to(self, recipient: str, limit: int = 10) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id.desc()).limit(limit)).all()
