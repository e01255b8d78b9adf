"""Moving an order along an edge of its state machine, with what each move does to stock.

One place for every move, whoever makes it (the shopper cancelling, the close job, staff
shipping, the payments issue confirming a payment): the move is refused off the machine's
edges, happens by a conditional update that names the state it leaves (so of two racing
movers one wins and the other gets ``Conflict``), is logged with actor and time, and records
the event others follow.

Stock (``uow._stock``) goes with the move: a cancelled or closed order releases what it held
(or, paid online, puts the units it took back on hand);
a paid order (or a cash-on-delivery order when it ships) takes its units for good, deducting
its reservations and taking the lines sold without one (付款减库存), recording any shortfall.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.application.errors import Conflict
from shop.application.events.catalog import OrderEnded, OrderPaid, OrderShipped
from shop.application.i18n import _
from shop.application.inventory.stock import Owner, StockLine
from shop.application.ordering import states
from shop.application.ordering.payment_methods import TAKEN_AT_SHIPPING
from shop.data.repositories.ordering import OrderRecord, OrderRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork


def stock_owner(number: str) -> Owner:
    return Owner("order", number)


class OrderLifecycle:
    def __init__(self, uow: UnitOfWork, repo: OrderRepository) -> None:
        self.uow = uow
        self.repo = repo

    def move(self, order: OrderRecord, to_state: str, note: str = "") -> None:
        """Move ``order`` (as read) to ``to_state`` with its stock and its event."""
        if not states.can_move(order.state, to_state):
            raise Conflict(_("An order that is ${state} cannot become ${target}", mapping={
                "state": states.LABELS[order.state], "target": states.LABELS[to_state]}))
        if not self.repo.move(order.id, order.state, to_state, self.uow.clock.now()):
            raise Conflict(_("This order changed meanwhile; reload it and try again"))
        self.repo.log(order.id, order.state, to_state, self.uow.actor.name, note)
        self._stock(order, to_state)
        if to_state == states.AWAITING_SHIPMENT:
            # Paid and ready to ship: when the shop reviews orders, this one waits for it.
            self.uow.order_review._mark_pending(order.id)
        self._event(order, to_state)

    def _stock(self, order: OrderRecord, to_state: str) -> None:
        owner = stock_owner(order.number)
        if to_state == states.CANCELLED and order.state in (states.PAID, states.AWAITING_SHIPMENT) \
                and order.payment_method not in TAKEN_AT_SHIPPING:  # paid: units were taken
            self.uow._stock.put_back(owner, (StockLine(line.sku_id, line.quantity)
                                             for line in self.repo.lines([order.id])[order.id]))
        elif to_state in (states.CANCELLED, states.CLOSED):
            self.uow._stock.release(owner)
        elif to_state == states.PAID or (
                to_state == states.SHIPPED and order.payment_method in TAKEN_AT_SHIPPING):
            lines = self.repo.lines([order.id])[order.id]
            unreserved = [StockLine(line.sku_id, line.quantity)
                          for line in lines if not line.reserves_stock]
            if unreserved:
                self.uow._stock.lock(line.sku_id for line in lines)
            self.uow._stock.deduct(owner)
            if unreserved:
                self.uow._stock.take(owner, unreserved)

    def _event(self, order: OrderRecord, to_state: str) -> None:
        event = {
            states.PAID: OrderPaid(order_id=order.id, customer_id=order.customer_id),
            states.SHIPPED: OrderShipped(order_id=order.id, customer_id=order.customer_id),
            states.CANCELLED: OrderEnded(order_id=order.id, customer_id=order.customer_id,
                                         state=to_state),
            states.CLOSED: OrderEnded(order_id=order.id, customer_id=order.customer_id,
                                      state=to_state),
        }.get(to_state)
        if event is not None:
            self.uow._events.record(event.name, event.to_payload())
