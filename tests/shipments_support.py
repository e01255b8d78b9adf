"""Orders to ship and shipments to track, for the shipment tests.

Orders are written straight through the ORM here (the ordering service is another domain's
work); only what the shipment tests read is meaningful: the owner and the recipient's mobile.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from shop.application import Shop, UnitOfWork
from shop.application.shipments.carriers import Kuaidi100Tracker
from shop.application.shipments.simulator import Kuaidi100Simulator
from shop.data.models import Order
from tests.staff_factories import customer

_serial = itertools.count(1)
CUSTOMER = "TESTCUSTOMER"
KEY = "test-key"
#: The settings that make the shop track shipments against the simulator.
SIMULATED = {"shop.tracking.adapter": "simulator",
             "shop.tracking.kuaidi100.customer": CUSTOMER, "shop.tracking.kuaidi100.key": KEY}


def order(tx: UnitOfWork, customer_id: int | None = None, *,
          mobile: str = "+8613800138000") -> int:
    """An order of ``customer_id`` (a new shopper's when not given) as the ordering service
    leaves it when staff ship it: ``shipped``, waiting for its shipment to be recorded."""
    row = Order(number=f"2026{next(_serial):06d}{secrets.randbelow(10**8):08d}",
                customer_id=customer_id or customer(tx), idempotency_key=secrets.token_hex(16),
                state="shipped", payment_method="online",
                items_total=Decimal("100.00"), payable=Decimal("100.00"),
                shipping_method_code="express", shipping_method_name="快递",
                recipient="张三", mobile=mobile, province_code="310000", city_code="310100",
                district_code="310115", street="世纪大道100号", postcode=None)
    tx._session.add(row)
    tx._session.flush()  # the id is what the shipment tests need
    return row.id


def number(prefix: str = "SF") -> str:
    """A fresh tracking number."""
    return f"{prefix}{next(_serial):04d}{secrets.randbelow(10**9):09d}"


def shipped(shop: Shop, carrier: str = "SF", tracking_number: str | None = None,
            **order_fields: Any) -> Any:
    """An order and its shipment, recorded by the system actor; the ShipmentView."""
    with shop.transaction(actor=shop.system_actor("tests"), locale="en") as tx:
        order_id = order(tx, **order_fields)
        return tx.shipments.record(order_id, carrier, tracking_number or number(carrier))


def simulated_tracker(clock: Any, shipped_at: dict[tuple[str, str], datetime],
                      key: str = KEY) -> Kuaidi100Tracker:
    """The real adapter against the simulator, which knows the shipments in ``shipped_at``;
    ``key`` other than the simulator's makes every signature wrong."""
    simulator = Kuaidi100Simulator(CUSTOMER, KEY, clock,
                                   lambda carrier, number: shipped_at.get((carrier, number)))
    return Kuaidi100Tracker(CUSTOMER, key, simulator)
