"""The checkout's side of promotions: the cart's chosen lines priced with the live campaigns
and the shopper's coupons, the coupon choices the page offers, and — when the order is
placed — the claims on every limited thing the price relied on.

Which coupon: ``coupon`` is ``"auto"`` (the page's default: the one that saves most), ``""``
(none), a coupon's id from the shopper's own, or ``coupon_code``, a public code typed in. Each
coupon is priced on its own beside the campaigns (an order takes one at most), so the engine's
search stays among the campaigns however many coupons a shopper holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.ordering.pricing import ZERO
from shop.application.promotions.coupon_offers import coupon_offer, offer_key
from shop.application.promotions.coupon_views import CouponOffer
from shop.application.promotions.pricing import LineInput, Priced
from shop.application.promotions.read_models import (
    AppliedView,
    CouponChoice,
    PromotionSummary,
)
from shop.data.repositories.cart import CheckoutLineRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork

AUTO = "auto"
#: The page prices each of the shopper's coupons against the cart: the soonest to expire first,
#: at most this many (a shopper with more sees the rest on 我的优惠券).
MAX_CHOICES = 10


class CheckoutOffers:
    def __init__(self, uow: UnitOfWork, customer_id: int,
                 records: Sequence[CheckoutLineRecord], *, flash_sales: bool = True,
                 at: datetime | None = None) -> None:
        """``flash_sales``: whether flash sales may apply; ``at``: the moment to price at (a
        queued flash-sale buy is priced when it was admitted), else now."""
        self.uow = uow
        self.customer_id = customer_id
        self.flash_sales = flash_sales
        self.at = at
        self.lines = [LineInput(key=r.sku_code, sku_id=r.sku_id, product_id=r.product_id,
                                category_id=r.category_id, brand_id=r.brand_id,
                                unit_price=r.price, quantity=r.quantity,
                                floor_price=r.floor_price) for r in records]
        self._usable: list[CouponOffer] | None = None
        self._typed: CouponOffer | None = None
        self._fee = ZERO
        self._priced: dict[str, Priced] = {}

    def price(self, coupon: str | None, code: str, shipping_fee: Decimal) -> Priced:
        """The best price with the coupon asked for (``auto``: each of the shopper's first
        ``MAX_CHOICES`` coupons is tried, and none; the one saving most wins, no coupon on a
        tie); ``Invalid`` naming ``coupon`` or ``coupon_code`` when it cannot be used."""
        self._fee = shipping_fee
        if code:
            self._typed = self.uow.coupons.typed_at_checkout(code, self.customer_id)
            return self._with(self._typed)
        if coupon in (None, AUTO):
            tried = [self._with(None), *(self._with(c) for c in self._coupons()[:MAX_CHOICES])]
            return max(tried, key=lambda p: p.pricing.discount_total + p.pricing.shipping_saving)
        if coupon == "":
            return self._with(None)
        found = next((c for c in self._coupons() if str(c.coupon_id) == coupon), None)
        if found is None:
            raise Invalid({"coupon": _("This coupon cannot be used: choose another")})
        return self._with(found)

    def fee_after(self, priced: Priced, shipping_fee: Decimal) -> Decimal:
        return ZERO if priced.pricing.free_shipping_by is not None else shipping_fee

    def summary(self, priced: Priced,
                gifts: Sequence[CheckoutLineRecord]) -> PromotionSummary:
        """What applied (a gift campaign only with its gift in stock), what nearly did, and
        the gifts that come with the order."""
        pricing = priced.pricing
        dropped = _dropped_gifts(priced, gifts)
        return PromotionSummary(
            tuple(AppliedView(a.name, _saving(priced, a.offer_key), a.is_coupon,
                              a.offer_key == pricing.free_shipping_by)
                  for a in pricing.applied if a.offer_key not in dropped),
            tuple(m.message for m in pricing.near_misses),
            tuple((pick(self.uow.locale, g.product_name_zh, g.product_name_en), g.quantity)
                  for g in gifts))

    def choices(self) -> tuple[CouponChoice, ...]:
        """Each of the shopper's usable coupons (the first ``MAX_CHOICES``) with what it would
        save on this order, None where it does not apply."""
        found = []
        for coupon in self._coupons()[:MAX_CHOICES]:
            priced, key = self._with(coupon), offer_key(coupon)
            found.append(CouponChoice(
                str(coupon.coupon_id), pick(self.uow.locale, coupon.name_zh, coupon.name_en),
                _saving(priced, key) if key in _used(priced) else None))
        return tuple(found)

    def chosen(self, priced: Priced) -> str:
        """What the page's coupon field should send to place the order as priced."""
        coupon = self._applied(priced)
        return str(coupon.coupon_id) if coupon is not None and coupon.coupon_id else ""

    def take(self, priced: Priced, order_id: int,
             gifts: Sequence[CheckoutLineRecord]) -> None:
        """Claim what the order's price relied on (inside the order's savepoint): a gift
        campaign whose gift was left out takes nothing."""
        self.uow._pricer.take(priced, order_id, self.customer_id, self.lines,
                              skip=_dropped_gifts(priced, gifts))
        coupon = self._applied(priced)
        if coupon is not None:
            self.uow.coupons.redeem(coupon, self.customer_id, order_id,
                                    _saving(priced, offer_key(coupon)))

    # -- steps --------------------------------------------------------------------------------

    def _coupons(self) -> list[CouponOffer]:
        if self._usable is None:
            self._usable = list(self.uow.coupons.usable_for_checkout(self.customer_id))
        return self._usable

    def _applied(self, priced: Priced) -> CouponOffer | None:
        """The coupon the price used, if any (the engine uses one at most)."""
        used = _used(priced)
        candidates = [*self._coupons(), *([self._typed] if self._typed is not None else [])]
        return next((c for c in candidates if offer_key(c) in used), None)

    def _with(self, coupon: CouponOffer | None) -> Priced:
        """The price with this one coupon (or none), computed once per checkout."""
        key = offer_key(coupon) if coupon is not None else ""
        if key not in self._priced:
            self._priced[key] = self.uow._pricer.price(
                self.lines, self.customer_id,
                coupons=[coupon_offer(coupon, self.uow.locale)] if coupon else [],
                shipping_fee=self._fee, now=self.at, flash_sales=self.flash_sales)
        return self._priced[key]


def _dropped_gifts(priced: Priced, gifts: Sequence[CheckoutLineRecord]) -> set[str]:
    """The gift campaigns whose gift the order cannot carry (out of stock, no longer sold)."""
    kept = {line.sku_id for line in gifts}
    return {g.offer_key for g in priced.pricing.gifts if g.sku_id not in kept}


def _used(priced: Priced) -> set[str]:
    """The keys of every offer the price used, free shipping's included."""
    pricing = priced.pricing
    return {a.offer_key for a in pricing.applied} | (
        {pricing.free_shipping_by} if pricing.free_shipping_by is not None else set())


def _saving(priced: Priced, key: str) -> Decimal:
    """What one offer took off: its items' share, and the shipping if it made it free."""
    pricing = priced.pricing
    amount = sum((a.amount for a in pricing.applied if a.offer_key == key), ZERO)
    return amount + (pricing.shipping_saving if pricing.free_shipping_by == key else ZERO)
