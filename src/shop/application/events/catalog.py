"""Every event the shop records: the published language between its domains.

They are listed in one module so that a reader sees at a glance what the shop says about
itself, and so that a handler can only subscribe to an event that exists. A domain adds its
events here (``order.placed``, ``order.paid`` …) and records them with
``uow._events.record(name, payload)`` in the transaction of the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shop.application.events.payloads import Event


@dataclass(frozen=True)
class CustomerRegistered(Event):
    """A shopper account was made (any way: code, OAuth); its referrer, if any, is on it."""

    name: ClassVar[str] = "customer.registered"
    customer_id: int


@dataclass(frozen=True)
class StockChanged(Event):
    """What can be sold of a SKU in a warehouse changed: received, adjusted, reserved, released
    or deducted. Read the stock level for the numbers: by the time a handler runs, later changes
    may have followed."""

    name: ClassVar[str] = "inventory.stock_changed"
    sku_id: int
    warehouse_id: int


@dataclass(frozen=True)
class OrderPlaced(Event):
    """A shopper placed an order: it holds its stock and waits for payment (or, cash on
    delivery, for shipment)."""

    name: ClassVar[str] = "order.placed"
    order_id: int
    customer_id: int


@dataclass(frozen=True)
class OrderPaid(Event):
    """An order's payable was received in full."""

    name: ClassVar[str] = "order.paid"
    order_id: int
    customer_id: int


@dataclass(frozen=True)
class OrderEnded(Event):
    """An order will not be fulfilled: cancelled (by the shopper or staff) or closed (never
    paid). Its reservations were released in the same transaction."""

    name: ClassVar[str] = "order.ended"
    order_id: int
    customer_id: int
    state: str


@dataclass(frozen=True)
class OrderShipped(Event):
    name: ClassVar[str] = "order.shipped"
    order_id: int
    customer_id: int


@dataclass(frozen=True)
class ShipmentDelivered(Event):
    """The carrier (or a staff member) says the recipient signed for a shipment (签收); recorded
    once per shipment. The order may have other shipments still on their way."""

    name: ClassVar[str] = "shipment.delivered"
    order_id: int
    shipment_id: int


EVENT_TYPES: dict[str, type[Event]] = {kind.name: kind for kind in (
    CustomerRegistered, StockChanged, OrderPlaced, OrderPaid, OrderEnded, OrderShipped,
    ShipmentDelivered)}
