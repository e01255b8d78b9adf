"""What a shopper submits on the payment page and staff in the back office."""

from __future__ import annotations

from decimal import Decimal

import colander

from shop.application.i18n import _
from shop.application.money import Money
from shop.application.validation import MAX_KEY

GATEWAY_NAMES = ("alipay", "wechat", "unionpay")


class PaySchema(colander.MappingSchema):
    """Any of the internal means, then optionally a gateway for the rest."""

    gift_card = colander.SchemaNode(colander.Int(), missing=None, validator=colander.Range(
        1, MAX_KEY, max_err=_("Choose one of your gift cards")))
    gift_card_code = colander.SchemaNode(colander.String(), missing="",
                                         validator=colander.Length(max=40))
    gift_card_pin = colander.SchemaNode(colander.String(), missing="",
                                        validator=colander.Length(max=12))
    points = colander.SchemaNode(colander.Int(), missing=0, validator=colander.Range(
        0, 10 ** 9, min_err=_("Enter a number of points, 0 or more")))
    balance = colander.SchemaNode(Money(), missing=Decimal("0.00"), validator=colander.Range(
        Decimal("0.00"), min_err=_("Enter an amount, 0 or more")))
    gateway = colander.SchemaNode(colander.String(), missing="",
                                  validator=colander.OneOf(("", *GATEWAY_NAMES)))
    device = colander.SchemaNode(colander.String(), missing="desktop",
                                 validator=colander.OneOf(("desktop", "mobile")))
    installments = colander.SchemaNode(colander.Int(), missing=0,
                                       validator=colander.OneOf((0, 3, 6, 12)))
    #: ``PaymentOptions.request_key``: the form sent twice (a double click, a retry after a
    #: timeout) does what the first sending did, once.
    request_key = colander.SchemaNode(colander.String(), missing="",
                                      validator=colander.Length(max=64))


class RefundSchema(colander.MappingSchema):
    amount = colander.SchemaNode(Money(), validator=colander.Range(
        Decimal("0.01"), min_err=_("Enter an amount of at least ¥0.01")))
    reason = colander.SchemaNode(colander.String(), validator=colander.Length(1, 200))


class TopUpSchema(colander.MappingSchema):
    amount = colander.SchemaNode(Money(), validator=colander.Range(
        Decimal("0.01"), Decimal("100000.00"), min_err=_("Enter an amount of at least ¥0.01"),
        max_err=_("At most ¥100,000 at a time")))
    reason = colander.SchemaNode(colander.String(), validator=colander.Length(1, 200))
