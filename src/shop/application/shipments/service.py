"""Shipments of orders and where they are: recording a shipment, reading many orders'
tracking at once, staff entering an event by hand, and the tracking job's steps.

Staff writes need ``ORDER_MANAGE`` and are audited. Reading needs ``ORDER_VIEW``, or is a
shopper reading their own orders (another's order simply has no shipments to them). A shipment
becomes delivered once, by a conditional update, and only that update records
``shipment.delivered`` (the ordering domain moves the order on when it hears it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.events.catalog import ShipmentDelivered
from shop.application.i18n import _
from shop.application.jobs.lease import Lease
from shop.application.ordering.states import DELIVERED, SHIPPED
from shop.application.shipments.carriers import CARRIERS, TrackingResult
from shop.application.shipments.read_models import (
    SHIPMENT_STATE_LABELS,
    STATUS_LABELS,
    ShipmentView,
    TrackingEventView,
)
from shop.application.shipments.schemas import ShipmentSchema, tracking_event_schema
from shop.application.validation import entity_key, validate
from shop.data.models import Shipment, TrackingEvent
from shop.data.repositories.shipments import ClaimedShipment, NewTrackingEvent, ShipmentRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

#: Events shown per shipment: a parcel's whole journey is rarely more than twenty.
MAX_EVENTS = 30
#: The orders a shipment may be recorded for: shipped (and a further parcel once delivered).
SHIPPED_STATES = frozenset({SHIPPED, DELIVERED})
#: Orders per ``for_orders`` call: a page of orders, with room to spare.
MAX_ORDERS = 200
#: 快递100 asks for at least 30 minutes between two queries of one number (or it locks it).
POLL_INTERVAL = timedelta(minutes=30)
LONGEST_BACKOFF = timedelta(hours=12)


def retry_delay(failures: int) -> timedelta:
    """After ``failures`` carrier errors in a row: 1, 2, 4 … hours, at most twelve."""
    return min(POLL_INTERVAL * (1 << min(max(failures, 1), 10)), LONGEST_BACKOFF)


@dataclass(frozen=True)
class PollRecorded:
    new_events: int
    delivered: bool


class ShipmentService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = ShipmentRepository(uow._session)

    # -- staff and the ordering domain --------------------------------------------------------

    def record(self, order_id: int, carrier: str, tracking_number: str) -> ShipmentView:
        """The order went out with ``carrier`` under ``tracking_number``; it is polled from now.

        Only for an order that has shipped (``uow.orders.ship`` moves it there and records its
        shipment; a further parcel of a shipped order may follow), so no parcel is tracked for
        an unpaid, cancelled or closed order. Recording the same number for the same order again
        returns the shipment already there (a repeated submission); for another order it is
        refused on ``tracking_number``.
        """
        self.uow.actor.require(Permission.ORDER_MANAGE)
        return self._record(order_id, carrier, tracking_number)

    def _record(self, order_id: int, carrier: str, tracking_number: str) -> ShipmentView:
        """``record`` for a caller that checked the permission (``uow.orders.ship``)."""
        actor = self.uow.actor
        key = entity_key(order_id)
        state = self.repo.order_state(key) if key is not None else None
        if key is None or state is None:
            raise NotFound("no such order")
        if state not in SHIPPED_STATES:
            raise Conflict(_("Only an order that has shipped has shipments: ship it first"))
        values = validate(ShipmentSchema(), {"carrier": carrier,
                                             "tracking_number": tracking_number})
        shipment = self.repo.by_number(values["carrier"], values["tracking_number"])
        if shipment is None:
            made = Shipment(order_id=key, carrier=values["carrier"],
                            tracking_number=values["tracking_number"], shipped_by=actor.name,
                            next_poll_at=self.uow.clock.now())
            shipment = self.repo.add(made)
            if shipment is made:
                self.uow._audit.record("shipments.record", "shipment", shipment.id,
                                       after={"order_id": key, **values})
        if shipment.order_id != key:
            raise Invalid({"tracking_number": _(
                "This tracking number is already recorded for another order")})
        return self._view(shipment, self._events_of([shipment.id]).get(shipment.id, ()))

    def for_orders(self, order_ids: Sequence[int]) -> dict[int, list[ShipmentView]]:
        """Each order's shipments (oldest first) with their newest ``MAX_EVENTS`` events
        (newest first): two queries however many orders and events."""
        actor = self.uow.actor
        if actor.can(Permission.ORDER_VIEW):
            customer_id = None
        elif actor.kind == "shopper" and actor.id is not None:
            customer_id = actor.id
        else:
            raise Forbidden(f"{actor.name} may not read shipments")
        keys = sorted({key for key in map(entity_key, order_ids) if key is not None})
        if len(keys) > MAX_ORDERS:
            raise Invalid({"order_ids": f"at most {MAX_ORDERS} orders at once"})
        found: dict[int, list[ShipmentView]] = {key: [] for key in keys}
        if not keys:
            return found
        shipments = self.repo.for_orders(keys, customer_id)
        events = self._events_of([s.id for s in shipments])
        for shipment in shipments:
            found[shipment.order_id].append(self._view(shipment, events.get(shipment.id, ())))
        return found

    def add_event(self, shipment_id: int, data: Mapping[str, Any]) -> ShipmentView:
        """A tracking event a staff member learned some other way (the carrier's phone line);
        a ``delivered`` one delivers the shipment. Entering the same event twice is a no-op."""
        actor = self.uow.actor
        actor.require(Permission.ORDER_MANAGE)
        key = entity_key(shipment_id)
        shipment = self.repo.get(key) if key is not None else None
        if shipment is None:
            raise NotFound("no such shipment")
        now = self.uow.clock.now()
        values = validate(tracking_event_schema(self.uow.settings.current().zone, now), data)
        added = self.repo.add_events(shipment.id, [NewTrackingEvent(
            values["occurred_at"], values["status"], values["location"], values["description"],
            "staff", actor.name)], now)
        delivered = (values["status"] == "delivered"
                     and self._deliver(shipment.id, shipment.order_id, now))
        if added or delivered:
            self.uow._audit.record("shipments.add_event", "shipment", shipment.id,
                                   after={**values, "delivered": delivered})
        self.repo.reload(shipment)
        return self._view(shipment, self._events_of([shipment.id]).get(shipment.id, ()))

    # -- the tracking job's steps (system actor only) ----------------------------------------

    def any_due(self) -> bool:
        self.uow.actor.require_system()
        return self.repo.any_due(self.uow.clock.now())

    def claim_due(self, lease: Lease, limit: int) -> list[ClaimedShipment]:
        """Lease up to ``limit`` in-transit shipments whose poll is due."""
        self.uow.actor.require_system()
        return self.repo.claim_due(now=self.uow.clock.now(), lease_until=lease.until,
                                   token=lease.token, limit=limit)

    def record_poll(self, claimed: ClaimedShipment, lease: Lease,
                    result: TrackingResult) -> PollRecorded | None:
        """Store what the carrier said; None when the lease was lost meanwhile (whoever holds
        the shipment now records the same answer)."""
        self.uow.actor.require_system()
        now = self.uow.clock.now()
        if not self.repo.polled(claimed.id, lease.token, now, now + POLL_INTERVAL):
            return None
        added = self.repo.add_events(claimed.id, [
            NewTrackingEvent(e.occurred_at, e.status, e.location, e.description, "carrier",
                             self.uow.actor.name) for e in result.events], now)
        delivered = result.delivered and self._deliver(claimed.id, claimed.order_id, now)
        return PollRecorded(added, delivered)

    def record_failure(self, claimed: ClaimedShipment, lease: Lease, error: str) -> None:
        """The carrier gave no timeline: ask again after a backoff."""
        self.uow.actor.require_system()
        now = self.uow.clock.now()
        self.repo.poll_failed(claimed.id, lease.token, now, error,
                              now + retry_delay(claimed.poll_failures + 1))

    def release(self, claimed: Iterable[ClaimedShipment], lease: Lease) -> None:
        """Give back shipments this poller will not get to; they stay due."""
        self.uow.actor.require_system()
        self.repo.release([c.id for c in claimed], lease.token)

    def shipped_at(self, carrier: str, tracking_number: str) -> datetime | None:
        """When the shop recorded this shipment (the tracking simulator's clock starts there)."""
        self.uow.actor.require_system()
        shipment = self.repo.by_number(carrier, tracking_number)
        return shipment.shipped_at if shipment is not None else None

    # -- helpers -----------------------------------------------------------------------------

    def _deliver(self, shipment_id: int, order_id: int, now: datetime) -> bool:
        """In transit → delivered, with its event; False when it was delivered already."""
        if not self.repo.mark_delivered(shipment_id, now):
            return False
        self.uow._events.record(ShipmentDelivered.name, {"order_id": order_id,
                                                         "shipment_id": shipment_id})
        return True

    def _events_of(self, shipment_ids: Sequence[int]) -> dict[int, list[TrackingEventView]]:
        events: dict[int, list[TrackingEventView]] = defaultdict(list)
        for event in self.repo.latest_events(shipment_ids, MAX_EVENTS):
            events[event.shipment_id].append(_event_view(event))
        return events

    def _view(self, shipment: Shipment, events: Iterable[TrackingEventView]) -> ShipmentView:
        carrier = CARRIERS.get(shipment.carrier)
        return ShipmentView(
            shipment.id, shipment.order_id, shipment.carrier,
            carrier.name if carrier else shipment.carrier, shipment.tracking_number,
            shipment.state, SHIPMENT_STATE_LABELS.get(shipment.state, shipment.state),
            shipment.shipped_at, shipment.delivered_at, tuple(events))


def _event_view(event: TrackingEvent) -> TrackingEventView:
    return TrackingEventView(event.occurred_at, event.status,
                             STATUS_LABELS.get(event.status, event.status), event.location,
                             event.description, event.source)
