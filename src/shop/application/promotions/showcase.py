"""What catalog pages show of the live campaigns: ``uow.showcase``.

A listing card carries a small tag (满200减20, 秒杀); a product page lists every campaign that
applies to it with its tag, and a flash sale's price, countdown and remaining share. The
campaigns come from the reference cache and are matched in memory, so a listing of any size
costs no query for them; a product page reads its flash-sale quotas in one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.catalog.read_models import ProductCard, ProductPage
from shop.application.locales import pick
from shop.application.promotions.coupon_views import CenterEntry
from shop.application.promotions.offers import Line
from shop.application.promotions.pricing import Campaign, category_ancestors, scope_of
from shop.application.promotions.tags import tag_label
from shop.data.repositories.promotions import PromotionRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@dataclass(frozen=True)
class PromotionTag:
    code: str
    name: str
    #: The short text on the tag: "满200减20", "8折", "秒杀".
    label: Any
    kind: str
    ends_at: datetime


@dataclass(frozen=True)
class FlashOffer:
    """A flash sale on one of the product's SKUs, live or about to start."""

    code: str
    name: str
    sku_code: str
    price: Decimal
    starts_at: datetime
    ends_at: datetime
    #: What is left of the quota, and as a share of it (0–100) for the progress bar.
    left: int
    left_percent: int
    live: bool

    @property
    def taken_percent(self) -> int:
        """The share of the quota sold (已抢 X%), for the progress bar."""
        return 100 - self.left_percent


@dataclass(frozen=True)
class ProductPromotions:
    tags: tuple[PromotionTag, ...]
    flash: tuple[FlashOffer, ...]


class Showcase:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def tags_for_cards(self, cards: Sequence[ProductCard]) -> dict[int, PromotionTag]:
        """The first live campaign (by priority, then code) that covers each card's product:
        no query."""
        now = self.uow.clock.now()
        live = sorted((c for c in self.uow._pricer.live().campaigns
                       if c.record.starts_at <= now < c.record.ends_at
                       and c.record.kind != "flash_sale"),
                      key=lambda c: (-c.stacking.priority, c.record.code))
        found = {}
        for card in cards:
            line = self._line(card.id, card.category_id, card.brand_id)
            for campaign in live:
                if campaign.scope.covers(line):
                    found[card.id] = self._tag(campaign)
                    break
        return found

    def for_product(self, page: ProductPage) -> ProductPromotions:
        """Every campaign that covers the product (those about to start included), and its
        SKUs' flash sales with what is left: one query, for the flash sales."""
        now = self.uow.clock.now()
        line = self._line(page.id, page.category.id, page.brand.id if page.brand else None)
        campaigns = [c for c in self.uow._pricer.live().campaigns
                     if c.record.ends_at > now and c.scope.covers(line)]
        flash_ids = {c.record.id: c for c in campaigns if c.record.kind == "flash_sale"}
        flash = []
        for item, sku_code in PromotionRepository(self.uow._session).flash_items_of_product(
                list(flash_ids), page.id):
            campaign = flash_ids[item.promotion_id].record
            left = max(0, item.quota - item.sold)
            flash.append(FlashOffer(
                campaign.code, pick(self.uow.locale, campaign.name_zh, campaign.name_en),
                sku_code, item.price, campaign.starts_at, campaign.ends_at, left,
                left * 100 // item.quota if item.quota else 0,
                campaign.starts_at <= now))
        tags = tuple(self._tag(c) for c in sorted(
            campaigns, key=lambda c: (-c.stacking.priority, c.record.code))
            if c.record.kind != "flash_sale" or any(f.code == c.record.code for f in flash))
        return ProductPromotions(tags, tuple(flash))

    def coupons_for(self, page: ProductPage,
                    entries: Sequence[CenterEntry]) -> tuple[CenterEntry, ...]:
        """Of the coupon center's entries (``uow.coupons.center()``), those the visitor may
        still claim whose scope covers the product (on everything, or naming its category or
        one above it, its brand or the product): what a product page's 领券 link offers. No
        query; a coupon on some of the product's SKUs only is not offered here."""
        line = self._line(page.id, page.category.id, page.brand.id if page.brand else None)
        return tuple(entry for entry in entries
                     if entry.left != 0 and entry.may_claim is not False
                     and scope_of(entry.template.scope).covers(line))

    def coupons_for_cards(self, cards: Sequence[ProductCard],
                          entries: Sequence[CenterEntry]) -> tuple[CenterEntry, ...]:
        """Of the coupon center's entries, those the visitor may still claim that cover at
        least one of the cards' products: what a campaign's landing page offers to claim
        beside its products (活动页领券). No query."""
        lines = [self._line(card.id, card.category_id, card.brand_id) for card in cards]
        return tuple(entry for entry in entries
                     if entry.left != 0 and entry.may_claim is not False
                     and any(scope_of(entry.template.scope).covers(line) for line in lines))

    def _line(self, product_id: int, category_id: int, brand_id: int | None) -> Line:
        """A product as a line a scope can be asked about (no SKU: a SKU-scoped campaign shows
        on its product's page through its flash items, not its tag)."""
        return Line(key=str(product_id), sku_id=0, product_id=product_id, brand_id=brand_id,
                    category_ids=category_ancestors(self.uow.catalog.reference().categories,
                                                    category_id),
                    unit_price=Decimal("0.01"), quantity=1)

    def _tag(self, campaign: Campaign) -> PromotionTag:
        record = campaign.record
        return PromotionTag(record.code, pick(self.uow.locale, record.name_zh, record.name_en),
                            tag_label(record.kind, campaign.rule), record.kind,
                            record.ends_at)
