"""Shipments and their tracking events: recording, reading for many orders at once, and the
poller's claim on due shipments.

Every change a poller makes is a conditional UPDATE naming its lease token, so a poller whose
lease ran out (and whose shipment another poller took) changes nothing; events go in with
``INSERT … ON CONFLICT DO NOTHING`` on the per-shipment fingerprint, so the same carrier event
stored twice (two pollers, a retried poll) is one row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import Order, Shipment, TrackingEvent
from shop.data.models.shipments import DELIVERED, IN_TRANSIT
from shop.data.repositories.batches import affected


@dataclass(frozen=True, slots=True)
class NewTrackingEvent:
    occurred_at: datetime
    status: str
    location: str
    description: str
    source: str
    recorded_by: str


@dataclass(frozen=True, slots=True)
class ClaimedShipment:
    """What a poller needs to ask the carrier about one shipment it holds a lease on."""

    id: int
    order_id: int
    carrier: str
    tracking_number: str
    #: The recipient's mobile from the order: some carriers (SF) answer only with it.
    mobile: str
    #: Carrier errors in a row before this claim (the next backoff grows with it).
    poll_failures: int


def fingerprint(occurred_at: datetime, description: str) -> str:
    """The identity of an event within its shipment: its instant and its text."""
    instant = occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return hashlib.sha256(f"{instant}|{description}".encode()).hexdigest()


class ShipmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- recording and reading ----------------------------------------------------------------

    def order_state(self, order_id: int) -> str | None:
        """The order's state; None when there is no such order."""
        return self.session.scalar(select(Order.state).where(Order.id == order_id))

    def by_number(self, carrier: str, tracking_number: str) -> Shipment | None:
        return self.session.scalar(select(Shipment).where(
            Shipment.carrier == carrier, Shipment.tracking_number == tracking_number))

    def get(self, shipment_id: int) -> Shipment | None:
        return self.session.get(Shipment, shipment_id)

    def reload(self, shipment: Shipment) -> None:
        """Read the row again after a conditional UPDATE changed it behind the session."""
        self.session.refresh(shipment)

    def add(self, shipment: Shipment) -> Shipment:
        """Insert it; when another writer took its (carrier, number) at the same moment, the
        shipment that writer stored instead."""
        try:
            with self.session.begin_nested():
                self.session.add(shipment)
                # Flushed inside the savepoint: a taken number is caught here, not at commit
                # (and the id goes into the audit entry and the caller's view).
                self.session.flush()
                return shipment
        except IntegrityError:
            found = self.by_number(shipment.carrier, shipment.tracking_number)
            if found is None:
                raise
            return found

    def for_orders(self, order_ids: Sequence[int],
                   customer_id: int | None = None) -> Sequence[Shipment]:
        """The shipments of these orders (only ``customer_id``'s orders when given), in one
        query, oldest first per order."""
        query = select(Shipment).where(Shipment.order_id.in_(order_ids))
        if customer_id is not None:
            query = query.join(Order, Order.id == Shipment.order_id).where(
                Order.customer_id == customer_id)
        return self.session.scalars(query.order_by(Shipment.order_id, Shipment.id)).all()

    def latest_events(self, shipment_ids: Sequence[int],
                      per_shipment: int) -> Sequence[TrackingEvent]:
        """Up to ``per_shipment`` newest events of each shipment, in one query, newest first."""
        if not shipment_ids:
            return []
        rank = func.row_number().over(
            partition_by=TrackingEvent.shipment_id,
            order_by=(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())).label("rank")
        ranked = select(TrackingEvent.id, rank).where(
            TrackingEvent.shipment_id.in_(shipment_ids)).subquery()
        return self.session.scalars(
            select(TrackingEvent).join(ranked, ranked.c.id == TrackingEvent.id)
            .where(ranked.c.rank <= per_shipment)
            .order_by(TrackingEvent.shipment_id, TrackingEvent.occurred_at.desc(),
                      TrackingEvent.id.desc())).all()

    def add_events(self, shipment_id: int, events: Iterable[NewTrackingEvent],
                   now: datetime) -> int:
        """Store the events the shipment does not hold yet; how many were new."""
        rows = {fingerprint(e.occurred_at, e.description): {
            "shipment_id": shipment_id, "occurred_at": e.occurred_at, "status": e.status,
            "location": e.location, "description": e.description, "source": e.source,
            "recorded_by": e.recorded_by, "recorded_at": now,
            "fingerprint": fingerprint(e.occurred_at, e.description)} for e in events}
        if not rows:
            return 0
        dialect = self.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(TrackingEvent).values(list(rows.values())).on_conflict_do_nothing(
            index_elements=["shipment_id", "fingerprint"]).returning(TrackingEvent.id)
        # The ids of the rows inserted: rowcount is not reliable for ON CONFLICT on every driver.
        return len(self.session.execute(statement).all())

    def mark_delivered(self, shipment_id: int, now: datetime) -> bool:
        """In transit → delivered; False when it was delivered already (by anyone)."""
        return bool(affected(self.session.execute(
            update(Shipment).where(Shipment.id == shipment_id, Shipment.state == IN_TRANSIT)
            .values(state=DELIVERED, delivered_at=now, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False))))

    # -- the poller's lease ------------------------------------------------------------------

    def _due(self, now: datetime) -> ColumnElement[bool]:
        return and_(Shipment.state == IN_TRANSIT, Shipment.next_poll_at <= now,
                    or_(Shipment.claimed_until.is_(None), Shipment.claimed_until <= now))

    def any_due(self, now: datetime) -> bool:
        """Whether a claim would find work: a plain read, so idle polling takes no write lock."""
        return self.session.scalar(select(Shipment.id).where(self._due(now)).limit(1)) is not None

    def claim_due(self, *, now: datetime, lease_until: datetime, token: str,
                  limit: int) -> list[ClaimedShipment]:
        """Lease up to ``limit`` due shipments to ``token``, longest waiting first.

        On PostgreSQL the candidates are locked with SKIP LOCKED, so two pollers claiming at
        once take different rows; SQLite has one writer at a time. The UPDATE repeats the due
        condition, so a shipment leased meanwhile is never taken twice.
        """
        candidates = select(Shipment.id).where(self._due(now)) \
            .order_by(Shipment.next_poll_at, Shipment.id).limit(limit)
        if self.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(self.session.scalars(candidates))
        if not ids:
            return []
        self.session.execute(
            update(Shipment).where(Shipment.id.in_(ids), self._due(now))
            .values(claimed_by=token, claimed_until=lease_until)
            .execution_options(synchronize_session=False))
        rows = self.session.execute(
            select(Shipment.id, Shipment.order_id, Shipment.carrier, Shipment.tracking_number,
                   Order.mobile, Shipment.poll_failures)
            .join(Order, Order.id == Shipment.order_id)
            .where(Shipment.id.in_(ids), Shipment.claimed_by == token)
            .order_by(Shipment.next_poll_at, Shipment.id))
        return [ClaimedShipment(*row) for row in rows]

    def polled(self, shipment_id: int, token: str, now: datetime,
               next_poll_at: datetime) -> bool:
        """A good answer: due again at ``next_poll_at``, the failure count cleared."""
        return bool(affected(self.session.execute(
            update(Shipment).where(Shipment.id == shipment_id, Shipment.claimed_by == token)
            .values(claimed_by=None, claimed_until=None, last_polled_at=now,
                    next_poll_at=next_poll_at, poll_failures=0, last_error=None)
            .execution_options(synchronize_session=False))))

    def poll_failed(self, shipment_id: int, token: str, now: datetime, error: str,
                    retry_at: datetime) -> bool:
        """A carrier error: due again at ``retry_at``, one more failure counted."""
        return bool(affected(self.session.execute(
            update(Shipment).where(Shipment.id == shipment_id, Shipment.claimed_by == token)
            .values(claimed_by=None, claimed_until=None, last_polled_at=now,
                    next_poll_at=retry_at, poll_failures=Shipment.poll_failures + 1,
                    last_error=error[:500])
            .execution_options(synchronize_session=False))))

    def release(self, shipment_ids: Sequence[int], token: str) -> None:
        """Give back claimed shipments this poller will not get to."""
        if shipment_ids:
            self.session.execute(
                update(Shipment).where(Shipment.id.in_(shipment_ids),
                                       Shipment.claimed_by == token)
                .values(claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False))
