"""Orders (订单): what a shopper bought, at which price, where it goes, and every state it passed.

An order is written whole in one transaction with its lines, its invoice request and its first
transition; after that only its state, address and remarks change, each state change by a
conditional UPDATE that names the state it leaves (two writers cannot both move it) and a row in
``order_transition``. Lines keep a snapshot of the SKU (code, names, variant, image, weight,
price) so an order reads the same after the catalog changes. The money columns hold the payable
breakdown computed once at placement; a CHECK keeps them adding up whatever writes them.
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
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped

#: Every state an order can be in; the application tier owns the edges between them.
ORDER_STATES = ("awaiting_payment", "paid", "awaiting_shipment", "shipped", "delivered",
                "completed", "cancelled", "closed")


class Order(Base):
    __tablename__ = "shop_order"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key", name="uq_shop_order_idempotency"),
        # My orders, newest first, per tab: keyset pagination on (customer, state, id).
        Index("ix_shop_order_customer_id", "customer_id", "id"),
        Index("ix_shop_order_customer_state_id", "customer_id", "state", "id"),
        # The close job: unpaid orders past their deadline.
        Index("ix_shop_order_state_pay_by", "state", "pay_by"),
        # The back office's order list (0019): newest first by (placed_at, id), keyset-paged,
        # alone or within a date range; the same within a state (the awaiting-shipment
        # queue); by amount; by the recipient's mobile; the review queue.
        Index("ix_shop_order_placed_at_id", "placed_at", "id"),
        Index("ix_shop_order_state_placed_at_id", "state", "placed_at", "id"),
        Index("ix_shop_order_payable_id", "payable", "id"),
        Index("ix_shop_order_mobile", "mobile"),
        Index("ix_shop_order_review_placed_at_id", "review", "placed_at", "id"),
        CheckConstraint("review IS NULL OR review IN ('pending', 'approved', 'rejected', "
                        "'held')", name="known_review"),
        CheckConstraint("state IN ('" + "', '".join(ORDER_STATES) + "')", name="known_state"),
        CheckConstraint("approval IS NULL OR approval IN ('pending', 'approved', 'rejected')",
                        name="known_approval"),
        # The zero-amount queue (0023): orders waiting for a second person's approval.
        Index("ix_shop_order_approval_placed_at_id", "approval", "placed_at", "id"),
        CheckConstraint("items_total >= 0 AND discount_total >= 0 AND shipping_fee >= 0 "
                        "AND covered_total >= 0 AND payable >= 0", name="amounts_not_negative"),
        # In whole fen: SQLite does this arithmetic in floating point, where 0.1 + 0.2 != 0.3.
        CheckConstraint("round(payable * 100) = round(items_total * 100) - round(discount_total "
                        "* 100) + round(shipping_fee * 100) - round(covered_total * 100)",
                        name="payable_adds_up"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What the shopper and staff see and say ("202612011958237315"): date + random digits.
    number: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    #: The checkout form's one-time key: a re-submitted form finds the order it already made.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    placed_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped(on_update=True)
    #: When an unpaid order closes by itself (None: cash on delivery, which waits for nobody).
    pay_by: Mapped[datetime | None]
    payment_method: Mapped[str] = mapped_column(String(20))

    items_total: Mapped[Decimal]
    discount_total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    shipping_fee: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    #: Paid by balance, points, gift cards (the payments issue plugs them in).
    covered_total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    payable: Mapped[Decimal]
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)

    shipping_method_code: Mapped[str] = mapped_column(String(40))
    shipping_method_name: Mapped[str] = mapped_column(String(120))

    #: The delivery address, copied from the address book (which may change later).
    recipient: Mapped[str] = mapped_column(String(30))
    mobile: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6))
    district_code: Mapped[str | None] = mapped_column(String(6))
    street: Mapped[str] = mapped_column(String(120))
    postcode: Mapped[str | None] = mapped_column(String(6))

    #: The shopper's remarks (订单备注).
    remarks: Mapped[str] = mapped_column(String(200), default="")
    #: The staff review (订单审核) of an order the shop reviews before it ships: ``pending``
    #: (waiting for the rules or a person), ``approved``, ``held``, ``rejected``. None: the
    #: order was never subject to review (reviewing was off when it was paid), and ships as is.
    review: Mapped[str | None] = mapped_column(String(10), default=None)
    #: Where the order came from (``shop.application.sales_channels``): the shopper's channel,
    #: or ``phone`` / ``group_buy`` for orders staff entered.
    channel: Mapped[str] = mapped_column(String(20), default="web", server_default="web")
    #: The staff member who entered the order (电话订购, 团购导入, 无金额订单); None: the shopper.
    entered_by: Mapped[str | None] = mapped_column(String(120), default=None)
    #: A zero-amount order's second-person approval: ``pending`` (it may not ship),
    #: ``approved``, ``rejected`` (cancelled). None: no approval needed.
    approval: Mapped[str | None] = mapped_column(String(10), default=None)


class OrderLine(Base):
    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("round(line_total * 100) = round(unit_price * 100) * quantity",
                        name="line_total_adds_up"),
        CheckConstraint("discount_share >= 0 AND discount_share <= line_total",
                        name="discount_within_line"),
        Index("ix_order_line_order_id", "order_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sku_id: Mapped[int] = mapped_column(ForeignKey("sku.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    sku_code: Mapped[str] = mapped_column(String(80))
    product_slug: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    variant_zh: Mapped[str] = mapped_column(String(200), default="")
    variant_en: Mapped[str] = mapped_column(String(200), default="")
    image_url: Mapped[str | None] = mapped_column(String(500))
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    unit_price: Mapped[Decimal]
    quantity: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[Decimal]
    #: This line's part of the order's discounts (largest remainder: the fen add up).
    discount_share: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    #: True: stock reserved at submission (下单减库存); False: taken only at payment (付款减库存).
    reserves_stock: Mapped[bool] = mapped_column(Boolean, default=True)


class OrderInvoice(Base):
    """The invoice the shopper asked for, for finance to issue; no row when none was asked."""

    __tablename__ = "order_invoice"
    __table_args__ = (
        CheckConstraint("kind IN ('plain', 'vat')", name="known_kind"),
        CheckConstraint("title_kind IN ('personal', 'company')", name="known_title_kind"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    title_kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(100))
    tax_code: Mapped[str] = mapped_column(String(18), default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(String(40), default="")
    company_address: Mapped[str] = mapped_column(String(200), default="")
    company_phone: Mapped[str] = mapped_column(String(30), default="")


class OrderTransition(Base):
    """One step of an order's life: from which state to which, who, when, why. Never changed."""

    __tablename__ = "order_transition"
    __table_args__ = (
        Index("ix_order_transition_order_id", "order_id", "id"),
        # The dashboard: orders paid (or moved to any state) within a day.
        Index("ix_order_transition_to_state_occurred_at", "to_state", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    #: "" for the order's first state.
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(200), default="")
    occurred_at: Mapped[datetime] = stamped()


class OrderFlag(Base):
    """A staff mark on an order (订单标记): urgent, risk, VIP, or a short text of their own.

    An order carries a kind at most once (a custom mark once per text), so flagging twice is
    harmless; removing deletes the row (the audit log keeps who set and removed it)."""

    __tablename__ = "order_flag"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", "text", name="uq_order_flag_kind_text"),
        CheckConstraint("kind IN ('urgent', 'risk', 'vip', 'custom')", name="known_kind"),
        # The list's flag filter, newest or oldest first (0022): the orders carrying a kind
        # in the order the list shows them, one index range however rare or common the kind.
        Index("ix_order_flag_kind_order_placed_at", "kind", "order_placed_at", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    #: The order's ``placed_at`` (which never changes), so that the flag filter reads flags in
    #: the list's order instead of probing every order for a flag a few carry.
    order_placed_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(10))
    #: The custom mark's words; "" for the fixed kinds.
    text: Mapped[str] = mapped_column(String(40), default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = stamped()


class OrderNote(Base):
    """A staff note on an order (客服备注): never shown to the shopper, never changed."""

    __tablename__ = "order_note"
    __table_args__ = (Index("ix_order_note_order_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = stamped()


class OrderEntry(Base):
    """What staff said about an order they entered (``shop.application.ordering.entry``): its
    kind, a zero-amount order's reason and who decided it, a group-buy order's platform and
    the platform's order id. (platform, external_id) is unique, so two imports of one file
    racing each other cannot both create the order."""

    __tablename__ = "order_entry"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_order_entry_platform_external_id"),
        CheckConstraint("kind IN ('phone', 'group_buy', 'zero_amount')", name="known_kind"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    #: Why a zero-amount order is given away (a gift, a replacement).
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: A group-buy order's platform (美团, 拼多多, …) and its order id there; None otherwise.
    platform: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(64))
    #: Who approved or rejected a zero-amount order, and when.
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = stamped()
