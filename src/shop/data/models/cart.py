"""The cart (购物车): one per shopper account, or one per guest's cookie token.

A cart belongs to exactly one owner: ``customer_id`` for a signed-in shopper, ``token_hash``
(SHA-256 of the guest's random cookie token; the token itself is never stored) for a visitor.
A line keeps the price the SKU had when it was added, so the cart can say when it changed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class Cart(Base):
    __tablename__ = "cart"
    __table_args__ = (
        CheckConstraint("(customer_id IS NULL) <> (token_hash IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped(on_update=True)


class CartLine(Base):
    __tablename__ = "cart_line"
    __table_args__ = (
        UniqueConstraint("cart_id", "sku_id", name="uq_cart_line_cart_sku"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("sku.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    selected: Mapped[bool] = mapped_column(Boolean, default=True)
    price_when_added: Mapped[Decimal]
    created_at: Mapped[datetime] = stamped()
