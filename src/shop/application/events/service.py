"""Recording events with the change that caused them (``uow._events.record``), and the steps the
dispatch job takes to hand them to handlers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shop.application.events.catalog import EVENT_TYPES
from shop.application.jobs.lease import Lease
from shop.application.jobs.queue import DeliveryQueue
from shop.data.repositories.events import EventRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@dataclass(frozen=True)
class ClaimedDelivery:
    """One handler's pending work on one event, as the dispatcher sees it after its claim."""

    id: int
    handler: str
    event_id: int
    event_name: str
    payload: dict[str, Any]


class EventService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = EventRepository(uow._session)

    def record(self, name: str, payload: Mapping[str, Any]) -> None:
        """Record that ``name`` happened, in the caller's transaction, with one delivery per
        handler subscribed to it. Callers have checked permissions for the change itself.

        ``payload`` must fit the event's type in ``shop.application.events.catalog``
        (``ValueError`` otherwise: a programming error, raised before anything is written).
        """
        self.record_all([(name, payload)])

    def record_all(self, events: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """``record`` for several events at once (a change to many SKUs), in two statements."""
        rows = []
        for name, payload in events:
            kind = EVENT_TYPES.get(name)
            if kind is None:
                raise ValueError(f"unknown event {name!r}: declare it in "
                                 "shop.application.events.catalog")
            handlers = [h.name for h in self.uow.shop.event_handlers.for_event(name)]
            rows.append((name, kind.from_payload(payload).to_payload(), handlers))
        self.repo.add(rows, self.uow.actor.name, due=self.uow.clock.now())

    @cached_property
    def deliveries(self) -> DeliveryQueue:
        """The deliveries' queue steps (system actor only): complete, fail, release."""
        return DeliveryQueue(self.uow, self.repo)

    def claim(self, lease: Lease, limit: int) -> list[ClaimedDelivery]:
        """Lease up to ``limit`` due deliveries, with their events' payloads."""
        deliveries: Sequence[Any] = self.deliveries.claim(lease, limit)
        events = self.repo.events(delivery.event_id for delivery in deliveries)
        return [ClaimedDelivery(delivery.id, delivery.handler, delivery.event_id,
                                events[delivery.event_id].name,
                                dict(events[delivery.event_id].payload))
                for delivery in deliveries]
