"""How ordering reacts to other domains' events (see ``shop.application.events.registry``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.application.events.catalog import ShipmentDelivered
from shop.application.events.handlers import handles

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@handles(ShipmentDelivered, "ordering.delivered")
def order_delivered(uow: UnitOfWork, event: ShipmentDelivered) -> None:
    """签收: the order moves from shipped to delivered; the shopper then confirms receipt."""
    uow.orders.mark_delivered(event.order_id)


HANDLERS = (order_delivered,)
