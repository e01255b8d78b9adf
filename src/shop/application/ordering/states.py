"""The order state machine (订单状态): the states, the edges between them, and the tabs of
the order center. An order moves only along an edge; every move names the state it leaves, so
two writers racing to move one order cannot both succeed.

Cash on delivery starts at ``awaiting_shipment`` (nothing to pay before it ships); online
payment starts at ``awaiting_payment`` and passes ``paid`` (the money is in) on its way.
"""

from __future__ import annotations

from types import MappingProxyType

from shop.application.i18n import _

AWAITING_PAYMENT = "awaiting_payment"
PAID = "paid"
AWAITING_SHIPMENT = "awaiting_shipment"
SHIPPED = "shipped"
DELIVERED = "delivered"
COMPLETED = "completed"
CANCELLED = "cancelled"
CLOSED = "closed"

#: Where each state may go. ``closed`` is an unpaid order that timed out; ``cancelled`` one that
#: the shopper (or staff) called off.
EDGES = MappingProxyType({
    AWAITING_PAYMENT: frozenset({PAID, CANCELLED, CLOSED}),
    PAID: frozenset({AWAITING_SHIPMENT}),
    AWAITING_SHIPMENT: frozenset({SHIPPED, CANCELLED}),
    SHIPPED: frozenset({DELIVERED}),
    DELIVERED: frozenset({COMPLETED}),
    COMPLETED: frozenset(),
    # A payment that arrives after the order ended completes it when its stock and means can
    # be held again (``shop.application.payments.service``); otherwise it is refunded.
    CANCELLED: frozenset({PAID}),
    CLOSED: frozenset({PAID}),
})

#: Before it ships the shopper may still change where it goes and what they wrote.
CHANGEABLE = frozenset({AWAITING_PAYMENT, PAID, AWAITING_SHIPMENT})

LABELS = MappingProxyType({
    AWAITING_PAYMENT: _("Awaiting payment"),
    PAID: _("Paid"),
    AWAITING_SHIPMENT: _("Awaiting shipment"),
    SHIPPED: _("Shipped"),
    DELIVERED: _("Delivered"),
    COMPLETED: _("Completed"),
    CANCELLED: _("Cancelled"),
    CLOSED: _("Closed"),
})

#: The order center's tabs (全部 / 待付款 / 待发货 / 待收货 / 已完成 / 已取消) and the states each
#: shows, in the order shoppers expect them.
TABS = MappingProxyType({
    "all": (_("All"), ()),
    "unpaid": (_("To pay"), (AWAITING_PAYMENT,)),
    "unshipped": (_("To ship"), (PAID, AWAITING_SHIPMENT)),
    "shipped": (_("To receive"), (SHIPPED, DELIVERED)),
    "completed": (_("Completed"), (COMPLETED,)),
    "cancelled": (_("Cancelled"), (CANCELLED, CLOSED)),
})


def can_move(from_state: str, to_state: str) -> bool:
    return to_state in EDGES.get(from_state, frozenset())


def sources(to_state: str) -> frozenset[str]:
    """Every state from which ``to_state`` can be reached in one step."""
    return frozenset(state for state, targets in EDGES.items() if to_state in targets)
