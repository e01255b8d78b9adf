"""What a flash-sale buy must look like: the one definition for the page and the library."""

from __future__ import annotations

import colander

from shop.application.i18n import _
from shop.application.ordering.schemas import BuyNowChoiceSchema, PlaceOrderSchema
from shop.application.promotions.campaign_schemas import campaign_code


def _campaign() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), title=_("Flash sale"), validator=campaign_code,
                               missing_msg=_("Choose a flash sale"))


class FlashConfirmSchema(BuyNowChoiceSchema):
    """What the buy page was asked to show: the sale, its SKU, how many, and the choices."""

    campaign = _campaign()


class FlashBuySchema(FlashConfirmSchema):
    """A buy: the page's choices, all of them made, and the form's idempotency key (the
    order's, and the queued ticket's)."""

    idempotency_key = PlaceOrderSchema().get("idempotency_key").clone()
    address = PlaceOrderSchema().get("address").clone()
    shipping_method = PlaceOrderSchema().get("shipping_method").clone()
