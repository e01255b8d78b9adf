"""Inventory: how many of each SKU each warehouse holds, what is promised, and why it changed.

``StockLevel`` is the one place a quantity lives: ``on_hand`` (physically there) and ``reserved``
(promised to an order, a transfer or an outbound, not yet gone); what can still be sold is
``on_hand - reserved``. The database refuses a negative of either, and more reserved than on
hand, whatever code path writes. ``StockReservation`` is one owner's promise (库存占用单),
``StockMovement`` the append-only log (库存变动log) of every change to a level: summed per SKU
and warehouse, its two deltas give the level's two numbers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class Warehouse(Base):
    """Where stock is kept. One default warehouse now; the warehouse module adds others."""

    __tablename__ = "warehouse"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class StockLevel(Base):
    __tablename__ = "stock_level"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    sku_id: Mapped[int] = mapped_column(ForeignKey("sku.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), primary_key=True,
                                              index=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)


class StockReservation(Base):
    """Stock one owner (``order``/``R20261201…``, later a transfer or an outbound) holds.

    ``active`` until released (back to available) or deducted (gone out with the owner); the
    state changes once, by a conditional UPDATE, so releasing or deducting twice does nothing.
    """

    __tablename__ = "stock_reservation"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_reservation_owner", "owner_kind", "owner_ref", "state"),
        Index("ix_stock_reservation_state_expires", "state", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(20))
    owner_ref: Mapped[str] = mapped_column(String(64))
    sku_id: Mapped[int] = mapped_column(ForeignKey("sku.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="active")
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = stamped()


class StockMovement(Base):
    """One change to a stock level, never updated or deleted.

    ``delta`` is the change to on hand, ``reserved_delta`` the change to reserved: a
    reservation moves only the second, a deduction both, an adjustment only the first.
    ``reason`` is what kind of change (``opening``, ``adjust``, ``reserve``, ``release``,
    ``deduct``); ``reference`` whose (``order:R2026…``) or, for an adjustment, the stated reason.
    """

    __tablename__ = "stock_movement"
    __table_args__ = (Index("ix_stock_movement_sku_warehouse", "sku_id", "warehouse_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("sku.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    delta: Mapped[int] = mapped_column(Integer)
    reserved_delta: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(120))
    occurred_at: Mapped[datetime] = stamped()


class StockShortfall(Base):
    """Units sold that were not there (超卖): an order paid for a product sold without
    reservation (付款减库存) when fewer were on hand. Staff see it and make it good (restock,
    substitute, refund); ``resolved_at`` says when."""

    __tablename__ = "stock_shortfall"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_shortfall_open", "resolved_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("sku.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    owner_kind: Mapped[str] = mapped_column(String(20))
    owner_ref: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = stamped()
    resolved_at: Mapped[datetime | None]
