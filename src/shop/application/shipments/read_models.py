"""What the shipment services return: plain frozen views, labels already chosen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shop.application.i18n import _

#: Every tracking status with its label (translation strings, shown to shoppers and staff).
STATUS_LABELS = {
    "accepted": _("Picked up"),
    "in_transit": _("In transit"),
    "out_for_delivery": _("Out for delivery"),
    "delivered": _("Delivered"),
    "exception": _("Problem with delivery"),
    "returning": _("Being returned"),
    "returned": _("Returned to sender"),
    "rejected": _("Refused by the recipient"),
    "customs": _("In customs"),
}
SHIPMENT_STATE_LABELS = {"in_transit": _("In transit"), "delivered": _("Delivered")}


@dataclass(frozen=True)
class TrackingEventView:
    occurred_at: datetime
    status: str
    status_label: str
    location: str
    description: str
    #: "carrier" or "staff".
    source: str


@dataclass(frozen=True)
class ShipmentView:
    id: int
    order_id: int
    carrier: str
    carrier_name: str
    tracking_number: str
    #: "in_transit" or "delivered".
    state: str
    state_label: str
    shipped_at: datetime
    delivered_at: datetime | None
    #: Newest first (at most ``MAX_EVENTS`` of them).
    events: tuple[TrackingEventView, ...]
