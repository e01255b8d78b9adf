"""Pricing a cart with the live campaigns and a coupon: what the cart, the checkout page and
the order all read, so the three can never disagree.

The campaigns' definitions come from the reference cache (read once per change, not per page);
what changes with every order — how many uses and flash-sale units are left, what this shopper
took already — is read fresh, in two queries, for the SKUs at hand only. The engine
(``engine.price``) chooses the best combination; ``take`` then claims every limited thing the
chosen combination needs, each with a conditional UPDATE, inside the order's savepoint: a
checkout that lost a race is refused (``Conflict``) before anything is paid.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.accounts import levels
from shop.application.errors import Conflict
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.promotions import engine
from shop.application.promotions.limits import max_share
from shop.application.promotions.offers import (
    AmountOff,
    BuyXGetY,
    Combination,
    Context,
    FreeShipping,
    GiftWithPurchase,
    Limits,
    Line,
    NForPrice,
    NthDiscount,
    Offer,
    PercentOff,
    Rule,
    Scope,
    SpecialPrice,
    SpendSave,
    Stacking,
)
from shop.application.promotions.read_models import AppliedView
from shop.application.promotions.results import Pricing
from shop.data.repositories.coupons import CouponRepository
from shop.data.repositories.ordering import OrderRepository
from shop.data.repositories.promotions import (
    FlashItemRecord,
    PromotionRecord,
    PromotionRepository,
    UseRecord,
)

if TYPE_CHECKING:
    from shop.application import UnitOfWork

PROMOTION_KEY = "promotion:"
#: The reference-data kind every campaign write renews (see ``shop.application.reference``).
REFERENCE = "promotions"


@dataclass(frozen=True)
class Campaign:
    """A live campaign as the cache keeps it: its row and its parsed documents."""

    record: PromotionRecord
    rule: Mapping[str, Any]
    scope: Scope
    stacking: Stacking

    @property
    def key(self) -> str:
        return PROMOTION_KEY + self.record.code


@dataclass(frozen=True)
class LiveCampaigns:
    campaigns: tuple[Campaign, ...]

    @classmethod
    def build(cls, records: Sequence[PromotionRecord]) -> LiveCampaigns:
        return cls(tuple(Campaign(r, json.loads(r.rule), scope_of(json.loads(r.scope)),
                                  stacking_of(json.loads(r.stacking))) for r in records))


@dataclass(frozen=True)
class LineInput:
    """One line to price, as the cart or the checkout reads it."""

    key: str
    sku_id: int
    product_id: int
    category_id: int
    brand_id: int | None
    unit_price: Decimal
    quantity: int
    floor_price: Decimal


@dataclass(frozen=True)
class Priced:
    """The engine's result with the offers it chose from: what ``take`` needs to claim."""

    pricing: Pricing
    offers: Mapping[str, Offer]
    #: Flash-sale campaigns' ids by offer key, with the flash prices they offered per SKU.
    flash: Mapping[str, Mapping[int, Decimal]]
    campaign_ids: Mapping[str, int]

    def flash_units(self, promotion_id: int, line: LineInput) -> int:
        """How many of the line's units got this flash sale's whole price cut (a unit a guard
        rail trimmed does not count: it would cost more than the flash price)."""
        for applied in self.pricing.applied:
            prices = self.flash.get(applied.offer_key)
            if prices is None or self.campaign_ids[applied.offer_key] != promotion_id:
                continue
            per_unit = line.unit_price - prices[line.sku_id]
            amount = sum((a for key, a in applied.lines if key == line.key), Decimal(0))
            return line.quantity if per_unit <= 0 else min(line.quantity,
                                                           int(amount // per_unit))
        return 0


def scope_of(document: Mapping[str, Any]) -> Scope:
    return Scope(everything=bool(document.get("everything", True)),
                 **{name: frozenset(int(i) for i in document.get(name, ())) for name in (
                     "category_ids", "brand_ids", "product_ids", "sku_ids",
                     "excluded_product_ids", "excluded_sku_ids")})


def stacking_of(document: Mapping[str, Any]) -> Stacking:
    return Stacking(mode=Combination(document.get("mode", "stackable")),
                    group=str(document.get("group", "")),
                    stacks_with=frozenset(document.get("stacks_with", ())),
                    priority=int(document.get("priority", 0)))


class PromotionPricer:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = PromotionRepository(uow._session)
        #: Member groups by customer, read once per unit of work (a checkout page prices
        #: the cart once per coupon).
        self._groups: dict[int | None, frozenset[str]] = {}

    @property
    def cart_sells_flash(self) -> bool:
        """Whether the cart and checkout sell flash sales: not while a burst lane runs (its
        counter in Redis would not see them), when 立即抢购 alone does."""
        return self.uow.shop.flash_lane is None

    def live(self) -> LiveCampaigns:
        """The live campaigns, from the process's copy while no campaign changed."""
        return self.uow._reference.get(REFERENCE, lambda: LiveCampaigns.build(
            self._repo.live(self.uow.clock.now())))

    def groups(self, customer_id: int | None) -> frozenset[str]:
        """The member groups a visitor is in: ``guest``; or ``member``, ``new`` before their
        first order that was not called off, and every member level their last year's
        spending reaches (``shop.application.accounts.levels``)."""
        if customer_id is None:
            return frozenset({"guest"})
        if customer_id not in self._groups:
            kept, spend = OrderRepository(self.uow._session).standing(
                customer_id, self.uow.clock.now() - levels.WINDOW)
            thresholds = self.uow.settings.current().level_thresholds
            self._groups[customer_id] = frozenset(
                {"member", *levels.reached(spend, thresholds), *(() if kept else ("new",))})
        return self._groups[customer_id]

    def price(self, lines: Sequence[LineInput], customer_id: int | None, *,
              coupons: Sequence[Offer] = (), shipping_fee: Decimal = Decimal("0.00"),
              channel: str | None = None, now: datetime | None = None,
              groups: frozenset[str] | None = None, flash_sales: bool = True) -> Priced:
        """The best price of ``lines`` for this visitor with the live campaigns and at most one
        of ``coupons``, in the unit of work's channel; ``channel``, ``now`` and ``groups`` let
        the staff simulator ask "what if" (a past ``now`` reads the campaigns live then);
        ``flash_sales=False`` leaves flash sales out (the cart's, while a burst lane sells
        them)."""
        live = self.live() if now is None else LiveCampaigns.build(self._repo.live(now))
        now = now or self.uow.clock.now()
        categories = self.uow.catalog.reference().categories
        engine_lines = [Line(key=line.key, sku_id=line.sku_id, product_id=line.product_id,
                             brand_id=line.brand_id,
                             category_ids=category_ancestors(categories, line.category_id),
                             unit_price=line.unit_price, quantity=line.quantity,
                             floor_price=min(line.floor_price, line.unit_price))
                        for line in lines]
        sku_ids = {line.sku_id for line in lines}
        campaigns = [c for c in live.campaigns
                     if c.record.ends_at > now and _may_touch(c, engine_lines)
                     and (flash_sales or c.record.kind != "flash_sale")]
        flash_ids = [c.record.id for c in campaigns if c.record.kind == "flash_sale"]
        flash_items: dict[int, list[FlashItemRecord]] = {}
        for item in self._repo.flash_items(flash_ids):
            if item.sku_id in sku_ids:
                flash_items.setdefault(item.promotion_id, []).append(item)
        limited = [c.record.id for c in campaigns
                   if c.record.per_customer_limit is not None or c.record.kind == "flash_sale"]
        taken = (self._repo.uses_by(customer_id, limited)
                 if customer_id is not None and limited else {})
        used = self._repo.used_counts([c.record.id for c in campaigns
                                       if c.record.total_limit is not None])
        offers: dict[str, Offer] = {}
        flash: dict[str, dict[int, Decimal]] = {}
        for campaign in campaigns:
            record = campaign.record
            orders, units = taken.get(record.id, (0, {}))
            if record.kind == "flash_sale":
                items = flash_items.get(record.id, [])
                if not items:
                    continue
                rule: Rule = SpecialPrice(
                    prices={i.sku_id: i.price for i in items},
                    units={i.sku_id: max(0, min(
                        i.quota - i.sold,
                        (record.per_customer_limit - units.get(i.sku_id, 0))
                        if record.per_customer_limit is not None else i.quota))
                        for i in items})
                flash[campaign.key] = {i.sku_id: i.price for i in items}
                uses_left = _left(record.total_limit, used.get(record.id, 0))
            else:
                rule = rule_of(record.kind, campaign.rule)
                uses_left = _min_left(_left(record.total_limit, used.get(record.id, 0)),
                                      _left(record.per_customer_limit, orders))
            offers[campaign.key] = Offer(
                key=campaign.key, name=pick(self.uow.locale, record.name_zh, record.name_en),
                rule=rule, scope=campaign.scope, stacking=campaign.stacking,
                starts_at=record.starts_at, ends_at=record.ends_at,
                channels=frozenset(record.channels.split()),
                groups=frozenset(record.member_groups.split()), uses_left=uses_left)
        for coupon in coupons:
            offers[coupon.key] = coupon
        pricing = engine.price(
            engine_lines, list(offers.values()),
            Context(now=now, channel=channel or self.uow.channel,
                    groups=self.groups(customer_id) if groups is None else groups),
            Limits(max_share=max_share(self.uow.shop.settings)), shipping_fee=shipping_fee)
        return Priced(pricing, offers, flash,
                      {c.key: c.record.id for c in campaigns})

    def take(self, priced: Priced, order_id: int, customer_id: int,
             lines: Sequence[LineInput], skip: Collection[str] = ()) -> None:
        """Claim what the order's campaigns need (a use each, flash-sale units per SKU) and
        record each one's part; ``Conflict`` when one ran out since the page was shown. The
        caller's savepoint undoes everything on a refusal."""
        pricing = priced.pricing
        by_key = {line.key: line for line in lines}
        rows: list[dict[str, Any]] = []
        for applied in pricing.applied:
            if applied.is_coupon or (applied.offer_key in skip and not applied.amount):
                continue
            promotion_id = priced.campaign_ids[applied.offer_key]
            name = applied.name
            if not self._repo.take_use(promotion_id):
                raise Conflict(_("${name} has run out: check your order and submit it again",
                                 mapping={"name": name}))
            shipping = (pricing.shipping_saving
                        if pricing.free_shipping_by == applied.offer_key else Decimal("0.00"))
            flash_prices = priced.flash.get(applied.offer_key)
            if flash_prices is None:
                rows.append({"promotion_id": promotion_id, "customer_id": customer_id,
                             "order_id": order_id, "sku_id": None, "units": 0,
                             "amount": applied.amount + shipping})
                continue
            for line_key, amount in applied.lines:
                line = by_key[line_key]
                units = _flash_units(line, flash_prices[line.sku_id], amount)
                if not self._repo.take_flash(promotion_id, line.sku_id, units):
                    raise Conflict(_("${name} has sold out at this price: check your order "
                                     "and submit it again", mapping={"name": name}))
                rows.append({"promotion_id": promotion_id, "customer_id": customer_id,
                             "order_id": order_id, "sku_id": line.sku_id, "units": units,
                             "amount": amount})
        self._repo.record_uses(rows)

    def applied_to(self, order_id: int) -> tuple[AppliedView, ...]:
        """What the order's price took off, campaign by campaign and its coupon (kept with
        the order: an order called off still shows the price it was placed at)."""
        return tuple(AppliedView(pick(self.uow.locale, zh, en), amount, coupon, free)
                     for zh, en, coupon, free, amount in self._repo.uses_of_order(order_id))

    def give_back(self, order_id: int) -> None:
        """The order ended unpaid or was cancelled: its campaigns' uses and flash-sale units go
        back (once, however often this is called)."""
        self._repo.return_uses(order_id, self.uow.clock.now())

    def retake(self, order_id: int, customer_id: int) -> None:
        """An ended order is paid after all and comes back to life with the price it was
        placed at: its campaigns' uses, flash-sale units and coupon are taken again, within
        every limit a new order would meet (the shopper may have used a once-per-shopper
        campaign on another order meanwhile), or ``Conflict`` (the caller's savepoint undoes
        the rest and the payment is refunded instead)."""
        if not CouponRepository(self.uow._session).retake(order_id, self.uow.clock.now()):
            raise Conflict(_("The coupon this order used has gone to another order"))
        uses = self._repo.returned_uses(order_id)
        ids = sorted({use.promotion_id for use in uses})
        held = self._repo.uses_by(customer_id, ids)
        for promotion_id in ids:
            record = self._repo.get(promotion_id)
            orders, units = held.get(promotion_id, (0, {}))
            if record is None or not _may_retake(
                    record, orders, units, [u for u in uses if u.promotion_id == promotion_id],
                    lambda: OrderRepository(self.uow._session).has_kept_order(customer_id)) \
                    or not self._repo.take_use(promotion_id):
                raise Conflict(_("A campaign this order used has run out"))
        for use in uses:
            if use.sku_id is not None and not self._repo.take_flash(
                    use.promotion_id, use.sku_id, use.units):
                raise Conflict(_("A flash sale this order used has sold out"))
            self._repo.unreturn(use.id)


def _may_retake(record: PromotionRecord, orders: int, units: Mapping[int, int],
                uses: Sequence[UseRecord], has_kept_order: Callable[[], bool]) -> bool:
    """Whether the shopper may take the campaign again for a revived order, given the uses
    they hold on other orders."""
    limit = record.per_customer_limit
    if limit is not None:
        if record.kind == "flash_sale":
            if any(units.get(use.sku_id, 0) + use.units > limit
                   for use in uses if use.sku_id is not None):
                return False
        elif orders >= limit:
            return False
    groups = set(record.member_groups.split())
    return not (groups and groups <= {"new"} and has_kept_order())


def rule_of(kind: str, rule: Mapping[str, Any]) -> Rule:
    """A stored rule (``campaigns.CampaignService._rule`` wrote it) as the engine's rule."""
    if kind == "spend_save":
        return SpendSave(tiers=tuple((Decimal(t), Decimal(s)) for t, s in rule["tiers"]),
                         repeat=bool(rule.get("repeat")))
    if kind == "percent_off":
        return PercentOff(Decimal(rule["percent"]))
    if kind == "amount_off":
        return AmountOff(Decimal(rule["amount"]))
    if kind == "buy_x_get_y":
        return BuyXGetY(int(rule["buy"]), int(rule["get"]), Decimal(rule.get("percent", 100)))
    if kind == "n_for_price":
        return NForPrice(int(rule["count"]), Decimal(rule["price"]))
    if kind == "nth_discount":
        return NthDiscount(int(rule["nth"]), Decimal(rule["percent"]))
    if kind == "gift":
        return GiftWithPurchase(Decimal(rule["threshold"]), int(rule["gift_sku_id"]),
                                int(rule.get("gift_quantity", 1)))
    if kind == "free_shipping":
        return FreeShipping(Decimal(rule.get("threshold") or 0))
    if kind == "special_price":
        return SpecialPrice(prices={int(k): Decimal(v) for k, v in rule["prices"].items()})
    raise ValueError(f"unknown campaign kind {kind!r}")


def category_ancestors(categories: Mapping[int, Any], category_id: int) -> frozenset[int]:
    """The category and every one above it (a campaign on 服装 covers 衬衫)."""
    found = categories.get(category_id)
    if found is None:
        return frozenset({category_id})
    return frozenset(int(part) for part in found.path.strip("/").split("/") if part)


def _may_touch(campaign: Campaign, lines: Sequence[Line]) -> bool:
    return any(campaign.scope.covers(line) for line in lines)


def _left(limit: int | None, used: int) -> int | None:
    return None if limit is None else max(0, limit - used)


def _min_left(*lefts: int | None) -> int | None:
    known = [left for left in lefts if left is not None]
    return min(known) if known else None


def _flash_units(line: LineInput, flash_price: Decimal, amount: Decimal) -> int:
    """How many of the line's units the flash price took. A guard rail may have trimmed the
    amount, so a part-unit counts whole: the quota is never under-counted."""
    per_unit = line.unit_price - flash_price
    if per_unit <= 0:
        return line.quantity
    return min(line.quantity, math.ceil(amount / per_unit))
