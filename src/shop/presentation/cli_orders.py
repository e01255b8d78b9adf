"""``shop-admin INI orders ship ...``: hand an order to a carrier, until the back office has
its order screens.

    shop-admin production.ini orders ship 20261201123456789012 --carrier SF \\
        --tracking-number SF1234567890 [--by alice]

The order must be paid (or cash on delivery); the shipment is then tracked by the
``track-shipments`` job. Recorded and audited under ``system:shop-admin:<by>``.
"""

from __future__ import annotations

import argparse
from typing import Any

from shop.application import Shop


def operator_name(text: str) -> str:
    """``--by``: who is at the console, as the audit log and the order's history name them."""
    if not 0 < len(text) <= 60 or not text.isprintable():
        raise argparse.ArgumentTypeError("a name of 1 to 60 printable characters")
    return text


def orders_ship(shop: Shop, args: argparse.Namespace) -> int:
    actor = shop.system_actor(f"shop-admin:{args.by}")
    with shop.transaction(actor=actor) as tx:
        tx.orders.ship(args.number, {"carrier": args.carrier,
                                     "tracking_number": args.tracking_number})
    print(f"order {args.number} shipped with {args.carrier} {args.tracking_number}")
    return 0


def add_order_commands(areas: Any) -> None:
    orders = areas.add_parser("orders", help="orders").add_subparsers(dest="action",
                                                                       required=True)
    ship = orders.add_parser("ship", help="hand a paid or cash-on-delivery order to a carrier")
    ship.add_argument("number", metavar="ORDER_NUMBER")
    ship.add_argument("--carrier", required=True, help="SF, ZTO, YTO, JD, EMS …")
    ship.add_argument("--tracking-number", required=True)
    ship.add_argument("--by", default="operator", metavar="NAME", type=operator_name,
                      help="who is shipping it, for the audit log")
    ship.set_defaults(handler=orders_ship)
