"""What a cart request must look like: the one definition the views and the service share."""

from __future__ import annotations

import re
from typing import Any

import colander

from shop.application.i18n import _

#: The most of one SKU a line holds: a shopper's amount, not a wholesale order.
MAX_QUANTITY = 99
#: The most lines a cart holds; a longer cart is a list, not a purchase.
MAX_LINES = 50

_DIGITS = re.compile(r"[0-9]{1,9}")
_QUANTITY_MESSAGE = _("Enter a whole number from 1 to ${max}", mapping={"max": MAX_QUANTITY})


class Quantity(colander.SchemaType):
    """A count of items: ASCII digits or an int, nothing else.

    ``colander.Int`` would read ``1.5`` (a float) as 1 and ``" 7 "`` as 7; a quantity is exactly
    what the shopper typed or refused.
    """

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return colander.null if appstruct in (colander.null, None) else str(appstruct)

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct in (colander.null, None, ""):
            return colander.null
        if isinstance(cstruct, int) and not isinstance(cstruct, bool):
            return cstruct
        if isinstance(cstruct, str) and _DIGITS.fullmatch(cstruct):
            return int(cstruct)
        raise colander.Invalid(node, _QUANTITY_MESSAGE)


def _in_range(node: colander.SchemaNode, value: int) -> None:
    # Not colander.Range: it would replace the message's mapping with its own.
    if not 1 <= value <= MAX_QUANTITY:
        raise colander.Invalid(node, _QUANTITY_MESSAGE)


def quantity_node() -> colander.SchemaNode:
    """A quantity of one SKU: what a cart line or a 立即购买 may hold."""
    return colander.SchemaNode(Quantity(), missing_msg=_QUANTITY_MESSAGE, validator=_in_range)


def _line() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), validator=colander.Length(1, 20),
                               missing_msg=_("Choose an item in your cart"))


class AddToCartSchema(colander.MappingSchema):
    sku = colander.SchemaNode(colander.String(), validator=colander.Length(1, 80),
                              missing_msg=_("Choose a variant"))
    quantity = quantity_node()


class LineQuantitySchema(colander.MappingSchema):
    line = _line()
    quantity = quantity_node()


class LineSchema(colander.MappingSchema):
    line = _line()


class SelectLinesSchema(colander.MappingSchema):
    #: A line's id, or ``all`` for every line.
    line = _line()
    selected = colander.SchemaNode(colander.Boolean(), missing=False)
