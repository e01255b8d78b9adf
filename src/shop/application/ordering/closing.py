"""The close job (超时未支付关单): online orders not paid in time are closed and give their
stock back.

Each order closes in a transaction of its own, so the job holds one order's rows at a time
(never a lock that a payment of another order could wait on in a circle) and SQLite's write
lock only briefly. Two runs at once, or a run after a crash, close each order once: the close
is a conditional update from ``awaiting_payment``, and an order that was paid, cancelled or
closed meanwhile is skipped.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shop.application.ordering.service import ClosedOrders

if TYPE_CHECKING:
    from shop.application import Shop

BATCH = 200
log = logging.getLogger(__name__)


def close_unpaid_orders(shop: Shop, *, limit: int = BATCH) -> ClosedOrders:
    actor = shop.system_actor("close-unpaid-orders")
    with shop.transaction(actor, writes=False) as tx:
        due = tx.orders.overdue(limit)
    closed = failed = 0
    for number in due:
        try:
            with shop.transaction(actor) as tx:
                closed += tx.orders.close(number)
        except Exception:  # one order's failure must not keep the orders behind it open
            log.exception("closing order %s failed", number)
            failed += 1
    return ClosedOrders(closed, failed)
