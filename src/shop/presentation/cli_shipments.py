"""``shop-admin INI shipments event ...``: a tracking event entered by hand, until the back
office has a screen for it (the carrier's hotline said it was delivered, say).

    shop-admin production.ini shipments event 42 --status delivered \\
        --description "客户电话确认已收到" [--location 上海市] [--at 2026-12-01T15:30] [--by alice]

The time is read in the shop's time zone unless it names its own; none means now. The event
is recorded and audited under ``system:shop-admin:<by>`` (the operator's name, ``--by``).
"""

from __future__ import annotations

import argparse
from typing import Any

from shop.application import Shop
from shop.application.shipments.read_models import STATUS_LABELS
from shop.presentation.cli_orders import operator_name


def shipments_event(shop: Shop, args: argparse.Namespace) -> int:
    data: dict[str, Any] = {"status": args.status, "description": args.description,
                            "location": args.location}
    if args.at:
        data["occurred_at"] = args.at
    actor = shop.system_actor(f"shop-admin:{args.by}")
    with shop.transaction(actor=actor) as tx:
        shipment = tx.shipments.add_event(args.shipment_id, data)
    print(f"shipment {shipment.id} ({shipment.carrier} {shipment.tracking_number}): "
          f"{shipment.state}, {len(shipment.events)} events")
    return 0


def add_shipment_commands(areas: Any) -> None:
    shipments = areas.add_parser("shipments", help="shipments and their tracking").add_subparsers(
        dest="action", required=True)
    event = shipments.add_parser("event", help="record a tracking event by hand")
    event.add_argument("shipment_id", metavar="SHIPMENT_ID")
    event.add_argument("--status", required=True, choices=list(STATUS_LABELS))
    event.add_argument("--description", required=True)
    event.add_argument("--location", default="")
    event.add_argument("--at", default="", metavar="ISO",
                       help="when it happened, e.g. 2026-12-01T15:30 (shop time); default now")
    event.add_argument("--by", default="operator", metavar="NAME", type=operator_name,
                       help="who is entering it, for the audit log")
    event.set_defaults(handler=shipments_event)
