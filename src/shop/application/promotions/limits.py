"""The shop's guard rail on discounts, from the settings:

    shop.promotions.max_discount_share = 0.80   # no order's items get more than 80% off; 0: none

A SKU's floor price (``Sku.floor_price``) is the other rail: no combination prices a unit
below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from shop.application.errors import Invalid

MAX_SHARE_SETTING = "shop.promotions.max_discount_share"
DEFAULT_MAX_SHARE = Decimal("0.80")


def max_share(settings: Mapping[str, Any]) -> Decimal | None:
    """The largest share of an order's items total its discounts may reach; None: no cap."""
    raw = settings.get(MAX_SHARE_SETTING)
    if raw in (None, ""):
        return DEFAULT_MAX_SHARE
    try:
        share = Decimal(str(raw).strip())
    except InvalidOperation:
        raise Invalid({MAX_SHARE_SETTING: "a share between 0 and 1, e.g. 0.80"}) from None
    if not share.is_finite() or not Decimal(0) <= share <= 1:
        raise Invalid({MAX_SHARE_SETTING: "a share between 0 and 1, e.g. 0.80"})
    return None if share in (0, 1) else share
