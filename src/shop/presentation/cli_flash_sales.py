"""``shop-admin INI flash-sales …``: the flash-sale burst lane's worker and its books, for a
shop with ``shop.flash_sales.redis_url`` set.

    shop-admin production.ini flash-sales work [--until-idle]
    shop-admin production.ini flash-sales reconcile

``work`` writes queued buys as orders until Ctrl-C (or SIGTERM: the ticket in hand is finished
first); run one or more beside the web processes while a sale is on. ``reconcile`` puts back
tickets a dead worker held, sets each sale's counter in Redis from the database, and closes the
lane of a sale that is over: run it after a sale, and whenever Redis was restarted.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from shop.application import Shop
from shop.application.promotions.flash import worker


def flash_work(shop: Shop, args: argparse.Namespace) -> int:
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set())
                for signum in (signal.SIGINT, signal.SIGTERM)}
    print("flash-sale worker: writing queued buys; Ctrl-C stops", flush=True)
    try:
        counts = worker.work(shop, stop=stop, until_idle=args.until_idle)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print(f"flash-sale worker: {counts.written} written, {counts.failed} refused, "
          f"{counts.deferred} left for reconcile", flush=True)
    return 0


def flash_reconcile(shop: Shop, args: argparse.Namespace) -> int:
    books = worker.reconcile(shop)
    if not books:
        print("no flash sale is running, to come, or just over")
    for entry in books:
        lane = ("closed" if entry.closed else "not primed" if entry.lane_left is None
                else f"{entry.lane_left} left, {entry.pending} queued")
        print(f"campaign {entry.sale.promotion_id} sku {entry.sale.sku_id}: "
              f"{entry.sold}/{entry.quota} sold (database); lane {lane}; "
              f"{entry.admitted} admitted, {entry.written} written, {entry.failed} refused")
    return 0


def add_flash_sale_commands(areas: Any) -> None:
    flash = areas.add_parser("flash-sales", help="the flash-sale burst lane").add_subparsers(
        dest="action", required=True)
    work = flash.add_parser("work", help="write queued flash-sale buys as orders")
    work.add_argument("--until-idle", action="store_true",
                      help="stop when the queue is empty")
    work.set_defaults(handler=flash_work)
    flash.add_parser("reconcile", help="set the lane's counters from the database").set_defaults(
        handler=flash_reconcile)
