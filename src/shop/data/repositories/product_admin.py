"""Products as the back office edits them: the list, one product with its SKUs, values and
images, and the writes the editor, the image gallery, the variant generator and the publishing
job make.

Every write of several rows goes through a savepoint, so a unique key taken meanwhile leaves
nothing behind and the transaction usable (``None`` or ``False`` says so to the caller).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    Integer,
    Table,
    bindparam,
    cast,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Product,
    ProductAttributeValue,
    ProductImage,
    Sku,
    SkuAttributeValue,
)
from shop.data.repositories.batches import affected
from shop.data.repositories.catalog_records import fetch, record_columns
from shop.data.repositories.products import NewSku


@dataclass(frozen=True, slots=True)
class ProductListRecord:
    id: int
    slug: str
    name_zh: str
    name_en: str
    category_name_zh: str
    category_name_en: str
    is_published: bool
    publish_at: datetime | None
    price: Decimal
    cover_image_url: str | None
    skus: int


@dataclass(frozen=True, slots=True)
class ProductEditRecord:
    id: int
    slug: str
    name_zh: str
    name_en: str
    description_html: str
    category_id: int
    category_slug: str
    brand_slug: str | None
    is_published: bool
    publish_at: datetime | None
    sort_order: int
    reserves_stock: bool
    cover_image_url: str | None


@dataclass(frozen=True, slots=True)
class SkuEditRecord:
    id: int
    code: str
    price: Decimal
    list_price: Decimal | None
    weight_grams: int
    barcode: str | None
    position: int


@dataclass(frozen=True, slots=True)
class ValueChoiceRecord:
    """An attribute value as a form offers it."""

    attribute_id: int
    attribute_code: str
    attribute_name_zh: str
    attribute_name_en: str
    is_variant_axis: bool
    value_id: int
    value_code: str
    value_name_zh: str
    value_name_en: str


@dataclass(frozen=True, slots=True)
class ImageEditRecord:
    id: int
    url: str
    alt_zh: str
    alt_en: str
    position: int


@dataclass(frozen=True)
class ProductChange:
    """What an edit writes: the product's own columns, its SKUs (changed ones by id, new
    ones after them) and every value it carries."""

    columns: Mapping[str, Any]
    #: Product-level values (版型, material …).
    value_ids: tuple[int, ...]
    #: SKU id → its columns and its variant values.
    changed: Mapping[int, tuple[Mapping[str, Any], tuple[int, ...]]]
    added: tuple[NewSku, ...]


_SKU_COUNT = (select(func.count()).where(Sku.product_id == Product.id).correlate(Product)
              .scalar_subquery())
_LIST = (
    select(*record_columns(ProductListRecord, {
        "id": Product.id, "slug": Product.slug, "name_zh": Product.name_zh,
        "name_en": Product.name_en, "category_name_zh": Category.name_zh,
        "category_name_en": Category.name_en, "is_published": Product.is_published,
        "publish_at": Product.publish_at, "price": Product.price,
        "cover_image_url": Product.cover_image_url, "skus": _SKU_COUNT,
    }))
    .join(Category, Category.id == Product.category_id)
    .order_by(Product.id.desc())
)
_EDIT = (
    select(*record_columns(ProductEditRecord, {
        "id": Product.id, "slug": Product.slug, "name_zh": Product.name_zh,
        "name_en": Product.name_en, "description_html": Product.description_html,
        "category_id": Product.category_id, "category_slug": Category.slug,
        "brand_slug": Brand.slug, "is_published": Product.is_published,
        "publish_at": Product.publish_at, "sort_order": Product.sort_order,
        "reserves_stock": Product.reserves_stock, "cover_image_url": Product.cover_image_url,
    }))
    .join(Category, Category.id == Product.category_id)
    .outerjoin(Brand, Brand.id == Product.brand_id)
    .where(Product.id == bindparam("product_id"))
)
_SKUS = (
    select(*record_columns(SkuEditRecord, {
        "id": Sku.id, "code": Sku.code, "price": Sku.price, "list_price": Sku.list_price,
        "weight_grams": Sku.weight_grams, "barcode": Sku.barcode, "position": Sku.position,
    }))
    .where(Sku.product_id == bindparam("product_id")).order_by(Sku.position, Sku.id)
)
_CHOICES = (
    select(*record_columns(ValueChoiceRecord, {
        "attribute_id": Attribute.id, "attribute_code": Attribute.code,
        "attribute_name_zh": Attribute.name_zh, "attribute_name_en": Attribute.name_en,
        "is_variant_axis": Attribute.is_variant_axis, "value_id": AttributeValue.id,
        "value_code": AttributeValue.code, "value_name_zh": AttributeValue.name_zh,
        "value_name_en": AttributeValue.name_en,
    }))
    .join(AttributeValue, AttributeValue.attribute_id == Attribute.id)
    .order_by(Attribute.position, Attribute.id, AttributeValue.position, AttributeValue.id)
)
#: Every value the product carries: its SKUs' with their SKU's id, its own with none.
_CARRIED = (
    select(SkuAttributeValue.sku_id, SkuAttributeValue.attribute_value_id)
    .join(Sku, Sku.id == SkuAttributeValue.sku_id)
    .where(Sku.product_id == bindparam("product_id"))
    .union_all(select(cast(null(), Integer), ProductAttributeValue.attribute_value_id)
               .where(ProductAttributeValue.product_id == bindparam("product_id")))
)
_IMAGES = (
    select(*record_columns(ImageEditRecord, {
        "id": ProductImage.id, "url": ProductImage.url, "alt_zh": ProductImage.alt_zh,
        "alt_en": ProductImage.alt_en, "position": ProductImage.position,
    }))
    .where(ProductImage.product_id == bindparam("product_id"))
    .order_by(ProductImage.position, ProductImage.id)
)


class ProductAdminRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading ------------------------------------------------------------------------------

    def page(self, limit: int, offset: int) -> tuple[list[ProductListRecord], int]:
        """Newest first; the page's rows and how many products there are."""
        rows = fetch(self.session, _LIST.limit(limit).offset(offset), {}, ProductListRecord)
        total = self.session.scalar(select(func.count()).select_from(Product)) or 0
        return rows, total

    def get(self, product_id: int) -> ProductEditRecord | None:
        found = fetch(self.session, _EDIT, {"product_id": product_id}, ProductEditRecord)
        return found[0] if found else None

    def skus(self, product_id: int) -> list[SkuEditRecord]:
        return fetch(self.session, _SKUS, {"product_id": product_id}, SkuEditRecord)

    def carried_values(self, product_id: int) -> list[tuple[int | None, int]]:
        """(SKU id, or None for the product's own; attribute value id)."""
        return [(sku_id, value_id) for sku_id, value_id in self.session.connection().execute(
            _CARRIED, {"product_id": product_id})]

    def value_choices(self) -> list[ValueChoiceRecord]:
        """Every attribute value, in the order attributes and values are shown."""
        return fetch(self.session, _CHOICES, {}, ValueChoiceRecord)

    def images(self, product_id: int) -> list[ImageEditRecord]:
        return fetch(self.session, _IMAGES, {"product_id": product_id}, ImageEditRecord)

    def codes_and_barcodes_taken(self, codes: Sequence[str], barcodes: Sequence[str],
                                 product_id: int | None = None) -> tuple[set[str], set[str]]:
        """Which of ``codes`` and ``barcodes`` a SKU has (of another product than
        ``product_id`` when given): one statement."""
        if not codes and not barcodes:
            return set(), set()
        statement = select(Sku.code, Sku.barcode).where(
            or_(Sku.code.in_(codes), Sku.barcode.in_(barcodes)))
        if product_id is not None:
            statement = statement.where(Sku.product_id != product_id)
        rows = self.session.execute(statement).all()
        code_set, barcode_set = set(codes), set(barcodes)
        return ({c for c, _b in rows if c in code_set},
                {b for _c, b in rows if b is not None and b in barcode_set})

    def slug_taken(self, slug: str, product_id: int) -> bool:
        return self.session.scalar(select(Product.id).where(
            Product.slug == slug, Product.id != product_id)) is not None

    def due_for_publishing(self, now: datetime, limit: int) -> list[int]:
        return list(self.session.scalars(
            select(Product.id).where(Product.publish_at <= now, Product.is_published.is_(False))
            .order_by(Product.publish_at, Product.id).limit(limit)))

    # -- writing ------------------------------------------------------------------------------

    def update(self, product_id: int, change: ProductChange) -> list[int] | None:
        """Write an edit whole; the new SKUs' ids in order, or None (nothing written) when a
        unique key was taken meanwhile."""
        try:
            with self.session.begin_nested():
                return self._update(product_id, change)
        except IntegrityError:
            return None

    def _update(self, product_id: int, change: ProductChange) -> list[int]:
        execute = self.session.execute
        execute(update(Product).where(Product.id == product_id).values(**change.columns)
                .execution_options(synchronize_session=False))
        for sku_id, (columns, _values) in change.changed.items():
            execute(update(Sku).where(Sku.id == sku_id, Sku.product_id == product_id)
                    .values(**columns).execution_options(synchronize_session=False))
        new_ids = self._add_skus(product_id, change.added)
        sku_values = {sku_id: values for sku_id, (_c, values) in change.changed.items()}
        sku_values.update(zip(new_ids, (s.value_ids for s in change.added), strict=True))
        if change.changed:
            execute(delete(SkuAttributeValue)
                    .where(SkuAttributeValue.sku_id.in_(list(change.changed)))
                    .execution_options(synchronize_session=False))
        rows = [{"sku_id": sku_id, "attribute_value_id": value_id}
                for sku_id, values in sku_values.items() for value_id in values]
        if rows:
            execute(insert(SkuAttributeValue), rows)
        self._carry(product_id, change.value_ids)
        return new_ids

    def add_skus(self, product_id: int, skus: Sequence[NewSku]) -> list[int] | None:
        """New SKUs after the product's others, with their values; their ids, or None
        (nothing written) when a code or barcode was taken meanwhile."""
        try:
            with self.session.begin_nested():
                ids = self._add_skus(product_id, skus)
                rows = [{"sku_id": sku_id, "attribute_value_id": value_id}
                        for sku_id, sku in zip(ids, skus, strict=True)
                        for value_id in sku.value_ids]
                if rows:
                    self.session.execute(insert(SkuAttributeValue), rows)
                self._carry(product_id, None)
                return ids
        except IntegrityError:
            return None

    def _add_skus(self, product_id: int, skus: Sequence[NewSku]) -> list[int]:
        if not skus:
            return []
        start = (self.session.scalar(select(func.max(Sku.position))
                                     .where(Sku.product_id == product_id)) or 0) + 1
        made = [Sku(product_id=product_id, code=s.code, price=s.price, list_price=s.list_price,
                    weight_grams=s.weight_grams, barcode=s.barcode, position=start + i)
                for i, s in enumerate(skus)]
        self.session.add_all(made)
        # Flushed for the ids their values refer to; a taken code or barcode surfaces here.
        self.session.flush()
        return [sku.id for sku in made]

    def _carry(self, product_id: int, own: Sequence[int] | None) -> None:
        """Rewrite what the product carries: its own values (``own``; None keeps them) and
        every value of its SKUs."""
        current = self.carried_values(product_id)
        if own is None:
            own = [v for sku_id, v in current if sku_id is None]
        every = {*own, *(v for sku_id, v in current if sku_id is not None)}
        self.session.execute(delete(ProductAttributeValue)
                             .where(ProductAttributeValue.product_id == product_id)
                             .execution_options(synchronize_session=False))
        if every:
            self.session.execute(insert(ProductAttributeValue), [
                {"product_id": product_id, "attribute_value_id": v} for v in sorted(every)])

    def set_published(self, product_id: int, published: bool,
                      publish_at: datetime | None) -> None:
        self.session.execute(update(Product).where(Product.id == product_id)
                             .values(is_published=published, publish_at=publish_at)
                             .execution_options(synchronize_session=False))

    def publish_if_due(self, product_id: int, now: datetime) -> bool:
        """Publish a product whose moment came, unless someone published, unpublished or
        rescheduled it meanwhile: a conditional update, so two runs publish it once."""
        return affected(self.session.execute(
            update(Product).where(Product.id == product_id, Product.publish_at <= now,
                                  Product.is_published.is_(False))
            .values(is_published=True, publish_at=None)
            .execution_options(synchronize_session=False))) == 1

    # -- images -------------------------------------------------------------------------------

    def add_image(self, product_id: int, url: str, alt_zh: str, alt_en: str) -> int:
        """An image after the product's others; its id."""
        position = (self.session.scalar(select(func.max(ProductImage.position))
                                        .where(ProductImage.product_id == product_id)))
        image = ProductImage(product_id=product_id, url=url, alt_zh=alt_zh, alt_en=alt_en,
                             position=0 if position is None else position + 1)
        self.session.add(image)
        # Flushed for the id the page links to.
        self.session.flush()
        return image.id

    def delete_image(self, image_id: int) -> None:
        self.session.execute(delete(ProductImage).where(ProductImage.id == image_id)
                             .execution_options(synchronize_session=False))

    def set_image_positions(self, positions: Mapping[int, int]) -> None:
        if not positions:
            return
        table = typed(Table, ProductImage.__table__)
        self.session.connection().execute(
            table.update().where(table.c.id == bindparam("key"))
            .values(position=bindparam("place")),
            [{"key": key, "place": place} for key, place in positions.items()])

    def set_cover(self, product_id: int, url: str | None) -> None:
        self.session.execute(update(Product).where(Product.id == product_id)
                             .values(cover_image_url=url)
                             .execution_options(synchronize_session=False))
