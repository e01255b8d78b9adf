"""Campaigns, their templates, flash-sale quotas and the discounts orders took
(see ``shop.data.models.promotions``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from shop.data.models import (
    Brand,
    Coupon,
    CouponTemplate,
    DiscountUse,
    FlashSaleItem,
    Product,
    Promotion,
    PromotionTemplate,
    Sku,
)
from shop.data.repositories.batches import affected
from shop.data.repositories.catalog_records import CardRecord
from shop.data.repositories.listing_queries import card_columns
from shop.data.repositories.rows import append_rows, insert_unless_taken

#: More campaigns live at once than a shop runs: the engine never reads past this many.
MAX_LIVE = 500


@dataclass(frozen=True, slots=True)
class PromotionRecord:
    id: int
    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    kind: str
    rule: str
    scope: str
    stacking: str
    starts_at: datetime
    ends_at: datetime
    channels: str
    member_groups: str
    per_customer_limit: int | None
    total_limit: int | None
    used_count: int
    state: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FlashItemRecord:
    promotion_id: int
    sku_id: int
    price: Decimal
    quota: int
    sold: int


@dataclass(frozen=True, slots=True)
class TemplateRecord:
    id: int
    name: str
    kind: str
    preset: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UseRecord:
    id: int
    promotion_id: int
    sku_id: int | None
    units: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SkuFloor:
    id: int
    code: str
    price: Decimal
    floor_price: Decimal


@dataclass(frozen=True, slots=True)
class SkuLineRecord:
    """A SKU as a cart line would price it (the staff simulator builds carts from these)."""

    code: str
    sku_id: int
    product_id: int
    category_id: int
    brand_id: int | None
    price: Decimal
    floor_price: Decimal
    name_zh: str
    name_en: str


_PROMOTION = [getattr(Promotion, name) for name in PromotionRecord.__slots__]
_FLASH = [getattr(FlashSaleItem, name) for name in FlashItemRecord.__slots__]
_TEMPLATE = [getattr(PromotionTemplate, name) for name in TemplateRecord.__slots__]


class PromotionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- campaigns ---------------------------------------------------------------------------

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Writes that stand or fall together: an exception undoes them, and only them."""
        with self.session.begin_nested():
            yield

    def create(self, row: dict[str, Any]) -> int | None:
        """The new campaign's id; None when its code is taken."""
        return insert_unless_taken(self.session, Promotion, row, "code")

    def add_flash_items(self, rows: Sequence[dict[str, Any]]) -> None:
        append_rows(self.session, FlashSaleItem, rows)

    def get(self, promotion_id: int) -> PromotionRecord | None:
        row = self.session.execute(select(*_PROMOTION).where(Promotion.id == promotion_id)).first()
        return PromotionRecord(*row) if row else None

    def by_code(self, code: str) -> PromotionRecord | None:
        row = self.session.execute(select(*_PROMOTION).where(Promotion.code == code)).first()
        return PromotionRecord(*row) if row else None

    def live(self, now: datetime) -> list[PromotionRecord]:
        """Active campaigns not yet ended (those yet to start included: pages count down to
        them), by code: one range of ``ix_promotion_state_ends_at``."""
        return [PromotionRecord(*row) for row in self.session.execute(
            select(*_PROMOTION).where(Promotion.state == "active", Promotion.ends_at > now)
            .order_by(Promotion.code).limit(MAX_LIVE))]

    def page(self, before: int | None, limit: int) -> list[PromotionRecord]:
        statement = select(*_PROMOTION)
        if before is not None:
            statement = statement.where(Promotion.id < before)
        return [PromotionRecord(*row) for row in self.session.execute(
            statement.order_by(Promotion.id.desc()).limit(limit))]

    def set_state(self, promotion_id: int, state: str) -> bool:
        result = self.session.execute(
            update(Promotion).where(Promotion.id == promotion_id, Promotion.state != state)
            .values(state=state).execution_options(synchronize_session=False))
        return affected(result) > 0

    def flash_items(self, promotion_ids: Sequence[int]) -> list[FlashItemRecord]:
        if not promotion_ids:
            return []
        return [FlashItemRecord(*row) for row in self.session.execute(
            select(*_FLASH).where(FlashSaleItem.promotion_id.in_(promotion_ids))
            .order_by(FlashSaleItem.promotion_id, FlashSaleItem.sku_id))]

    def flash_items_of_product(self, promotion_ids: Sequence[int],
                               product_id: int) -> list[tuple[FlashItemRecord, str]]:
        """The flash-sale items of these campaigns on the product's SKUs, with the SKU codes."""
        if not promotion_ids:
            return []
        return [(FlashItemRecord(*row[:-1]), row[-1]) for row in self.session.execute(
            select(*_FLASH, Sku.code).join(Sku, Sku.id == FlashSaleItem.sku_id)
            .where(FlashSaleItem.promotion_id.in_(promotion_ids),
                   Sku.product_id == product_id)
            .order_by(FlashSaleItem.promotion_id, Sku.position))]

    def cards(self, product_ids: Sequence[int], limit: int) -> list[CardRecord]:
        """Published products' cards, best sellers first."""
        if not product_ids:
            return []
        return [CardRecord(*row) for row in self.session.execute(
            select(*card_columns()).select_from(Product)
            .outerjoin(Brand, Brand.id == Product.brand_id)
            .where(Product.id.in_(product_ids), Product.is_published)
            .order_by(Product.sales_count.desc(), Product.id).limit(limit))]

    def products_of_skus(self, sku_ids: Sequence[int]) -> list[int]:
        if not sku_ids:
            return []
        return list(self.session.scalars(
            select(Sku.product_id).where(Sku.id.in_(sku_ids)).distinct()))

    def sku_lines(self, codes: Sequence[str]) -> list[SkuLineRecord]:
        if not codes:
            return []
        return [SkuLineRecord(*row) for row in self.session.execute(
            select(Sku.code, Sku.id, Sku.product_id, Product.category_id, Product.brand_id,
                   Sku.price, Sku.floor_price, Product.name_zh, Product.name_en)
            .join(Product, Product.id == Sku.product_id).where(Sku.code.in_(codes)))]

    def sku_floors(self, codes: Sequence[str]) -> list[SkuFloor]:
        if not codes:
            return []
        return [SkuFloor(*row) for row in self.session.execute(
            select(Sku.id, Sku.code, Sku.price, Sku.floor_price).where(Sku.code.in_(codes)))]

    def product_ids(self, slugs: Sequence[str]) -> dict[str, int]:
        if not slugs:
            return {}
        return {slug: key for slug, key in self.session.execute(
            select(Product.slug, Product.id).where(Product.slug.in_(slugs)))}

    def sku_ids(self, codes: Sequence[str]) -> dict[str, int]:
        if not codes:
            return {}
        return {code: key for code, key in self.session.execute(
            select(Sku.code, Sku.id).where(Sku.code.in_(codes)))}

    # -- templates ---------------------------------------------------------------------------

    def add_template(self, row: dict[str, Any]) -> int | None:
        """The new template's id; None when its name is taken."""
        return insert_unless_taken(self.session, PromotionTemplate, row, "name")

    def templates(self, limit: int) -> list[TemplateRecord]:
        return [TemplateRecord(*row) for row in self.session.execute(
            select(*_TEMPLATE).order_by(PromotionTemplate.name).limit(limit))]

    def template(self, template_id: int) -> TemplateRecord | None:
        row = self.session.execute(
            select(*_TEMPLATE).where(PromotionTemplate.id == template_id)).first()
        return TemplateRecord(*row) if row else None

    # -- uses --------------------------------------------------------------------------------

    def uses_by(self, customer_id: int,
                promotion_ids: Sequence[int]) -> dict[int, tuple[int, dict[int, int]]]:
        """For each campaign: how many of this shopper's orders used it, and the flash-sale
        units per SKU they took (given-back uses not counted). One query."""
        if not promotion_ids:
            return {}
        found: dict[int, tuple[int, dict[int, int]]] = {}
        orders: dict[int, set[int]] = {}
        for key, order_id, sku_id, units in self.session.execute(
                select(DiscountUse.promotion_id, DiscountUse.order_id, DiscountUse.sku_id,
                       DiscountUse.units)
                .where(DiscountUse.customer_id == customer_id,
                       DiscountUse.promotion_id.in_(promotion_ids),
                       DiscountUse.returned_at.is_(None))):
            promotion_id = cast(int, key)  # the filter names campaigns: never NULL here
            orders.setdefault(promotion_id, set()).add(order_id)
            units_by_sku = found.setdefault(promotion_id, (0, {}))[1]
            if sku_id is not None:
                units_by_sku[sku_id] = units_by_sku.get(sku_id, 0) + units
        return {pid: (len(orders[pid]), units) for pid, (_n, units) in found.items()}

    def used_counts(self, promotion_ids: Sequence[int]) -> dict[int, int]:
        """Each campaign's uses now (the cached campaign rows do not follow them)."""
        if not promotion_ids:
            return {}
        return {key: count for key, count in self.session.execute(
            select(Promotion.id, Promotion.used_count).where(Promotion.id.in_(promotion_ids)))}

    def take_use(self, promotion_id: int) -> bool:
        """One more use of the campaign unless its total limit is reached (one statement)."""
        result = self.session.execute(
            update(Promotion).where(
                Promotion.id == promotion_id, Promotion.state == "active",
                or_(Promotion.total_limit.is_(None), Promotion.used_count < Promotion.total_limit))
            .values(used_count=Promotion.used_count + 1)
            .execution_options(synchronize_session=False))
        return affected(result) > 0

    def take_flash(self, promotion_id: int, sku_id: int, units: int) -> bool:
        """``units`` of the SKU's flash-sale quota, unless fewer are left (one statement)."""
        result = self.session.execute(
            update(FlashSaleItem).where(
                FlashSaleItem.promotion_id == promotion_id, FlashSaleItem.sku_id == sku_id,
                FlashSaleItem.sold + units <= FlashSaleItem.quota)
            .values(sold=FlashSaleItem.sold + units)
            .execution_options(synchronize_session=False))
        return affected(result) > 0

    def record_uses(self, rows: Sequence[dict[str, Any]]) -> None:
        append_rows(self.session, DiscountUse, rows)

    def return_uses(self, order_id: int, now: datetime) -> list[UseRecord]:
        """Mark the order's campaign uses given back and put what they took back (the use
        counts and flash-sale quotas). Only uses this call marked are put back, so two
        concurrent calls (a cancel racing the close job) give back once."""
        uses = self._campaign_uses(order_id, DiscountUse.returned_at.is_(None))
        returned = []
        for use in uses:
            marked = self.session.execute(
                update(DiscountUse).where(DiscountUse.id == use.id,
                                          DiscountUse.returned_at.is_(None))
                .values(returned_at=now).execution_options(synchronize_session=False))
            if not affected(marked):
                continue
            returned.append(use)
            if use.sku_id is not None:
                self.session.execute(
                    update(FlashSaleItem).where(FlashSaleItem.promotion_id == use.promotion_id,
                                                FlashSaleItem.sku_id == use.sku_id)
                    .values(sold=FlashSaleItem.sold - use.units)
                    .execution_options(synchronize_session=False))
        # Each campaign counted one use per order, however many SKUs it priced.
        for promotion_id in {use.promotion_id for use in returned}:
            self.session.execute(
                update(Promotion).where(Promotion.id == promotion_id, Promotion.used_count > 0)
                .values(used_count=Promotion.used_count - 1)
                .execution_options(synchronize_session=False))
        return returned

    def returned_uses(self, order_id: int) -> list[UseRecord]:
        return self._campaign_uses(order_id, DiscountUse.returned_at.is_not(None))

    def _campaign_uses(self, order_id: int, returned: ColumnElement[bool]) -> list[UseRecord]:
        """The order's campaign uses (given back or not, as ``returned`` says)."""
        return [UseRecord(use_id, cast(int, promotion_id), sku_id, units, amount)
                for use_id, promotion_id, sku_id, units, amount in self.session.execute(
                    select(DiscountUse.id, DiscountUse.promotion_id, DiscountUse.sku_id,
                           DiscountUse.units, DiscountUse.amount)
                    .where(DiscountUse.order_id == order_id,
                           DiscountUse.promotion_id.is_not(None), returned))]

    def unreturn(self, use_id: int) -> bool:
        result = self.session.execute(
            update(DiscountUse).where(DiscountUse.id == use_id,
                                      DiscountUse.returned_at.is_not(None))
            .values(returned_at=None).execution_options(synchronize_session=False))
        return affected(result) > 0

    def uses_of_order(self, order_id: int) -> list[tuple[str, str, bool, bool, Decimal]]:
        """What took something off the order, as (name_zh, name_en, is_coupon, free_shipping
        kind, amount) per campaign or coupon, in the order they were recorded: one query."""
        rows = self.session.execute(
            select(func.coalesce(Promotion.name_zh, CouponTemplate.name_zh),
                   func.coalesce(Promotion.name_en, CouponTemplate.name_en),
                   DiscountUse.coupon_id.is_not(None),
                   or_(Promotion.kind == "free_shipping",
                       CouponTemplate.kind == "free_shipping"),
                   func.sum(DiscountUse.amount), func.min(DiscountUse.id))
            .outerjoin(Promotion, Promotion.id == DiscountUse.promotion_id)
            .outerjoin(Coupon, Coupon.id == DiscountUse.coupon_id)
            .outerjoin(CouponTemplate, CouponTemplate.id == Coupon.template_id)
            .where(DiscountUse.order_id == order_id)
            .group_by(DiscountUse.promotion_id, DiscountUse.coupon_id, Promotion.name_zh,
                      Promotion.name_en, Promotion.kind, CouponTemplate.name_zh,
                      CouponTemplate.name_en, CouponTemplate.kind)
            .order_by(func.min(DiscountUse.id)))
        return [(zh, en, bool(coupon), bool(free), Decimal(amount).quantize(Decimal("0.01")))
                for zh, en, coupon, free, amount, _first in rows]
