"""The burst lane's worker and its books: queued tickets turned into orders, one short unit of
work each, and the lane's counters set from the database.

Safe to run in several processes at once and after a crash: a ticket's order carries the
ticket's key (a second write finds the first order), settling a ticket twice changes nothing,
and a ticket a dead worker left half-done is put back in the queue by ``reconcile``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from shop.application.errors import Invalid
from shop.application.promotions.flash.desk import KEEP_AFTER
from shop.application.promotions.flash.lane import BurstLane, LaneDown, Sale, Ticket
from shop.application.promotions.flash.settings import URL_SETTING

if TYPE_CHECKING:
    from shop.application import Shop

log = logging.getLogger(__name__)
#: A ticket in a worker's hands longer than this is taken to be a dead worker's.
STUCK_AFTER = timedelta(minutes=1)
#: The most sale items one reconciliation looks at.
MAX_ITEMS = 1000


@dataclass
class WorkerCounts:
    written: int = 0
    failed: int = 0
    #: Tickets left for later because the database did not answer (``reconcile`` puts them
    #: back in the queue).
    deferred: int = 0


@dataclass(frozen=True)
class SaleBooks:
    """One sale item after reconciliation: the database's count and the lane's."""

    sale: Sale
    quota: int
    sold: int
    lane_left: int | None  # None: the lane holds nothing for it (never primed, or closed now)
    pending: int
    admitted: int
    written: int
    failed: int
    closed: bool


def lane_of(shop: Shop) -> BurstLane:
    if shop.flash_lane is None:
        raise Invalid({URL_SETTING: "no burst lane: set it to run the flash-sale worker"})
    return shop.flash_lane


def work(shop: Shop, *, stop: threading.Event | None = None, until_idle: bool = False,
         wait_seconds: float = 1.0) -> WorkerCounts:
    """Write queued tickets until ``stop`` is set (or, ``until_idle``, the queue is empty)."""
    lane = lane_of(shop)
    stop = stop or threading.Event()
    counts = WorkerCounts()
    while not stop.is_set():
        try:
            ticket = lane.next(wait_seconds)
            if ticket is not None:
                lane.begin(ticket, shop.clock.now())
        except LaneDown:
            if until_idle:
                break
            stop.wait(wait_seconds)
            continue
        if ticket is None:
            if until_idle:
                break
            continue
        write(shop, lane, ticket, counts)
    return counts


def write(shop: Shop, lane: BurstLane, ticket: Ticket, counts: WorkerCounts) -> None:
    """One ticket: its order in one unit of work, then its state in the lane. Nothing it
    meets stops the worker: what fails is left for ``reconcile``."""
    try:
        outcome, give_back = shop.retrying(lambda uow: uow.flash_sales.write(ticket),
                                           shop.system_actor("flash-sale-worker"))
    except Exception:  # the database is away: the ticket waits in processing for reconcile
        log.exception("flash-sale ticket %s not written", ticket.key)
        counts.deferred += 1
        return
    if give_back:
        counts.failed += 1
    else:
        counts.written += 1
    try:
        lane.settle(ticket, outcome, give_back)
        if give_back:
            # A refusal may mean the database sold out (the database lane sold while Redis
            # was away): the lane's counter follows the database's.
            _sync(shop, lane, ticket.sale)
    except LaneDown:
        pass  # the order stands; the lane is primed again from the database when it is back
    except Exception:  # the database, reading what is left: the next sync puts it right
        log.exception("flash-sale lane not synced after ticket %s", ticket.key)


def reconcile(shop: Shop) -> list[SaleBooks]:
    """Put back tickets dead workers left, set each live sale's counter from the database
    (what is left, less what is queued), and close the lane of sales that are over and fully
    written: from then on the database alone is the sale's record."""
    lane = lane_of(shop)
    now = shop.clock.now()
    lane.requeue_older_than(now - STUCK_AFTER)
    with shop.transaction(shop.system_actor("flash-sale-books"), writes=False) as tx:
        items = tx.flash_sales.items_to_reconcile(now - KEEP_AFTER, MAX_ITEMS)
    books = []
    for item in items:
        sale = Sale(item.promotion_id, item.sku_id)
        counts = lane.counts(sale)
        closed = False
        if counts is not None and item.ends_at <= now and counts.pending == 0:
            lane.forget(sale)
            closed = True
        elif counts is not None:
            lane.sync(sale, item.quota - item.sold)
            counts = lane.counts(sale)
        books.append(SaleBooks(
            sale, item.quota, item.sold, None if closed or counts is None else counts.left,
            counts.pending if counts else 0, counts.admitted if counts else 0,
            counts.written if counts else 0, counts.failed if counts else 0, closed))
    return books


def _sync(shop: Shop, lane: BurstLane, sale: Sale) -> None:
    with shop.transaction(shop.system_actor("flash-sale-worker"), writes=False) as tx:
        left = tx.flash_sales.left(sale)
    lane.sync(sale, left)
