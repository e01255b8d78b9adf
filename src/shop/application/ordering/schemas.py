"""What a checkout and an order change must look like: one definition for the pages, the
service and the library."""

from __future__ import annotations

from typing import Any

import colander

from shop.application.cart.schemas import quantity_node
from shop.application.i18n import _
from shop.application.money import Money
from shop.application.ordering.payment_methods import CASH_ON_DELIVERY, ONLINE

#: An idempotency key is ``secrets.token_urlsafe(24)`` or anything alike, 16 to 64 characters.
IDEMPOTENCY_KEY = r"[A-Za-z0-9_-]{16,64}\Z"
MAX_REMARKS = 200


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _choice(title: str, missing_msg: str, **kw: Any) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), title=title, preparer=_strip,
                               validator=colander.Length(1, 40), missing_msg=missing_msg, **kw)


def _remarks(missing: str | None = "") -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(), title=_("Remarks"), preparer=_strip, missing=missing,
        validator=colander.Length(0, MAX_REMARKS, max_err=_(
            "At most ${max} characters", mapping={"max": MAX_REMARKS})))


def _coupon(missing: str | None) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(allow_empty=True), title=_("Coupon"),
                               preparer=_strip, missing=missing,
                               validator=colander.Regex(r"^(auto|[0-9]{1,10})?$", msg=_(
                                   "This coupon cannot be used: choose another")))


def _coupon_code() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), title=_("Coupon code"), preparer=_strip,
                               missing="", validator=colander.Length(0, 40))


class CheckoutChoiceSchema(colander.MappingSchema):
    """What the checkout page was asked to show: every field may be left out."""

    address = _choice(_("Shipping address"), "", missing=None)
    shipping_method = _choice(_("Shipping method"), "", missing=None)
    payment_method = _choice(_("Payment method"), "", missing=None)
    #: Left out: the coupon that saves most (see ``ordering.promotions``).
    coupon = _coupon(missing=None)
    coupon_code = _coupon_code()


class PlaceOrderSchema(colander.MappingSchema):
    idempotency_key = colander.SchemaNode(
        colander.String(), validator=colander.Regex(IDEMPOTENCY_KEY, msg=_(
            "This checkout form has expired: reload the page")),
        missing_msg=_("This checkout form has expired: reload the page"))
    address = _choice(_("Shipping address"), _("Choose a shipping address"))
    shipping_method = _choice(_("Shipping method"), _("Choose a shipping method"))
    payment_method = colander.SchemaNode(
        colander.String(), title=_("Payment method"),
        validator=colander.OneOf((ONLINE, CASH_ON_DELIVERY)),
        missing_msg=_("Choose a payment method"))
    remarks = _remarks()
    #: Left out: none.
    coupon = _coupon(missing="")
    coupon_code = _coupon_code()
    #: The payable the shopper saw; the order is refused if it is no longer what they pay.
    expected_payable = colander.SchemaNode(Money(), missing=None)


def _sku() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), title=_("Item"), preparer=_strip,
                               validator=colander.Length(1, 80),
                               missing_msg=_("Choose a variant"))


class BuyNowChoiceSchema(CheckoutChoiceSchema):
    """What the confirmation of a 立即购买 was asked to show: one SKU, without the cart."""

    sku = _sku()
    quantity = quantity_node()


class BuyNowSchema(PlaceOrderSchema):
    """An order for one SKU without the cart (立即购买)."""

    sku = _sku()
    quantity = quantity_node()


class ChangeDeliverySchema(colander.MappingSchema):
    """Either or both: a field left out stays as it is."""

    address = _choice(_("Shipping address"), _("Choose a shipping address"), missing=None)
    remarks = _remarks(missing=None)


class CancelSchema(colander.MappingSchema):
    reason = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                                 validator=colander.Length(0, 100))
