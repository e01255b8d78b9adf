"""Gift cards (礼品卡): issued by staff in batches, each a code and a PIN with a value.

A card's value lives in its ledger account (``gift_card:<id>``); the row holds what identifies
and limits it. The PIN is stored as an argon2 hash only, shown once when the batch is issued.
A card is bound to the first account that uses or adds it; after that only that account may
spend it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class GiftCardBatch(Base):
    __tablename__ = "gift_card_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[Decimal]
    quantity: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(120))
    #: The issuing form's one-time key (unique; NULL for scripts, which need none).
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = stamped()


class GiftCard(Base):
    __tablename__ = "gift_card"
    __table_args__ = (Index("ix_gift_card_customer_id", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("gift_card_batch.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    expires_at: Mapped[datetime]
    bound_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
