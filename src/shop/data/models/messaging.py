"""The outbox: every email and SMS the shop sends is written here first, in the same transaction.

A message is only sent once the transaction that caused it has committed, and a failed send is
retried from the table; CRM campaigns later write to the same outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped
from shop.data.models.queue import QueuedRow


class OutboxMessage(QueuedRow, Base):
    __tablename__ = "outbox_message"
    # Due, dead and old sent messages are each found by state, oldest (or newest) id first.
    __table_args__ = (Index("ix_outbox_message_state", "state", "id"),)

    channel: Mapped[str] = mapped_column(String(10))  # "email" or "sms"
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = stamped()
    sent_at: Mapped[datetime | None]
