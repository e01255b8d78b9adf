"""Promotions (商品促销) and coupons (优惠券).

A campaign (``Promotion``, 活动) is one row: its rule's parameters, its scope and how it combines
with others are JSON documents the application tier owns the shape of (they are read whole with
the campaign, never filtered on); what is filtered on — the state and the time window — are
columns with an index. Staff start campaigns from templates (``PromotionTemplate``: preset
fields).

What must not oversell changes only through conditional UPDATEs: a campaign's total uses
(``used_count``), a flash sale's quota per SKU (``FlashSaleItem.sold``), a coupon template's
issued count, a coupon's state. Every use is a row (``DiscountUse``) naming the
order and the amount it took off, and is returned (``returned_at``) when the order ends unpaid
or is cancelled, so the discount given can be audited and reversed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped


class PromotionTemplate(Base):
    """A staff-saved template: a rule kind with preset fields (JSON) to start campaigns from."""

    __tablename__ = "promotion_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    preset: Mapped[str] = mapped_column(Text, default="{}")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = stamped()


class Promotion(Base):
    __tablename__ = "promotion"
    __table_args__ = (
        # What is live now: active campaigns whose window has not ended.
        Index("ix_promotion_state_ends_at", "state", "ends_at"),
        CheckConstraint("state IN ('active', 'paused', 'ended')", name="known_state"),
        CheckConstraint("starts_at < ends_at", name="window_ordered"),
        CheckConstraint("total_limit IS NULL OR used_count <= total_limit",
                        name="within_total_limit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The landing page's address (/campaigns/<code>) and the engine's stable tie-break.
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30))
    #: The rule's parameters, the scope and the combination rules (JSON).
    rule: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    stacking: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: Space-separated channel and member-group codes; empty: every one.
    channels: Mapped[str] = mapped_column(String(200), default="")
    member_groups: Mapped[str] = mapped_column(String(200), default="")
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    total_limit: Mapped[int | None] = mapped_column(Integer)
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="active")
    template_id: Mapped[int | None] = mapped_column(ForeignKey("promotion_template.id"))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped(on_update=True)


class FlashSaleItem(Base):
    """A flash sale's (秒杀) special price and quota for one SKU."""

    __tablename__ = "flash_sale_item"
    __table_args__ = (
        UniqueConstraint("promotion_id", "sku_id"),
        CheckConstraint("sold >= 0 AND sold <= quota", name="within_quota"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotion.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("sku.id"), index=True)
    price: Mapped[Decimal]
    quota: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)


class DiscountUse(Base):
    """One campaign's or one coupon's part in one order: what counts towards its limits, the
    amount it took off (the sum of the order's line shares it was allocated), and when it was
    given back because the order ended unpaid or was cancelled."""

    __tablename__ = "discount_use"
    __table_args__ = (
        UniqueConstraint("coupon_id", "order_id"),
        Index("ix_discount_use_promotion_customer", "promotion_id", "customer_id"),
        CheckConstraint("(promotion_id IS NULL) <> (coupon_id IS NULL)", name="one_source"),
        CheckConstraint("amount >= 0 AND units >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    promotion_id: Mapped[int | None] = mapped_column(ForeignKey("promotion.id"))
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupon.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"), index=True)
    #: A flash sale's use is one row per SKU: the units taken from that SKU's quota (what goes
    #: back to it); other uses name no SKU and take no units.
    sku_id: Mapped[int | None] = mapped_column(ForeignKey("sku.id"))
    units: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal]
    used_at: Mapped[datetime] = stamped()
    returned_at: Mapped[datetime | None]


class CouponTemplate(Base):
    """What a kind of coupon gives, to whom, for how long, and how many may exist."""

    __tablename__ = "coupon_template"
    __table_args__ = (
        CheckConstraint("kind IN ('amount', 'percent', 'free_shipping')", name="known_kind"),
        CheckConstraint("total_quantity IS NULL OR issued_count <= total_quantity",
                        name="within_quantity"),
        CheckConstraint("valid_until IS NOT NULL OR valid_days IS NOT NULL",
                        name="validity_given"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal | None]
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    #: The most a percentage coupon takes off.
    cap: Mapped[Decimal | None]
    min_spend: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    scope: Mapped[str] = mapped_column(Text)
    stacking: Mapped[str] = mapped_column(Text)
    #: A fixed window, or ``valid_days`` from the day each coupon is issued.
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    valid_days: Mapped[int | None] = mapped_column(Integer)
    total_quantity: Mapped[int | None] = mapped_column(Integer)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    #: How many of this template one shopper may claim (领取上限).
    per_customer_limit: Mapped[int] = mapped_column(Integer, default=1)
    #: Offered in the coupon center (领券中心) and on product pages.
    claimable: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Granted to every new account (the registration gift).
    on_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A code anyone may type at checkout, usable once per shopper.
    public_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = stamped()


class CouponBatch(Base):
    __tablename__ = "coupon_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_template.id"), index=True)
    #: ``codes`` (printed or sent codes, bound by the first shopper who enters one) or
    #: ``grant`` (given to chosen shoppers).
    kind: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)
    issued_by: Mapped[str] = mapped_column(String(120))
    #: The issuing form's one-time key: a re-submitted form issues nothing twice.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = stamped()


class Coupon(Base):
    """One coupon (券): a code, its owner once it has one, and whether it was used and where."""

    __tablename__ = "coupon"
    __table_args__ = (
        # 我的优惠券: a shopper's coupons per state, soonest to expire first.
        Index("ix_coupon_customer_state_until", "customer_id", "state", "valid_until"),
        Index("ix_coupon_template_state", "template_id", "state"),
        CheckConstraint("state IN ('usable', 'used')", name="known_state"),
        CheckConstraint("(state = 'used') = (order_id IS NOT NULL)", name="used_by_an_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_template.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("coupon_batch.id"), index=True)
    #: At least 40 random bits (10 characters of a 32-letter alphabet: 50 bits).
    code: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    #: How it was issued: ``batch``, ``grant``, ``claim``, ``registration`` or ``public``.
    source: Mapped[str] = mapped_column(String(15))
    #: Makes a limited thing unique: ``claim:<template>:<customer>:<n>`` for the n-th claim
    #: (two racing claims of the same n cannot both land), ``public:<template>:<customer>``
    #: for a public code's one use per shopper, ``registration:<template>:<customer>``.
    limit_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="usable")
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    #: The order using it now (its uses, returned ones too, are in ``discount_use``).
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id"), index=True)
    used_at: Mapped[datetime | None]
    issued_at: Mapped[datetime] = stamped()
