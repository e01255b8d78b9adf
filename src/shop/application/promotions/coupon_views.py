"""What the coupon service returns: plain frozen values, the scope and stacking documents parsed
into plain dicts (the promotion engine reads them; nothing here knows its types)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shop.data.repositories.coupons import CouponRecord, TemplateRecord

#: Keyset cursors count microseconds from here.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Terms:
    """What a coupon gives and on what: its template's discount, scope and stacking."""

    template_id: int
    name_zh: str
    name_en: str
    #: ``amount`` (``amount`` off), ``percent`` (``percent`` off, at most ``cap``) or
    #: ``free_shipping``; none applies below ``min_spend``.
    kind: str
    amount: Decimal | None
    percent: Decimal | None
    cap: Decimal | None
    min_spend: Decimal
    #: ``{"everything", "category_ids", "brand_ids", "product_ids", "sku_ids",
    #: "excluded_product_ids", "excluded_sku_ids"}``
    scope: dict[str, Any]
    #: ``{"mode": "exclusive"|"group_exclusive"|"stackable", "group", "stacks_with",
    #: "priority"}``
    stacking: dict[str, Any]


@dataclass(frozen=True)
class TemplateView(Terms):
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    total_quantity: int | None
    issued_count: int
    per_customer_limit: int
    claimable: bool
    on_registration: bool
    public_code: str | None
    is_active: bool

    @property
    def id(self) -> int:
        return self.template_id


@dataclass(frozen=True)
class CouponOffer(Terms):
    """A coupon the checkout may apply: one of the shopper's (``coupon_id``), or a public code
    they have not used yet (``coupon_id`` None until ``redeem`` makes its row)."""

    coupon_id: int | None
    code: str
    valid_from: datetime
    valid_until: datetime

    @property
    def public(self) -> bool:
        return self.coupon_id is None


@dataclass(frozen=True)
class MyCoupon:
    """A coupon in 我的优惠券."""

    id: int
    code: str
    terms: Terms
    state: str  # usable, used or expired (usable, but its time ran out)
    valid_from: datetime
    valid_until: datetime
    used_at: datetime | None
    order_number: str | None


@dataclass(frozen=True)
class CouponPage:
    items: tuple[MyCoupon, ...]
    #: Pass as ``after`` for the next page; None on the last.
    next_after: str | None


@dataclass(frozen=True)
class CenterEntry:
    """A coupon offered in 领券中心: how many are left (None: no limit), and whether the
    signed-in shopper may still claim one (None for a visitor who is not signed in)."""

    template: TemplateView
    left: int | None
    may_claim: bool | None


@dataclass(frozen=True)
class IssuedCodes:
    batch_id: int
    template_id: int
    codes: tuple[str, ...]  # the only time they are shown


@dataclass(frozen=True)
class Granted:
    batch_id: int
    template_id: int
    customer_ids: tuple[int, ...]


@dataclass(frozen=True)
class CouponReport:
    template_id: int
    issued: int
    #: Batch codes nobody has entered yet.
    unbound: int
    used: int
    unused: int
    expired: int
    #: What the unreturned uses took off, and on how many orders.
    discount_given: Decimal
    orders: int


def terms(template: TemplateRecord) -> Terms:
    return Terms(**_terms(template))


def template_view(template: TemplateRecord) -> TemplateView:
    return TemplateView(
        **_terms(template), valid_from=template.valid_from, valid_until=template.valid_until,
        valid_days=template.valid_days, total_quantity=template.total_quantity,
        issued_count=template.issued_count, per_customer_limit=template.per_customer_limit,
        claimable=template.claimable, on_registration=template.on_registration,
        public_code=template.public_code, is_active=template.is_active)


def offer(template: TemplateRecord, coupon_id: int | None, code: str, valid_from: datetime,
          valid_until: datetime) -> CouponOffer:
    return CouponOffer(**_terms(template), coupon_id=coupon_id, code=code,
                       valid_from=valid_from, valid_until=valid_until)


def my_coupon(coupon: CouponRecord, template: TemplateRecord, order_number: str | None,
              now: datetime) -> MyCoupon:
    expired = coupon.state == "usable" and coupon.valid_until <= now
    return MyCoupon(coupon.id, coupon.code, terms(template),
                    "expired" if expired else coupon.state, coupon.valid_from,
                    coupon.valid_until, coupon.used_at, order_number)


def cursor(at: datetime, key: int) -> str:
    return f"{(at - _EPOCH) // _MICROSECOND}.{key}"


def read_cursor(text: str) -> tuple[datetime, int] | None:
    """The (time, id) a cursor names, or None when it is not one of ours."""
    at, _sep, key = text.partition(".")
    if not (at.isascii() and at.isdigit() and key.isascii() and key.isdigit()) \
            or len(at) > 18 or len(key) > 10:
        return None
    try:
        return _EPOCH + int(at) * _MICROSECOND, int(key)
    except OverflowError:
        return None


def _terms(template: TemplateRecord) -> dict[str, Any]:
    return {"template_id": template.id, "name_zh": template.name_zh,
            "name_en": template.name_en, "kind": template.kind, "amount": template.amount,
            "percent": template.percent, "cap": template.cap, "min_spend": template.min_spend,
            "scope": json.loads(template.scope), "stacking": json.loads(template.stacking)}
