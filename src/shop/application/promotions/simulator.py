"""The staff simulator (活动模拟): build a cart, pick who is buying, where and when, maybe a coupon
template, and see exactly which campaigns apply, with what, and why each of the others did not.

It prices through the same engine and the same live campaigns as the cart and the checkout, so
what it shows is what a shopper would get; it writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import colander

from shop.application.actors import Permission
from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.money import Money, to_money
from shop.application.promotions.campaign_schemas import MEMBER_GROUPS, moment, words
from shop.application.promotions.coupon_offers import coupon_offer
from shop.application.promotions.coupon_views import CouponOffer
from shop.application.promotions.pricing import LineInput
from shop.application.sales_channels import CHANNELS
from shop.application.validation import validate
from shop.data.repositories.promotions import PromotionRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

MAX_LINES = 50


class SimulationSchema(colander.MappingSchema):
    #: "SKU-1:2, SKU-2": each SKU code with its quantity (1 when left out).
    lines = colander.SchemaNode(colander.String(), validator=colander.Length(1, 4000))
    member_groups = colander.SchemaNode(colander.String(), missing="member",
                                        validator=colander.Length(max=200))
    channel = colander.SchemaNode(colander.String(), missing="web",
                                  validator=colander.OneOf(tuple(CHANNELS)))
    at = colander.SchemaNode(colander.DateTime(default_tzinfo=None), missing=None,
                             validator=moment)
    shipping_fee = colander.SchemaNode(Money(), missing=Decimal("0.00"),
                                       validator=colander.Range(Decimal("0.00")))
    coupon_template = colander.SchemaNode(colander.Int(), missing=None,
                                          validator=colander.Range(1, 2 ** 31 - 1))


@dataclass(frozen=True)
class SimulatedLine:
    sku_code: str
    name: str
    unit_price: Decimal
    quantity: int
    discount: Decimal


@dataclass(frozen=True)
class Outcome:
    name: str
    amount: Decimal | None
    message: Any


@dataclass(frozen=True)
class Simulation:
    lines: tuple[SimulatedLine, ...]
    items_total: Decimal
    discount_total: Decimal
    shipping_saving: Decimal
    applied: tuple[Outcome, ...]
    #: Every campaign that did not apply, with why (translation strings).
    skipped: tuple[Outcome, ...]
    hints: tuple[Any, ...]
    #: A guard rail (a floor, the maximum share) took something off what the campaigns gave.
    capped: bool


def simulate(uow: UnitOfWork, data: Mapping[str, Any]) -> Simulation:
    uow.actor.require(Permission.PROMOTION_VIEW)
    values = validate(SimulationSchema(), data)
    wanted = _quantities(values["lines"])
    groups = frozenset(words(values["member_groups"]))
    unknown = sorted(groups - set(MEMBER_GROUPS))
    if unknown:
        raise Invalid({"member_groups": _("Unknown: ${code}", mapping={"code": unknown[0]})})
    repo = PromotionRepository(uow._session)
    found = {r.code: r for r in repo.sku_lines(list(wanted))}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise Invalid({"lines": _("No SKU has this code: ${code}", mapping={"code": missing[0]})})
    zone = uow.settings.current().zone
    at = values["at"]
    now = (at if at.tzinfo else at.replace(tzinfo=zone)).astimezone(UTC) if at else None
    coupons = [coupon_offer(_template_coupon(uow, values["coupon_template"], now), uow.locale)] \
        if values["coupon_template"] is not None else []
    inputs = [LineInput(key=code, sku_id=r.sku_id, product_id=r.product_id,
                        category_id=r.category_id, brand_id=r.brand_id, unit_price=r.price,
                        quantity=wanted[code], floor_price=r.floor_price)
              for code, r in found.items()]
    pricing = uow._pricer.price(inputs, None, coupons=coupons,
                                shipping_fee=values["shipping_fee"], channel=values["channel"],
                                now=now, groups=groups).pricing
    return Simulation(
        tuple(SimulatedLine(code, pick(uow.locale, r.name_zh, r.name_en), r.price,
                            wanted[code], pricing.line_discounts.get(code, Decimal("0.00")))
              for code, r in found.items()),
        pricing.items_total, pricing.discount_total, pricing.shipping_saving,
        tuple(Outcome(a.name, a.amount, "") for a in pricing.applied),
        tuple(Outcome(s.name, None, s.message) for s in pricing.skipped),
        tuple(m.message for m in pricing.near_misses), pricing.capped)


def _quantities(text: str) -> dict[str, int]:
    """"SKU-1:2, SKU-2" → {"SKU-1": 2, "SKU-2": 1}; ``Invalid`` naming ``lines``."""
    wanted: dict[str, int] = {}
    for part in words(text):
        code, _colon, count = part.partition(":")
        if not code or (count and not (count.isascii() and count.isdigit())) or (
                count and not 1 <= int(count) <= 999):
            raise Invalid({"lines": _("Write each line as SKU code:quantity, e.g. TS-RED-M:2")})
        wanted[code] = wanted.get(code, 0) + (int(count) if count else 1)
    if len(wanted) > MAX_LINES:
        raise Invalid({"lines": _("At most ${max} lines", mapping={"max": MAX_LINES})})
    return wanted


def _template_coupon(uow: UnitOfWork, template_id: int, now: datetime | None) -> CouponOffer:
    """A coupon of the template as if just issued to the shopper."""
    try:
        template = uow.coupons.template(template_id)
    except NotFound:
        raise Invalid({"coupon_template": _("No such coupon template")}) from None
    start = now or uow.clock.now()
    try:
        until = template.valid_until or start + timedelta(days=template.valid_days or 1)
    except OverflowError:  # a moment at the calendar's end, and days after it
        raise Invalid({"at": _("Give a date between the years 1 and 9999")}) from None
    return CouponOffer(
        template_id=template.template_id, name_zh=template.name_zh, name_en=template.name_en,
        kind=template.kind, amount=template.amount, percent=template.percent,
        cap=template.cap, min_spend=to_money(template.min_spend), scope=template.scope,
        stacking=template.stacking, coupon_id=None, code="",
        valid_from=template.valid_from or start, valid_until=until)
