"""What the cart, the checkout and the order show of promotions: plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class AppliedView:
    """A campaign or coupon that applied, with what it took off (shipping included)."""

    name: str
    amount: Decimal
    is_coupon: bool = False
    free_shipping: bool = False


@dataclass(frozen=True)
class CouponChoice:
    """A coupon the shopper may use on this order: ``value`` is what the form sends."""

    value: str
    label: str
    #: What it would take off with today's cart (None: it does not apply to these items).
    saving: Decimal | None


@dataclass(frozen=True)
class PromotionSummary:
    applied: tuple[AppliedView, ...] = ()
    #: "Add ¥30 more to save ¥20": translation strings, ready to show.
    hints: tuple[Any, ...] = ()
    #: Gifts that come with the order: (name, quantity).
    gifts: tuple[tuple[str, int], ...] = ()

    @property
    def discount(self) -> Decimal:
        return sum((a.amount for a in self.applied), Decimal("0.00"))
