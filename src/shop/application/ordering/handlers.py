"""How ordering reacts to other domains' events (see ``shop.application.events.registry``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.application.events.catalog import (
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    ShipmentDelivered,
)
from shop.application.events.handlers import handles

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@handles(ShipmentDelivered, "ordering.delivered")
def order_delivered(uow: UnitOfWork, event: ShipmentDelivered) -> None:
    """签收: the order moves from shipped to delivered; the shopper then confirms receipt."""
    uow.orders.mark_delivered(event.order_id)


@handles(OrderPlaced, "ordering.placed_notice")
def tell_it_is_placed(uow: UnitOfWork, event: OrderPlaced) -> None:
    """订单提交通知: the number, the amount and (online) the time to pay by."""
    uow.orders.notify(event.order_id, "placed")


@handles(OrderPaid, "ordering.paid_notice")
def tell_it_is_paid(uow: UnitOfWork, event: OrderPaid) -> None:
    """付款成功通知: once per payment event, however many notifications the gateway sent."""
    uow.orders.notify(event.order_id, "paid")


@handles(OrderShipped, "ordering.shipped_notice")
def tell_it_has_shipped(uow: UnitOfWork, event: OrderShipped) -> None:
    """发货通知: the carrier and the tracking number."""
    uow.orders.notify(event.order_id, "shipped")


@handles(OrderPaid, "ordering.review")
def review_paid(uow: UnitOfWork, event: OrderPaid) -> None:
    """订单审核: the review rules approve a paid order, or leave it to a person."""
    uow.order_review.auto_review(event.order_id)


@handles(OrderPlaced, "ordering.review_cod")
def review_placed(uow: UnitOfWork, event: OrderPlaced) -> None:
    """The same for a cash-on-delivery order, ready to ship when placed (nothing for an
    order that is not waiting for review)."""
    uow.order_review.auto_review(event.order_id)


HANDLERS = (order_delivered, tell_it_is_placed, tell_it_is_paid, tell_it_has_shipped,
            review_paid, review_placed)
