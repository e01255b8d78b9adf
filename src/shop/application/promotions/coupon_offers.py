"""A coupon as the engine sees it: its template's terms as a coupon rule, with the same scope and
stacking documents campaigns have."""

from __future__ import annotations

from shop.application.locales import pick
from shop.application.promotions.coupon_views import CouponOffer
from shop.application.promotions.offers import (
    CouponAmount,
    CouponFreeShipping,
    CouponPercent,
    Offer,
    Rule,
)
from shop.application.promotions.pricing import scope_of, stacking_of


def offer_key(coupon: CouponOffer) -> str:
    """Stable per coupon: the coupon's own id, or a public code's template."""
    if coupon.coupon_id is not None:
        return f"coupon:{coupon.coupon_id}"
    return f"code:{coupon.template_id}"


def coupon_offer(coupon: CouponOffer, locale: str) -> Offer:
    rule: Rule
    if coupon.kind == "amount" and coupon.amount is not None:
        rule = CouponAmount(coupon.amount, coupon.min_spend)
    elif coupon.kind == "percent" and coupon.percent is not None:
        rule = CouponPercent(coupon.percent, coupon.cap, coupon.min_spend)
    else:
        rule = CouponFreeShipping(coupon.min_spend)
    return Offer(key=offer_key(coupon), name=pick(locale, coupon.name_zh, coupon.name_en),
                 rule=rule, scope=scope_of(coupon.scope), stacking=stacking_of(coupon.stacking),
                 is_coupon=True, starts_at=coupon.valid_from, ends_at=coupon.valid_until)
