"""The points journal (积分): every grant and spend is one append-only row.

A balance is the sum of an account's rows; there is no cached balance column. ``reference``
makes each business event count once (a retried registration or payment notification finds its
row already there).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class PointsEntry(Base):
    __tablename__ = "points_entry"
    __table_args__ = (Index("ix_points_entry_customer", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    #: Points added (positive) or spent (negative).
    delta: Mapped[int] = mapped_column(Integer)
    #: What happened, as a code the application names: "registration_gift", "referral", …
    reason: Mapped[str] = mapped_column(String(40))
    #: The event's idempotency key, e.g. "registration-gift:42"; unique across the journal.
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = stamped()
    #: Who caused the entry (the acting person's or script's name), for customer service.
    actor: Mapped[str] = mapped_column(String(120))
