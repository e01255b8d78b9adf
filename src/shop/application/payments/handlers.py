"""How payments react to other domains' events (see ``shop.application.events.registry``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.application.events.catalog import OrderPaid
from shop.application.events.handlers import handles

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@handles(OrderPaid, "payments.earn_points")
def earn_points(uow: UnitOfWork, event: OrderPaid) -> None:
    """Points for the money paid (once per order: the ledger reference makes sure of it)."""
    uow.payments.earn_points(event.order_id)


HANDLERS = (earn_points,)
