"""Shipping methods (配送方式) that staff configure, their fee rules per region and the regions
they do not serve.

A fee rule belongs to a province (a GB/T 2260 code such as ``650000``) or, with the region
``*``, to every province the method has no rule of its own for. Keeping ``*`` a real value
rather than NULL lets the unique key (method, region) hold for the default rule too.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped

#: The region of a method's default rule: every province without a rule of its own.
EVERYWHERE_ELSE = "*"


class ShippingMethod(Base):
    __tablename__ = "shipping_method"
    __table_args__ = (
        CheckConstraint("free_above IS NULL OR free_above >= 0", name="free_above_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: How checkout and orders name the method; never changes.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Free when the items amount is at or above this; None: never free.
    free_above: Mapped[Decimal | None]
    created_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped(on_update=True)


class ShippingFeeRule(Base):
    """The fee of a parcel: ``first_fee`` up to ``first_weight_grams``, then
    ``additional_fee`` for each started ``additional_weight_grams`` beyond it."""

    __tablename__ = "shipping_fee_rule"
    __table_args__ = (
        UniqueConstraint("method_id", "region", name="uq_shipping_fee_rule_method_region"),
        CheckConstraint("first_weight_grams > 0", name="first_weight_positive"),
        CheckConstraint("additional_weight_grams > 0", name="additional_weight_positive"),
        CheckConstraint("first_fee >= 0", name="first_fee_not_negative"),
        CheckConstraint("additional_fee >= 0", name="additional_fee_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("shipping_method.id", ondelete="CASCADE"))
    #: A province code, or ``EVERYWHERE_ELSE``.
    region: Mapped[str] = mapped_column(String(6))
    first_weight_grams: Mapped[int] = mapped_column(Integer)
    first_fee: Mapped[Decimal]
    additional_weight_grams: Mapped[int] = mapped_column(Integer)
    additional_fee: Mapped[Decimal]


class ShippingExclusion(Base):
    """A province or a city the method does not deliver to, whatever its rules say."""

    __tablename__ = "shipping_exclusion"

    method_id: Mapped[int] = mapped_column(
        ForeignKey("shipping_method.id", ondelete="CASCADE"), primary_key=True)
    region: Mapped[str] = mapped_column(String(6), primary_key=True)
