"""Products (SPU) with their SKUs, attribute values and images: the product page's reads, and
writing a product whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import Product, ProductAttributeValue, Sku, SkuAttributeValue
from shop.data.repositories import product_queries
from shop.data.repositories.catalog_records import (
    CardRecord,
    ImageRecord,
    ProductDetailRecord,
    SkuRecord,
    SkuValueRecord,
    SpecRecord,
    fetch,
)


@dataclass(frozen=True)
class NewSku:
    code: str
    price: Decimal
    list_price: Decimal | None
    #: Its opening stock, for the inventory to record (the catalog keeps no quantities).
    stock_on_hand: int
    weight_grams: int
    barcode: str | None
    #: Its variant axis values (colour, size …).
    value_ids: tuple[int, ...]


@dataclass(frozen=True)
class NewProduct:
    slug: str
    name_zh: str
    name_en: str
    description_html: str
    category_id: int
    brand_id: int | None
    is_published: bool
    sort_order: int
    reserves_stock: bool
    #: Values of the product itself (版型, material …); its SKUs' values are added to them.
    value_ids: tuple[int, ...]
    skus: tuple[NewSku, ...]
    #: When a hidden product goes live by itself; None when it does not.
    publish_at: datetime | None = None


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- the product page --------------------------------------------------------------------

    def detail(self, slug: str) -> ProductDetailRecord | None:
        """A published product in a published category, with its brand and category."""
        found = fetch(self.session, product_queries.PRODUCT_DETAIL, {"slug": slug},
                      ProductDetailRecord)
        return found[0] if found else None

    def skus(self, product_id: int) -> list[SkuRecord]:
        return fetch(self.session, product_queries.SKUS, {"product_id": product_id}, SkuRecord)

    def sku_values(self, product_id: int) -> list[SkuValueRecord]:
        """The variant axis values of every SKU of the product."""
        return fetch(self.session, product_queries.SKU_VALUES, {"product_id": product_id},
                     SkuValueRecord)

    def specs(self, product_id: int) -> list[SpecRecord]:
        """The product's attributes that are not variant axes (版型, material, …)."""
        return fetch(self.session, product_queries.SPECS, {"product_id": product_id},
                     SpecRecord)

    def images(self, product_id: int) -> list[ImageRecord]:
        return fetch(self.session, product_queries.IMAGES, {"product_id": product_id},
                     ImageRecord)

    def related_cards(self, product_id: int, category_id: int, limit: int) -> list[CardRecord]:
        """Best sellers of the product's category, the product itself left out."""
        return fetch(self.session, product_queries.RELATED,
                     {"product_id": product_id, "category_id": category_id, "limit": limit},
                     CardRecord)

    def card(self, product_id: int) -> CardRecord:
        """Any product's card, published or not."""
        return fetch(self.session, product_queries.CARD, {"product_id": product_id},
                     CardRecord)[0]

    # -- writing -------------------------------------------------------------------------------

    def has_any(self) -> bool:
        return bool(self.session.scalar(select(exists().where(Product.id.is_not(None)))))

    def slug_taken(self, slug: str, other_than: int | None = None) -> bool:
        """Whether a product (other than ``other_than``) has the slug."""
        statement = select(Product.id).where(Product.slug == slug)
        if other_than is not None:
            statement = statement.where(Product.id != other_than)
        return self.session.scalar(statement) is not None

    def sku_ids_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        rows = self.session.execute(select(Sku.code, Sku.id).where(Sku.code.in_(codes)))
        return {code: sku_id for code, sku_id in rows}

    def taken_sku_codes(self, codes: Sequence[str], other_than: int | None = None) -> set[str]:
        """Which of ``codes`` a SKU has (of a product other than ``other_than``)."""
        statement = select(Sku.code).where(Sku.code.in_(codes))
        if other_than is not None:
            statement = statement.where(Sku.product_id != other_than)
        return set(self.session.scalars(statement))

    def taken_barcodes(self, barcodes: Sequence[str], other_than: int | None = None) -> set[str]:
        statement = select(Sku.barcode).where(Sku.barcode.in_(barcodes))
        if other_than is not None:
            statement = statement.where(Sku.product_id != other_than)
        return {b for b in self.session.scalars(statement) if b is not None}

    def add(self, new: NewProduct) -> int | None:
        """Write the product with its SKUs and values, all or nothing; its id, or None (and
        nothing written) when a unique key was taken meanwhile or a reference went away."""
        try:
            # A savepoint, so that a failed write leaves nothing behind and the transaction
            # usable.
            with self.session.begin_nested():
                product = Product(
                    slug=new.slug, name_zh=new.name_zh, name_en=new.name_en,
                    description_html=new.description_html, category_id=new.category_id,
                    brand_id=new.brand_id, is_published=new.is_published,
                    sort_order=new.sort_order, reserves_stock=new.reserves_stock,
                    publish_at=new.publish_at)
                self.session.add(product)
                # Flushed for the id the SKUs refer to.
                self.session.flush()
                skus = [Sku(product_id=product.id, code=s.code, price=s.price,
                            list_price=s.list_price, weight_grams=s.weight_grams,
                            barcode=s.barcode, position=position)
                        for position, s in enumerate(new.skus)]
                self.session.add_all(skus)
                # Flushed for the ids their values refer to.
                self.session.flush()
                self.session.add_all(
                    SkuAttributeValue(sku_id=sku.id, attribute_value_id=value_id)
                    for sku, s in zip(skus, new.skus, strict=True) for value_id in s.value_ids)
                every_value = {*new.value_ids, *(v for s in new.skus for v in s.value_ids)}
                self.session.add_all(
                    ProductAttributeValue(product_id=product.id, attribute_value_id=value_id)
                    for value_id in sorted(every_value))
        except IntegrityError:
            return None
        return product.id
