"""Domain events and their deliveries: the transactional outbox between domains.

A service records a ``DomainEvent`` in the same transaction as the change it describes, and one
``EventDelivery`` per subscribed handler beside it. The delivery row is also the handler's
idempotency key: unique per (event, handler), it turns ``done`` in the handler's own
transaction, by a conditional UPDATE that only one transaction can win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped
from shop.data.models.queue import QueuedRow


class DomainEvent(Base):
    __tablename__ = "domain_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What happened, ``domain.past_tense``: "customer.registered", "order.paid".
    name: Mapped[str] = mapped_column(String(60))
    #: The typed payload as JSON-safe data (money as strings).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Who caused it (the actor's name), for staff reading a dead delivery.
    actor: Mapped[str] = mapped_column(String(120))
    occurred_at: Mapped[datetime] = stamped()


class EventDelivery(QueuedRow, Base):
    """One handler's work on one event."""

    __tablename__ = "event_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "handler", name="uq_event_delivery_event_handler"),
        Index("ix_event_delivery_state", "state", "id"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("domain_event.id", ondelete="CASCADE"))
    #: The handler's stable name, e.g. "rewards.registration_gift".
    handler: Mapped[str] = mapped_column(String(80))
    handled_at: Mapped[datetime | None]
