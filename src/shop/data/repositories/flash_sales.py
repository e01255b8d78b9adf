"""What the flash-sale lane reads: one sale item with its campaign and SKU, what is left of its
quota, who bought how many, and the items whose lane may need reconciling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from shop.data.models import DiscountUse, FlashSaleItem, Product, Promotion, Sku


@dataclass(frozen=True, slots=True)
class FlashOfferRecord:
    promotion_id: int
    code: str
    name_zh: str
    name_en: str
    state: str
    starts_at: datetime
    ends_at: datetime
    per_customer_limit: int | None
    sku_id: int
    sku_code: str
    product_slug: str
    product_name_zh: str
    product_name_en: str
    is_published: bool
    list_price: Decimal
    price: Decimal
    quota: int
    sold: int


@dataclass(frozen=True, slots=True)
class FlashItemState:
    promotion_id: int
    sku_id: int
    quota: int
    sold: int
    ends_at: datetime


#: Built once: every buyer of a burst asks it, and building the statement costs more than
#: running it.
_OFFER = (
    select(Promotion.id, Promotion.code, Promotion.name_zh, Promotion.name_en,
           Promotion.state, Promotion.starts_at, Promotion.ends_at,
           Promotion.per_customer_limit, Sku.id, Sku.code, Product.slug,
           Product.name_zh, Product.name_en, Product.is_published, Sku.price,
           FlashSaleItem.price, FlashSaleItem.quota, FlashSaleItem.sold)
    .join(FlashSaleItem, FlashSaleItem.promotion_id == Promotion.id)
    .join(Sku, Sku.id == FlashSaleItem.sku_id)
    .join(Product, Product.id == Sku.product_id)
    .where(Promotion.code == bindparam("code"), Promotion.kind == "flash_sale",
           Sku.code == bindparam("sku_code")))


class FlashSaleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def offer(self, code: str, sku_code: str) -> FlashOfferRecord | None:
        """The flash sale ``code``'s item on the SKU ``sku_code``, in any state: one query."""
        row = self.session.execute(_OFFER, {"code": code, "sku_code": sku_code}).first()
        return FlashOfferRecord(*row) if row else None

    def left(self, promotion_id: int, sku_id: int) -> int:
        """Units of the item's quota no order holds now."""
        return self.session.scalar(
            select(FlashSaleItem.quota - FlashSaleItem.sold).where(
                FlashSaleItem.promotion_id == promotion_id,
                FlashSaleItem.sku_id == sku_id)) or 0

    def buyers(self, promotion_id: int, sku_id: int,
               customer_id: int | None = None) -> dict[int, int]:
        """Units of the item each shopper (or only ``customer_id``) holds, given-back uses not
        counted: no more rows than the quota has units."""
        statement = (
            select(DiscountUse.customer_id, func.sum(DiscountUse.units))
            .where(DiscountUse.promotion_id == promotion_id, DiscountUse.sku_id == sku_id,
                   DiscountUse.returned_at.is_(None))
            .group_by(DiscountUse.customer_id))
        if customer_id is not None:
            statement = statement.where(DiscountUse.customer_id == customer_id)
        return {buyer: int(units) for buyer, units in self.session.execute(statement)}

    def items_ending_after(self, moment: datetime, limit: int) -> list[FlashItemState]:
        """Items of flash sales that end after ``moment`` (running, to come, or just over),
        soonest first."""
        return [FlashItemState(*row) for row in self.session.execute(
            select(FlashSaleItem.promotion_id, FlashSaleItem.sku_id, FlashSaleItem.quota,
                   FlashSaleItem.sold, Promotion.ends_at)
            .join(Promotion, Promotion.id == FlashSaleItem.promotion_id)
            .where(Promotion.kind == "flash_sale", Promotion.ends_at > moment)
            .order_by(Promotion.ends_at, FlashSaleItem.promotion_id, FlashSaleItem.sku_id)
            .limit(limit))]
