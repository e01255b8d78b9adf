"""Products as the back office edits them: the list, one product with its SKUs, values and
images, and the writes the editor, the image gallery, the variant generator, the bulk actions
and the publishing job make.

The list is filtered (``ProductQuery``) and keyset-paged: ``ORDER BY key, id LIMIT n`` with
``(key, id)`` past the anchor's for the next page, where key is the id itself (newest), the
Chinese name or the price; migration 0022's indexes yield rows in those orders, so a page
costs the same on the first page as on the 2,000th.

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
    and_,
    bindparam,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    tuple_,
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
class SkuPriceWrite:
    """A bulk price change's write: the SKU's new price, if it still has the old ones."""

    sku_id: int
    old_price: Decimal
    old_list_price: Decimal | None
    new_price: Decimal


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


@dataclass(frozen=True)
class ProductQuery:
    """What the list is narrowed to; None: not narrowed by that."""

    #: Contained in either name (any case), the start of the slug or of a SKU's code, or a
    #: SKU's whole barcode.
    text: str | None = None
    #: A category's path ("/1/5/"): its products and those of every category under it.
    category_path: str | None = None
    brand_id: int | None = None
    #: "published", "hidden" (not shown, nothing scheduled) or "scheduled".
    state: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None


#: Sort name -> (key column, descending); ties are broken by id the same way.
SORTS: dict[str, tuple[Any, bool]] = {
    "newest": (Product.id, True),
    "name": (Product.name_zh, False),
    "price_asc": (Product.price, False),
    "price_desc": (Product.price, True),
}
#: A search by SKU code prefix looks at this many SKUs at most.
CODE_MATCHES = 1000


@dataclass(frozen=True, slots=True)
class ProductKeyRecord:
    """Where a product sits in each sort order: a keyset page's anchor."""

    id: int
    name_zh: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class BulkProductRecord:
    """A product as a bulk action's preview shows it."""

    id: int
    slug: str
    name_zh: str
    name_en: str
    category_id: int
    category_slug: str
    category_name_zh: str
    category_name_en: str
    is_published: bool
    publish_at: datetime | None


@dataclass(frozen=True, slots=True)
class SkuPriceRecord:
    id: int
    product_id: int
    code: str
    price: Decimal
    list_price: Decimal | None


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """A SKU with its product, as an export writes it."""

    product_id: int
    slug: str
    name_zh: str
    name_en: str
    category_slug: str
    brand_slug: str | None
    is_published: bool
    publish_at: datetime | None
    sku_id: int
    code: str
    barcode: str | None
    price: Decimal
    list_price: Decimal | None
    weight_grams: int


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
)
_EXPORT = (
    select(*record_columns(ExportRecord, {
        "product_id": Product.id, "slug": Product.slug, "name_zh": Product.name_zh,
        "name_en": Product.name_en, "category_slug": Category.slug, "brand_slug": Brand.slug,
        "is_published": Product.is_published, "publish_at": Product.publish_at,
        "sku_id": Sku.id, "code": Sku.code, "barcode": Sku.barcode, "price": Sku.price,
        "list_price": Sku.list_price, "weight_grams": Sku.weight_grams,
    }))
    .join(Product, Product.id == Sku.product_id)
    .join(Category, Category.id == Product.category_id)
    .outerjoin(Brand, Brand.id == Product.brand_id)
    .order_by(Sku.position, Sku.id)
)
_BULK = (
    select(*record_columns(BulkProductRecord, {
        "id": Product.id, "slug": Product.slug, "name_zh": Product.name_zh,
        "name_en": Product.name_en, "category_id": Product.category_id,
        "category_slug": Category.slug, "category_name_zh": Category.name_zh,
        "category_name_en": Category.name_en, "is_published": Product.is_published,
        "publish_at": Product.publish_at,
    }))
    .join(Category, Category.id == Product.category_id)
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

    def search(self, query: ProductQuery, sort: str, anchor: ProductKeyRecord | None,
               limit: int) -> list[ProductListRecord]:
        """Up to ``limit`` products matching ``query`` in ``sort`` order, after ``anchor``."""
        statement = self._keyset(_LIST.where(*self._conditions(query)), sort, anchor)
        return fetch(self.session, statement.limit(limit), {}, ProductListRecord)

    def count_upto(self, query: ProductQuery, cap: int) -> int:
        """How many products match ``query``, counting no further than ``cap``: a bounded
        statement however large the catalog (the list shows "1000+")."""
        matching = (select(Product.id).where(*self._conditions(query)).limit(cap)
                    .subquery())
        return self.session.scalar(select(func.count()).select_from(matching)) or 0

    def ids_matching(self, query: ProductQuery, sort: str, limit: int) -> list[int]:
        """The ids of the first ``limit`` matching products in ``sort`` order."""
        statement = self._keyset(select(Product.id).where(*self._conditions(query)), sort,
                                 None)
        return list(self.session.scalars(statement.limit(limit)))

    def sort_keys(self, product_id: int) -> ProductKeyRecord | None:
        row = self.session.execute(select(Product.id, Product.name_zh, Product.price)
                                   .where(Product.id == product_id)).first()
        return ProductKeyRecord(*row) if row is not None else None

    def export_batch(self, query: ProductQuery, sort: str, anchor: ProductKeyRecord | None,
                     limit: int) -> tuple[list[ProductKeyRecord], list[ExportRecord]]:
        """Up to ``limit`` matching products after ``anchor`` (their sort keys, the next
        batch's anchor) and all their SKUs with them, in the list's order: two statements."""
        keys = [ProductKeyRecord(*row) for row in self.session.execute(self._keyset(
            select(Product.id, Product.name_zh, Product.price)
            .where(*self._conditions(query)), sort, anchor).limit(limit))]
        if not keys:
            return keys, []
        place = {key.id: n for n, key in enumerate(keys)}
        rows = fetch(self.session, _EXPORT.where(Product.id.in_(list(place))), {},
                     ExportRecord)
        rows.sort(key=lambda r: place[r.product_id])  # SKUs already in their own order
        return keys, rows

    @staticmethod
    def _keyset(statement: Any, sort: str, anchor: ProductKeyRecord | None) -> Any:
        column, descending = SORTS[sort]
        if anchor is not None:
            if column is Product.id:
                statement = statement.where(Product.id < anchor.id if descending
                                            else Product.id > anchor.id)
            else:
                key = anchor.name_zh if column is Product.name_zh else anchor.price
                row = tuple_(column, Product.id)
                statement = statement.where(row < tuple_(literal(key), literal(anchor.id))
                                            if descending else
                                            row > tuple_(literal(key), literal(anchor.id)))
        if column is Product.id:
            return statement.order_by(Product.id.desc() if descending else Product.id.asc())
        return statement.order_by(*((column.desc(), Product.id.desc()) if descending
                                    else (column.asc(), Product.id.asc())))

    def _conditions(self, query: ProductQuery) -> list[Any]:
        conditions: list[Any] = []
        if query.text is not None:
            conditions.append(self._text(query.text))
        if query.category_path is not None:
            conditions.append(Product.category_id.in_(
                select(Category.id).where(self._prefix(Category.path, query.category_path))))
        if query.brand_id is not None:
            conditions.append(Product.brand_id == query.brand_id)
        if query.state == "published":
            conditions.append(Product.is_published.is_(True))
        elif query.state == "hidden":
            conditions.extend((Product.is_published.is_(False), Product.publish_at.is_(None)))
        elif query.state == "scheduled":
            conditions.extend((Product.is_published.is_(False),
                               Product.publish_at.is_not(None)))
        if query.min_price is not None:
            conditions.append(Product.price >= query.min_price)
        if query.max_price is not None:
            conditions.append(Product.price <= query.max_price)
        return conditions

    def _text(self, text: str) -> Any:
        """Either name contains ``text`` (any case), or the slug starts with it, or a SKU's
        code starts with it, or a SKU's barcode is it. The last three are index lookups (the
        SKUs' in one uncorrelated subquery); the names are a scan of the rows the page walks,
        since no btree serves a substring. A query of 8 to 14 digits is a barcode or the start
        of a code, never looked for in the names: the lookup stays an index's."""
        codes = {text, text.upper()}
        by_sku = (select(Sku.product_id)
                  .where(or_(*(self._prefix(Sku.code, c) for c in sorted(codes)),
                             Sku.barcode == text))
                  .limit(CODE_MATCHES))
        if text.isascii() and text.isdigit() and 8 <= len(text) <= 14:
            return Product.id.in_(by_sku)
        pattern = "%" + _escape_like(text) + "%"
        if self.session.connection().dialect.name == "sqlite":
            # SQLite's LIKE ignores ASCII case already; lower() on both sides doubles the
            # scan's cost.
            names = or_(Product.name_zh.like(pattern, escape="\\"),
                        Product.name_en.like(pattern, escape="\\"))
        else:
            names = or_(Product.name_zh.ilike(pattern, escape="\\"),
                        Product.name_en.ilike(pattern, escape="\\"))
        return or_(names, self._prefix(Product.slug, text.lower()), Product.id.in_(by_sku))

    def _prefix(self, column: Any, prefix: str) -> Any:
        """``column`` starts with ``prefix`` (case as given), in a form the index serves: a
        range on SQLite (its LIKE ignores case, so it cannot use a binary index), LIKE on
        PostgreSQL (the ``text_pattern_ops`` indexes of migration 0022)."""
        if not prefix:
            return false()
        if self.session.connection().dialect.name == "postgresql":
            return column.like(_escape_like(prefix) + "%", escape="\\")
        last = ord(prefix[-1]) + 1
        if last > 0x10FFFF:  # no character follows: compare the start itself
            return func.substr(column, 1, len(prefix)) == prefix
        if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be encoded: the next one after them
            last = 0xE000
        return and_(column >= prefix, column < prefix[:-1] + chr(last))

    def bulk_products(self, product_ids: Sequence[int]) -> list[BulkProductRecord]:
        """These products (those that exist), by id."""
        if not product_ids:
            return []
        return fetch(self.session, _BULK.where(Product.id.in_(list(product_ids)))
                     .order_by(Product.id), {}, BulkProductRecord)

    def sku_prices(self, product_ids: Sequence[int]) -> list[SkuPriceRecord]:
        """Every SKU of these products, each product's in its own order."""
        if not product_ids:
            return []
        return fetch(self.session, select(Sku.id, Sku.product_id, Sku.code, Sku.price,
                                          Sku.list_price)
                     .where(Sku.product_id.in_(list(product_ids)))
                     .order_by(Sku.product_id, Sku.position, Sku.id), {}, SkuPriceRecord)

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

    def set_published_many(self, product_ids: Sequence[int], published: bool) -> None:
        """Show or hide these products, any schedule they had done with: one statement."""
        if product_ids:
            self.session.execute(update(Product).where(Product.id.in_(list(product_ids)))
                                 .values(is_published=published, publish_at=None)
                                 .execution_options(synchronize_session=False))

    def move_many(self, product_ids: Sequence[int], category_id: int) -> None:
        if product_ids:
            self.session.execute(update(Product).where(Product.id.in_(list(product_ids)))
                                 .values(category_id=category_id)
                                 .execution_options(synchronize_session=False))

    def set_sku_prices(self, prices: Sequence[SkuPriceWrite]) -> bool:
        """Each SKU's new price, where it still has the price and list price it was read with
        (``WHERE id = :id AND price = :old AND list_price IS NOT DISTINCT FROM :old_list``), in
        one executemany inside a savepoint. True when every SKU matched; False, with the
        savepoint rolled back and nothing written, when any was changed meanwhile (on
        PostgreSQL an UPDATE that meets a row another transaction is changing waits for it and
        then tests the new values)."""
        if not prices:
            return True
        table = typed(Table, Sku.__table__)
        statement = (table.update()
                     .where(table.c.id == bindparam("key"),
                            table.c.price == bindparam("old_price"),
                            table.c.list_price.is_not_distinct_from(
                                bindparam("old_list_price", type_=table.c.list_price.type)))
                     .values(price=bindparam("new_price")))
        savepoint = self.session.begin_nested()
        try:
            matched = affected(self.session.connection().execute(statement, [
                {"key": p.sku_id, "old_price": p.old_price, "old_list_price": p.old_list_price,
                 "new_price": p.new_price} for p in prices]))
        except BaseException:
            savepoint.rollback()
            raise
        if matched == len(prices):
            savepoint.commit()
            return True
        savepoint.rollback()
        return False

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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
