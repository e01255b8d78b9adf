"""After-sales service (售后 / 服务中心): return, refund and exchange requests (rma申请单) with
their lines, photos and every state they passed; the return policy per category; and the
suggestions and complaints (建议与投诉) that staff answer.

A request is written whole (its lines and photos) in one transaction; afterwards only its state
and the staff's notes change, each state change by a conditional UPDATE that names the state it
leaves (two staff clicking at once cannot both move it), with a row in ``rma_transition``. Once
approved, the same row is the processing document (rma处理单): goods received and inspected,
refund, restock or write-off, the replacement shipped.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped

RMA_KINDS = ("refund", "return", "exchange")
RMA_STATES = ("requested", "approved", "rejected", "withdrawn", "received", "refunded",
              "replaced")
RMA_DISPOSITIONS = ("", "restock", "write_off")
TICKET_KINDS = ("suggestion", "complaint")
TICKET_STATES = ("open", "answered")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ('" + "', '".join(values) + "')"


class RmaRequest(Base):
    __tablename__ = "rma_request"
    __table_args__ = (
        # My requests, newest first; the staff queue by state, oldest first.
        Index("ix_rma_request_customer_id", "customer_id", "id"),
        Index("ix_rma_request_state_id", "state", "id"),
        Index("ix_rma_request_order_id", "order_id"),
        CheckConstraint(_one_of("kind", RMA_KINDS), name="known_kind"),
        CheckConstraint(_one_of("state", RMA_STATES), name="known_state"),
        CheckConstraint(_one_of("disposition", RMA_DISPOSITIONS), name="known_disposition"),
        CheckConstraint("refund_total >= 0", name="refund_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What the shopper and staff say ("S202612021530123456"): date + random digits.
    number: Mapped[str] = mapped_column(String(24), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12))
    #: A reason code (``no_reason`` 七天无理由, ``quality`` …); the application tier labels them.
    reason: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: The staff's last word to the shopper (why approved, rejected, what was found).
    staff_message: Mapped[str] = mapped_column(String(500), default="")
    #: Set at inspection: the returned goods go back on sale or are written off.
    disposition: Mapped[str] = mapped_column(String(10), default="")
    #: What was refunded (set once, with the state change to ``refunded``).
    refund_total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    #: An exchange's replacement parcel: its carrier and tracking number, as staff gave them.
    replacement_carrier: Mapped[str] = mapped_column(String(20), default="")
    replacement_tracking: Mapped[str] = mapped_column(String(40), default="")
    #: The zero-amount order that carries an exchange's replacement (set with ``replaced``);
    #: None for older requests, whose parcel left without an order.
    replacement_order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id"))
    created_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped(on_update=True)


class RmaLine(Base):
    __tablename__ = "rma_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("refund_amount >= 0", name="refund_not_negative"),
        Index("ix_rma_line_rma_id", "rma_id"),
        Index("ix_rma_line_order_line_id", "order_line_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_request.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    #: This line's refund, set when the request is refunded (its share of the line, to the fen).
    refund_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))


class RmaPhoto(Base):
    __tablename__ = "rma_photo"
    __table_args__ = (Index("ix_rma_photo_rma_id", "rma_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_request.id", ondelete="CASCADE"))
    #: The stored file's random name in the media directory (``shop.media.directory``).
    file_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))


class RmaTransition(Base):
    """One step of a request's life: from which state to which, who, when, what they said."""

    __tablename__ = "rma_transition"
    __table_args__ = (Index("ix_rma_transition_rma_id", "rma_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_id: Mapped[int] = mapped_column(ForeignKey("rma_request.id", ondelete="CASCADE"))
    from_state: Mapped[str] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(500), default="")
    occurred_at: Mapped[datetime] = stamped()


class ReturnPolicy(Base):
    """A category's return rules; a category without a row follows the shop's defaults
    (``shop.rma.no_reason_days``, ``shop.rma.return_days``)."""

    __tablename__ = "return_policy"
    __table_args__ = (
        CheckConstraint("no_reason_days >= 0 AND return_days >= 0", name="days_not_negative"),
    )

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"),
                                             primary_key=True)
    #: Days after delivery for a return without a reason (七天无理由); 0: excluded from it.
    no_reason_days: Mapped[int] = mapped_column(Integer)
    #: Days after delivery for a return or exchange with a reason (quality, wrong item …).
    return_days: Mapped[int] = mapped_column(Integer)


class ServiceTicket(Base):
    """A suggestion or complaint (建议与投诉) and the staff's answer."""

    __tablename__ = "service_ticket"
    __table_args__ = (
        Index("ix_service_ticket_customer_id", "customer_id", "id"),
        Index("ix_service_ticket_state_id", "state", "id"),
        CheckConstraint(_one_of("kind", TICKET_KINDS), name="known_kind"),
        CheckConstraint(_one_of("state", TICKET_STATES), name="known_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(2000))
    answer: Mapped[str] = mapped_column(String(2000), default="")
    answered_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = stamped()
    answered_at: Mapped[datetime | None]
