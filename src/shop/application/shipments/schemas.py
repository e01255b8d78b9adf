"""What a valid shipment and a valid hand-entered tracking event are."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import colander

from shop.application.i18n import _
from shop.application.shipments.carriers import CARRIERS
from shop.application.shipments.read_models import STATUS_LABELS

#: Waybill numbers are letters and digits (SF1234567890123, 773012345678901, EM263999513JP);
#: 快递100 takes at most 32 characters.
TRACKING_NUMBER = r"^[A-Z0-9]{8,32}$"


def _code(value: Any) -> Any:
    """Upper case, without the spaces and dashes people type into long numbers."""
    if isinstance(value, str):
        return "".join(value.split()).replace("-", "").upper()
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ShipmentSchema(colander.MappingSchema):
    carrier = colander.SchemaNode(
        colander.String(), title=_("Carrier"), preparer=_code,
        missing_msg=_("Choose a carrier"),
        validator=colander.OneOf(list(CARRIERS), msg_err=_("Choose a carrier")))
    tracking_number = colander.SchemaNode(
        colander.String(), title=_("Tracking number"), preparer=_code,
        validator=colander.Regex(TRACKING_NUMBER,
                                 msg=_("A tracking number has 8 to 32 letters and digits")))


def tracking_event_schema(zone: tzinfo, now: datetime) -> colander.SchemaNode:
    """A staff member's event: a time not after ``now`` (a time without a zone is read in the
    shop's zone; none given means now), a known status, a short text and place."""

    def not_in_future(node: colander.SchemaNode, value: datetime) -> None:
        if value > now:
            raise colander.Invalid(node, _("The time cannot be in the future"))

    class TrackingEventSchema(colander.MappingSchema):
        occurred_at = colander.SchemaNode(
            colander.DateTime(default_tzinfo=zone), title=_("Time"), missing=now,
            validator=not_in_future)
        status = colander.SchemaNode(
            colander.String(), title=_("Status"), preparer=_strip,
            missing_msg=_("Choose a status"),
            validator=colander.OneOf(list(STATUS_LABELS), msg_err=_("Choose a status")))
        location = colander.SchemaNode(
            colander.String(), title=_("Location"), preparer=_strip, missing="",
            validator=colander.Length(0, 100))
        description = colander.SchemaNode(
            colander.String(), title=_("Description"), preparer=_strip,
            validator=colander.Length(2, 200))

    return TrackingEventSchema()
