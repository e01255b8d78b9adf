"""The merchant's payment rules, read from the settings once and checked there:

    shop.points.value = 0.01            # what one point is worth at checkout, CNY
    shop.points.max_share = 0.50        # points pay at most this share of an order
    shop.points.per_yuan = 1            # points earned per whole yuan paid (not by points)
    shop.points.expiry_months = 24      # points expire this long after they were earned; 0: never
    shop.payments.late_payment = complete   # complete | refund (see ``late.py``)

A wrong value is ``Invalid`` naming the setting, raised when the shop first pays, not at the
first shopper's checkout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from shop.application.errors import Invalid

LATE_PAYMENT_RULES = ("complete", "refund")


@dataclass(frozen=True)
class PaymentRules:
    point_value: Decimal = Decimal("0.01")
    points_max_share: Decimal = Decimal("0.50")
    points_per_yuan: int = 1
    points_expiry_months: int = 24
    late_payment: str = "complete"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PaymentRules:
        defaults = cls()
        value = _decimal(settings, "shop.points.value", defaults.point_value)
        share = _decimal(settings, "shop.points.max_share", defaults.points_max_share)
        if value <= 0 or value != value.quantize(Decimal("0.01")):
            raise Invalid({"shop.points.value": "a positive amount in whole fen, e.g. 0.01"})
        if not Decimal(0) <= share <= 1:
            raise Invalid({"shop.points.max_share": "a share between 0 and 1"})
        late = str(settings.get("shop.payments.late_payment") or defaults.late_payment).strip()
        if late not in LATE_PAYMENT_RULES:
            raise Invalid({"shop.payments.late_payment": f"one of {', '.join(LATE_PAYMENT_RULES)}"})
        return cls(value, share,
                   _whole(settings, "shop.points.per_yuan", defaults.points_per_yuan),
                   _whole(settings, "shop.points.expiry_months", defaults.points_expiry_months),
                   late)


def _decimal(settings: Mapping[str, Any], key: str, default: Decimal) -> Decimal:
    raw = settings.get(key)
    if raw in (None, ""):
        return default
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise Invalid({key: "not a number"}) from None
    if not number.is_finite():
        raise Invalid({key: "not a number"})
    return number


def _whole(settings: Mapping[str, Any], key: str, default: int) -> int:
    raw = settings.get(key)
    if raw in (None, ""):
        return default
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise Invalid({key: "a whole number"}) from None
    if number < 0:
        raise Invalid({key: "not negative"})
    return number
