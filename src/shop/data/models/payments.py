"""Payments (支付): each means an order is paid by, refunds, and what the gateways told us.

A ``payment`` row is one tender of one order: an internal means held and then captured (balance,
points, a gift card) or one attempt at an external gateway, whose ``number`` is the
out_trade_no the gateway knows. ``refunded`` grows by a conditional UPDATE that keeps it within
``amount``, so two partial refunds requested at once cannot together exceed what was captured.

``gateway_event`` records each verified notification once per (gateway, event id): the tenth
copy of a notification finds its row and changes nothing. ``payment_alert`` is finance's
worklist: notifications that failed verification or did not match their payment, late
payments and what the shop did about them.
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped

#: ``external``: money an external platform collected (a group-buy order, 0023).
PAYMENT_METHODS = ("balance", "points", "gift_card", "alipay", "wechat", "unionpay", "external")
PAYMENT_STATES = ("held", "pending", "captured", "released", "failed", "closed")
REFUND_STATES = ("pending", "succeeded", "failed")


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("method IN ('" + "', '".join(PAYMENT_METHODS) + "')",
                        name="known_method"),
        CheckConstraint("state IN ('" + "', '".join(PAYMENT_STATES) + "')", name="known_state"),
        CheckConstraint("amount > 0 AND refunded >= 0 AND refunded <= amount",
                        name="refunds_within_amount"),
        CheckConstraint("points >= 0", name="points_not_negative"),
        Index("ix_payment_order_id", "order_id", "id"),
        Index("ix_payment_state_updated_at", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Starts with the time it was made (yyyyMMddHHmmss, what UnionPay's query needs back),
    #: then random digits: the gateway's out_trade_no.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"))
    method: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal]
    #: Points spent (method "points"); the amount is their value in CNY.
    points: Mapped[int] = mapped_column(Integer, default=0)
    #: The internal account the value came from (None for a gateway).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_account.id"))
    refunded: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    #: The gateway's transaction number, once it told us.
    trade_no: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(10), default="")
    installments: Mapped[int] = mapped_column(Integer, default=0)
    #: The payment form's one-time key: a form sent twice finds what the first sending did.
    request_key: Mapped[str | None] = mapped_column(String(64))
    #: A trade the shop closed (``state`` closed) that its gateway has been told to close too;
    #: the ``check-pending-payments`` job tells it, outside any transaction.
    closed_at_gateway: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped(on_update=True)
    captured_at: Mapped[datetime | None]


class PaymentRefund(Base):
    __tablename__ = "payment_refund"
    __table_args__ = (
        CheckConstraint("state IN ('" + "', '".join(REFUND_STATES) + "')", name="known_state"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_refund_payment_id", "payment_id"),
        Index("ix_payment_refund_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The refund's number at the gateway (out_request_no / out_refund_no / orderId): a retry
    #: after a timeout sends the same one.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"))
    amount: Mapped[Decimal]
    #: Points given back (a points tender); its amount is their value.
    points: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(120))
    gateway_refund_id: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped(on_update=True)


class GatewayEvent(Base):
    __tablename__ = "gateway_event"
    __table_args__ = (UniqueConstraint("gateway", "event_id", name="uq_gateway_event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    out_trade_no: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal]
    #: What the shop did with it: "credited", "refunded", "revived", "ignored", "flagged".
    outcome: Mapped[str] = mapped_column(String(12))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = stamped()


class PaymentAlert(Base):
    __tablename__ = "payment_alert"
    __table_args__ = (Index("ix_payment_alert_open", "resolved_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20))
    #: "bad_signature", "amount_mismatch", "unknown_trade", "late_payment_refunded",
    #: "late_payment_revived", "reconciliation".
    kind: Mapped[str] = mapped_column(String(30))
    out_trade_no: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = stamped()
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))
