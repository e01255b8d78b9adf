"""Shipments (发货) and their tracking events (物流轨迹).

A shipment is one parcel of an order, known by its carrier and the carrier's tracking number
(unique together: one waybill is one parcel). While it is ``in_transit`` the tracking job polls
the carrier for it: ``next_poll_at`` says when it is due, ``claimed_by``/``claimed_until`` are a
poller's lease on it (as on the delivery queues), ``poll_failures`` drives the backoff after a
carrier error. It becomes ``delivered`` once, by a conditional UPDATE that names the state it
leaves, so the ``shipment.delivered`` event is recorded once however many pollers saw 签收.

A tracking event is what the carrier (or a staff member) said happened, when and where. The
carrier repeats its whole timeline on every query; ``fingerprint`` (a SHA-256 of the time and
the text) is unique per shipment, so storing an event the shop already holds is a no-op.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.data.models.base import Base, stamped

IN_TRANSIT = "in_transit"
DELIVERED = "delivered"
SHIPMENT_STATES = (IN_TRANSIT, DELIVERED)

#: What one tracking event says of the parcel; the application tier labels them.
TRACKING_STATUSES = ("accepted", "in_transit", "out_for_delivery", "delivered", "exception",
                     "returning", "returned", "rejected", "customs")
TRACKING_SOURCES = ("carrier", "staff")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ('" + "', '".join(values) + "')"


class Shipment(Base):
    __tablename__ = "shipment"
    __table_args__ = (
        UniqueConstraint("carrier", "tracking_number", name="uq_shipment_carrier_number"),
        # An order's shipments, in the order they were sent (for_orders).
        Index("ix_shipment_order_id", "order_id", "id"),
        # The poller: in-transit shipments whose next poll is due.
        Index("ix_shipment_state_next_poll_at", "state", "next_poll_at"),
        CheckConstraint(_one_of("state", SHIPMENT_STATES), name="known_state"),
        CheckConstraint("poll_failures >= 0", name="poll_failures_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    #: The shop's carrier code ("SF", "ZTO" …); the adapter maps it to the tracker's own.
    carrier: Mapped[str] = mapped_column(String(10))
    tracking_number: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(12), default=IN_TRANSIT)
    shipped_at: Mapped[datetime] = stamped()
    #: Who recorded the shipment (the actor's name, as in the audit log).
    shipped_by: Mapped[str] = mapped_column(String(120))
    delivered_at: Mapped[datetime | None]

    last_polled_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime]
    #: Carrier errors in a row since the last good answer (the backoff grows with it).
    poll_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]


class TrackingEvent(Base):
    __tablename__ = "tracking_event"
    __table_args__ = (
        UniqueConstraint("shipment_id", "fingerprint", name="uq_tracking_event_fingerprint"),
        # A shipment's events, newest first.
        Index("ix_tracking_event_shipment_id", "shipment_id", "occurred_at"),
        CheckConstraint(_one_of("status", TRACKING_STATUSES), name="known_status"),
        CheckConstraint(_one_of("source", TRACKING_SOURCES), name="known_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id", ondelete="CASCADE"))
    #: When it happened, by the carrier's (or the staff member's) account; aware UTC.
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(10))
    recorded_at: Mapped[datetime] = stamped()
    recorded_by: Mapped[str] = mapped_column(String(120))
    #: SHA-256 (hex) of the time and the description: the same event told twice is one row.
    fingerprint: Mapped[str] = mapped_column(String(64))
