"""Catalog queries: the listing index, facet counts, product detail, and catalog writes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from shop.data.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Listing,
    ListingFacetCount,
    Product,
    ProductAttributeValue,
    ProductImage,
    Sku,
    SkuAttributeValue,
)

#: Sort keys → (listing column, descending?) of a listing's ORDER BY; the trailing product id
#: keeps pages stable. Every sort is the order of one ix_listing_* index.
SORT_COLUMNS: dict[str, tuple[tuple[Any, bool], ...]] = {
    "relevance": ((Listing.sort_order, True), (Listing.sales_count, True),
                  (Listing.product_id, True)),
    "sales": ((Listing.sales_count, True), (Listing.product_id, True)),
    "price_asc": ((Listing.price, False), (Listing.product_id, False)),
    "price_desc": ((Listing.price, True), (Listing.product_id, True)),
    "newest": ((Listing.created_at, True), (Listing.product_id, True)),
}


def _ordered(columns: Iterable[tuple[Any, bool]]) -> tuple[Any, ...]:
    return tuple(column.desc() if descending else column.asc() for column, descending in columns)


#: Sort keys → ORDER BY of a listing.
SORTS: dict[str, tuple[Any, ...]] = {key: _ordered(cols) for key, cols in SORT_COLUMNS.items()}


@dataclass(frozen=True)
class ListingFilter:
    """What narrows a scope: brands, attribute values (OR within, AND across attributes), price.

    Statements take its values as bound parameters (``params``), so one built for a ``shape``
    serves every listing of that shape: building a statement costs more than running it.
    """

    scope_kind: str
    scope_id: int
    brand_ids: tuple[int, ...] = ()
    value_groups: dict[int, tuple[int, ...]] = field(default_factory=dict)
    price_min: Decimal | None = None
    price_max: Decimal | None = None

    @property
    def is_unfiltered(self) -> bool:
        return not (self.brand_ids or self.value_groups or self.price_min is not None
                    or self.price_max is not None)

    @property
    def shape(self) -> FilterShape:
        return FilterShape(bool(self.brand_ids), len(self.value_groups),
                           self.price_min is not None, self.price_max is not None)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"scope_kind": self.scope_kind, "scope_id": self.scope_id,
                                  "brand_ids": list(self.brand_ids),
                                  "price_min": self.price_min, "price_max": self.price_max}
        for index, value_ids in enumerate(self.value_groups.values()):
            params[f"values_{index}"] = list(value_ids)
        return params


@dataclass(frozen=True)
class FilterShape:
    """Which filters a listing has, not their values: what a statement's text depends on."""

    brands: bool = False
    value_groups: int = 0
    price_min: bool = False
    price_max: bool = False

    def filters(self, facet: str | int | None) -> bool:
        """Whether a filter on ``facet`` ("brand", "price", a value group's index) is set."""
        if facet == "brand":
            return self.brands
        if facet == "price":
            return self.price_min or self.price_max
        return facet is not None and 0 <= facet < self.value_groups

    @property
    def sole(self) -> str | int | None:
        """The one facet filtered, if only one is: its own counts are the unfiltered scope's."""
        active = [f for f in ("brand", "price", *range(self.value_groups)) if self.filters(f)]
        return active[0] if len(active) == 1 else None


def _conditions(shape: FilterShape, *, skip: str | int | None = None,
                counting: bool = False) -> list[Any]:
    """WHERE clauses of a listing of ``shape``, values bound by name (``ListingFilter.params``).

    ``skip`` leaves out one facet: "brand", "price", or the index of a value group.

    A value filter is written for the reader. A page (``counting=False``) walks the scope in
    its sort order and stops after one page, so each row probes its product's values by key.
    A count visits every match, so the products having the values drive (the value index) and
    each probes the scope by key: three to six times faster at 100,000 products than probing
    every row of a large scope, even for values common across the catalog.
    """
    where: list[Any] = [Listing.scope_kind == bindparam("scope_kind"),
                        Listing.scope_id == bindparam("scope_id")]
    if shape.brands and skip != "brand":
        where.append(Listing.brand_id.in_(bindparam("brand_ids", expanding=True)))
    if skip != "price":
        if shape.price_min:
            where.append(Listing.price >= bindparam("price_min", type_=Listing.price.type))
        if shape.price_max:
            where.append(Listing.price <= bindparam("price_max", type_=Listing.price.type))
    for index in range(shape.value_groups):
        if index == skip:
            continue
        value_ids = bindparam(f"values_{index}", expanding=True)
        having = select(ProductAttributeValue.product_id)
        if counting:
            where.append(Listing.product_id.in_(
                having.where(ProductAttributeValue.attribute_value_id.in_(value_ids))))
        else:
            where.append(having.where(
                ProductAttributeValue.product_id == Listing.product_id,
                ProductAttributeValue.attribute_value_id.in_(value_ids),
            ).correlate(Listing).exists())
    return where


@lru_cache(maxsize=256)
def _page_statement(sort: str, shape: FilterShape) -> Any:
    """One page of cards by a deferred join, for listings of ``shape`` (bounded: 5 sorts x the
    few shapes the storefront's filters make).

    The page's product ids are picked from ``listing`` alone (an ix_listing_* index walk, so
    the skipped rows of a deep page cost an index step each), and only the page's own rows
    are joined to product and brand, in the same order.
    """
    columns = SORT_COLUMNS[sort]
    names = [column.key for column, _ in columns]
    selected = [Listing.product_id, *(c for c, _ in columns if c is not Listing.product_id)]
    page = (
        select(*selected).where(*_conditions(shape)).order_by(*_ordered(columns))
        .limit(bindparam("limit")).offset(bindparam("offset")).subquery("page")
    )
    return (
        select(*_card_columns())
        .select_from(page)
        .join(Product, Product.id == page.c.product_id)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .order_by(*_ordered((page.c[name], descending)
                            for name, (_, descending) in zip(names, columns, strict=True)))
    )


#: The ready counts of one unfiltered scope (total, brands, values, price bands, sub-categories)
#: packed into one "facet:key:count,…" string: one row to step through instead of ~50. A
#: Python thread gives up the GIL for every row SQLite steps to, and under concurrent requests
#: each of those hand-offs costs more than the row.
_READY_COUNTS = select(func.aggregate_strings(
    ListingFacetCount.facet + ":" + cast(ListingFacetCount.key, String) + ":"
    + cast(ListingFacetCount.count, String), ",",
)).where(ListingFacetCount.scope_kind == bindparam("scope_kind"),
         ListingFacetCount.scope_id == bindparam("scope_id"))


def _card_columns() -> list[Any]:
    """What a product card shows, read in the same query as the listing."""
    return [Product.id, Product.slug, Product.name_zh, Product.name_en, Product.price,
            Product.list_price, Product.in_stock, Product.cover_image_url, Product.sales_count,
            Brand.name_zh.label("brand_name_zh"), Brand.name_en.label("brand_name_en")]


_CATEGORY_COLUMNS = (Category.id, Category.slug, Category.name_zh, Category.name_en,
                     Category.parent_id, Category.path, Category.depth, Category.position,
                     Category.is_published)
_BRAND_COLUMNS = (Brand.id, Brand.slug, Brand.name_zh, Brand.name_en, Brand.position,
                  Brand.is_published)


def _price_band(price_bands: Sequence[tuple[Decimal, Decimal | None]], column: Any) -> Any:
    return case(
        *[
            (and_(column >= lo, column < hi) if hi is not None else column >= lo, index)
            for index, (lo, hi) in enumerate(price_bands)
        ],
        else_=-1,
    )


@lru_cache(maxsize=256)
def _live_counts_statement(shape: FilterShape, own_filter_groups: tuple[int, ...],
                           unfiltered_values: bool, children: bool,
                           price_bands: tuple[tuple[Decimal, Decimal | None], ...]) -> Any:
    """The UNION ALL of ``live_facet_counts`` for listings of ``shape``.

    Attributes with a filter of their own are counted one by one (the value group's index in
    ``own_filter_groups``, its value ids bound as ``counted_<index>``); all the others at once
    over the fully filtered rows (``unfiltered_values``, their value ids bound as
    ``counted_values``).

    The rows passing every filter are read once (a CTE, materialized as it is used more than
    once) and every facet without a filter of its own is counted from them; only a facet that
    has a filter scans the scope again without it. The sole filter's own facet is left out:
    without it the scope is unfiltered, and its ready counts say the same.
    """
    columns = (Listing.product_id, Listing.brand_id, Listing.price)
    filtered = select(*columns).where(*_conditions(shape, counting=True)).cte("filtered")

    def rows_for(facet: str | int | None) -> Any:
        """The rows to count ``facet`` over: every filter but its own."""
        if not shape.filters(facet):
            return filtered
        return select(*columns).where(*_conditions(shape, skip=facet, counting=True)).subquery()

    def values_over(rows: Any, value_ids: Any) -> Any:
        # The rows drive, each product looking up its own few values by key ("IN", not a
        # join, which lets SQLite walk the value index of the whole catalog and probe the
        # rows; "+ 0" keeps it from doing the same with the value list).
        return (
            select(literal("value"), ProductAttributeValue.attribute_value_id, func.count())
            .where(ProductAttributeValue.product_id.in_(select(rows.c.product_id)),
                   (ProductAttributeValue.attribute_value_id + 0).in_(value_ids))
            .group_by(ProductAttributeValue.attribute_value_id)
        )

    parts: list[Any] = [
        select(literal("total").label("facet"), literal(0).label("key"),
               func.count().label("count")).select_from(filtered),
    ]
    if shape.sole != "brand":
        rows = rows_for("brand")
        parts.append(select(literal("brand"), rows.c.brand_id, func.count())
                     .where(rows.c.brand_id.is_not(None)).group_by(rows.c.brand_id))
    if shape.sole != "price":
        rows = rows_for("price")
        band = _price_band(price_bands, rows.c.price)
        parts.append(select(literal("price"), band, func.count()).group_by(band))
    if unfiltered_values:
        parts.append(values_over(filtered, bindparam("counted_values", expanding=True)))
    for group in own_filter_groups:
        parts.append(values_over(rows_for(group), bindparam(f"counted_{group}", expanding=True)))
    if children:
        # Driven by the filtered rows: each filtered product is looked up in each
        # sub-category's listing, rather than each sub-category's products in the filter.
        child = aliased(Listing)
        parts.append(
            select(literal("category"), child.scope_id, func.count())
            .where(child.scope_kind == "c",
                   child.scope_id.in_(bindparam("child_ids", expanding=True)),
                   child.product_id.in_(select(filtered.c.product_id)))
            .group_by(child.scope_id)
        )
    return union_all(*parts)


# -- the product page's statements, built once (building one costs more than running it) -------

_PRODUCT_DETAIL = (
    select(Product.id, Product.slug, Product.name_zh, Product.name_en,
           Product.description_html, Product.category_id,
           Brand.id.label("brand_id"), Brand.slug.label("brand_slug"),
           Brand.name_zh.label("brand_name_zh"), Brand.name_en.label("brand_name_en"),
           Category.slug.label("category_slug"),
           Category.name_zh.label("category_name_zh"),
           Category.name_en.label("category_name_en"),
           Category.path.label("category_path"))
    .join(Category, Category.id == Product.category_id)
    .outerjoin(Brand, Brand.id == Product.brand_id)
    .where(Product.slug == bindparam("slug"), Product.is_published.is_(True),
           Category.is_published.is_(True))
)
_SKUS = (
    select(Sku.id, Sku.code, Sku.price, Sku.list_price, Sku.stock_on_hand, Sku.weight_grams,
           Sku.barcode)
    .where(Sku.product_id == bindparam("product_id")).order_by(Sku.position, Sku.id)
)
_SKU_VALUES = (
    select(
        SkuAttributeValue.sku_id, Attribute.id.label("attribute_id"),
        Attribute.code.label("attribute_code"),
        Attribute.name_zh.label("attribute_name_zh"),
        Attribute.name_en.label("attribute_name_en"),
        AttributeValue.id.label("value_id"), AttributeValue.code.label("value_code"),
        AttributeValue.name_zh.label("value_name_zh"),
        AttributeValue.name_en.label("value_name_en"),
    )
    .join(Sku, Sku.id == SkuAttributeValue.sku_id)
    .join(AttributeValue, AttributeValue.id == SkuAttributeValue.attribute_value_id)
    .join(Attribute, Attribute.id == AttributeValue.attribute_id)
    .where(Sku.product_id == bindparam("product_id"))
    .order_by(Attribute.position, Attribute.id, AttributeValue.position, AttributeValue.id)
)
_SPECS = (
    select(Attribute.name_zh.label("attribute_name_zh"),
           Attribute.name_en.label("attribute_name_en"),
           AttributeValue.name_zh.label("value_name_zh"),
           AttributeValue.name_en.label("value_name_en"))
    .join(AttributeValue, AttributeValue.attribute_id == Attribute.id)
    .join(ProductAttributeValue, ProductAttributeValue.attribute_value_id == AttributeValue.id)
    .where(ProductAttributeValue.product_id == bindparam("product_id"),
           Attribute.is_variant_axis.is_(False))
    .order_by(Attribute.position, AttributeValue.position)
)
_IMAGES = (
    select(ProductImage.url, ProductImage.alt_zh, ProductImage.alt_en)
    .where(ProductImage.product_id == bindparam("product_id"))
    .order_by(ProductImage.position, ProductImage.id)
)
_RELATED = (
    select(*_card_columns())
    .select_from(Listing)
    .join(Product, Product.id == Listing.product_id)
    .outerjoin(Brand, Brand.id == Listing.brand_id)
    .where(Listing.scope_kind == "c", Listing.scope_id == bindparam("category_id"),
           Listing.product_id != bindparam("product_id"))
    .order_by(*SORTS["sales"]).limit(bindparam("limit"))
)


class CatalogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _read(self, statement: Any, params: dict[str, Any]) -> Sequence[Row[Any]]:
        """Rows of a prebuilt Core statement, run on the session's connection: the ORM's
        per-statement bookkeeping is most of a small read's cost."""
        return self.session.connection().execute(statement, params).all()

    # -- reference data -------------------------------------------------------------------

    # Storefront reads return plain column rows: a page shows a few fields, and building,
    # identity-mapping and tracking ORM entities for them costs more than the query.

    def all_categories(self) -> Sequence[Row[Any]]:
        """The whole tree in display order, for the process's reference copy (see
        ``shop.application.reference``): read again only after a category changes."""
        return self.session.execute(
            select(*_CATEGORY_COLUMNS).order_by(Category.position, Category.id)).all()

    def all_brands(self) -> Sequence[Row[Any]]:
        """Every brand in display order, for the process's reference copy."""
        return self.session.execute(
            select(*_BRAND_COLUMNS).order_by(Brand.position, Brand.id)).all()

    def category_by_slug(self, slug: str, *, published: bool = True) -> Category | None:
        where = [Category.slug == slug]
        if published:
            where.append(Category.is_published.is_(True))
        return self.session.scalars(select(Category).where(*where)).first()

    def brand_by_slug(self, slug: str, *, published: bool = True) -> Brand | None:
        where = [Brand.slug == slug]
        if published:
            where.append(Brand.is_published.is_(True))
        return self.session.scalars(select(Brand).where(*where)).first()

    def facet_attributes(self) -> Sequence[Row[Any]]:
        """Every facet attribute with its values, in display order (a short, bounded list)."""
        return self.session.execute(
            select(
                Attribute.id.label("attribute_id"),
                Attribute.code.label("attribute_code"),
                Attribute.name_zh.label("attribute_name_zh"),
                Attribute.name_en.label("attribute_name_en"),
                AttributeValue.id.label("value_id"),
                AttributeValue.code.label("value_code"),
                AttributeValue.name_zh.label("value_name_zh"),
                AttributeValue.name_en.label("value_name_en"),
            )
            .join(AttributeValue, AttributeValue.attribute_id == Attribute.id)
            .where(Attribute.is_facet.is_(True))
            .order_by(Attribute.position, Attribute.id, AttributeValue.position, AttributeValue.id)
        ).all()

    # -- listings --------------------------------------------------------------------------

    def _card_query(self) -> Select[Any]:
        return (
            select(*_card_columns())
            .select_from(Listing)
            .join(Product, Product.id == Listing.product_id)
            .outerjoin(Brand, Brand.id == Listing.brand_id)
        )

    def listing_page(
        self, f: ListingFilter, sort: str, limit: int, offset: int
    ) -> Sequence[Row[Any]]:
        """One page of cards (see ``_page_statement``)."""
        return self._read(_page_statement(sort, f.shape),
                          {**f.params(), "limit": limit, "offset": offset})

    def ready_facet_counts(self, scope_kind: str, scope_id: int) -> Sequence[Row[Any]]:
        """(facet, key, count) of an unfiltered scope, total included, kept by
        ``refresh_facet_counts``."""
        packed = self.session.connection().execute(
            _READY_COUNTS, {"scope_kind": scope_kind, "scope_id": scope_id}).scalar()
        return [(facet, int(key), int(count)) for facet, key, count in
                (item.split(":") for item in packed.split(","))] if packed else []

    def live_facet_counts(
        self,
        f: ListingFilter,
        facet_values: Mapping[int, Sequence[int]],
        child_category_ids: Sequence[int],
        price_bands: Sequence[tuple[Decimal, Decimal | None]],
    ) -> Sequence[Row[Any]]:
        """Disjunctive facet counts of a filtered scope in one statement.

        Each facet is counted under every filter but its own, so choosing one brand still shows
        how many products the other brands would add. The facet of a sole filter is not
        counted (see ``FilterShape.sole``): the caller has its ready counts. ``facet_values``
        maps each attribute to count to the value ids worth counting (those the unfiltered
        scope has at all), and
        ``child_category_ids`` likewise names only the sub-categories the scope has products in:
        any other count is zero, and counting it would cost in proportion to the catalog.
        """
        group_of = {attribute_id: index for index, attribute_id in enumerate(f.value_groups)}
        sole = f.shape.sole
        own_filter = tuple(group_of[a] for a, ids in facet_values.items()
                           if ids and a in group_of and group_of[a] != sole)
        unfiltered = [i for a, ids in facet_values.items() if a not in group_of for i in ids]
        statement = _live_counts_statement(
            f.shape, own_filter, bool(unfiltered), bool(child_category_ids), tuple(price_bands))
        params = {**f.params(), "child_ids": list(child_category_ids),
                  "counted_values": unfiltered}
        for attribute_id, value_ids in facet_values.items():
            if attribute_id in group_of:
                params[f"counted_{group_of[attribute_id]}"] = list(value_ids)
        return self._read(statement, params)

    # -- product detail -----------------------------------------------------------------------

    def product_by_slug(self, slug: str, *, published: bool = True) -> Row[Any] | None:
        """(product, brand, category) in one query."""
        where = [Product.slug == slug]
        if published:
            where += [Product.is_published.is_(True), Category.is_published.is_(True)]
        return self.session.execute(
            select(Product, Brand, Category)
            .join(Category, Category.id == Product.category_id)
            .outerjoin(Brand, Brand.id == Product.brand_id)
            .where(*where)
        ).first()

    def card_of(self, product_id: int) -> Row[Any]:
        return self.session.execute(
            select(*_card_columns())
            .outerjoin(Brand, Brand.id == Product.brand_id).where(Product.id == product_id)
        ).one()

    def skus_by_codes(self, codes: Sequence[str]) -> Sequence[str]:
        return self.session.scalars(select(Sku.code).where(Sku.code.in_(codes))).all()

    def value_ids_by_codes(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
        if not pairs:
            return {}
        rows = self.session.execute(
            select(Attribute.code, AttributeValue.code, AttributeValue.id)
            .join(AttributeValue, AttributeValue.attribute_id == Attribute.id)
            .where(Attribute.code.in_({a for a, _ in pairs}))
        ).all()
        return {(a, v): i for a, v, i in rows}

    def scopes_of(self, product_ids: Sequence[int]) -> list[tuple[str, int]]:
        """The listing scopes these products are listed in now."""
        rows = self.session.execute(
            select(Listing.scope_kind, Listing.scope_id)
            .where(Listing.product_id.in_(product_ids)).distinct()
        ).all()
        return [(kind, sid) for kind, sid in rows]

    def product_detail(self, slug: str) -> Row[Any] | None:
        """A published product's page header: product, brand and category fields in one row."""
        rows = self._read(_PRODUCT_DETAIL, {"slug": slug})
        return rows[0] if rows else None

    def skus_of(self, product_id: int) -> Sequence[Row[Any]]:
        return self._read(_SKUS, {"product_id": product_id})

    def sku_values_of(self, product_id: int) -> Sequence[Row[Any]]:
        """(sku id, attribute, value) for every variant axis value of the product's SKUs."""
        return self._read(_SKU_VALUES, {"product_id": product_id})

    def product_specs(self, product_id: int) -> Sequence[Row[Any]]:
        """The product's attributes that are not variant axes (版型, material, …)."""
        return self._read(_SPECS, {"product_id": product_id})

    def images_of(self, product_id: int) -> Sequence[Row[Any]]:
        return self._read(_IMAGES, {"product_id": product_id})

    def related_cards(self, product_id: int, category_id: int, limit: int) -> Sequence[Row[Any]]:
        """Best sellers of the product's category, the product itself left out."""
        return self._read(_RELATED, {"product_id": product_id, "category_id": category_id,
                                     "limit": limit})

    @staticmethod
    def _search_conditions(words: Sequence[str]) -> list[Any]:
        where: list[Any] = [Listing.scope_kind == "a", Listing.scope_id == 0]
        for word in words:
            pattern = f"%{word}%"
            where.append(or_(Product.name_zh.ilike(pattern), Product.name_en.ilike(pattern)))
        return where

    def search_cards(self, words: Sequence[str], limit: int, offset: int) -> Sequence[Row[Any]]:
        """Products whose name holds every word, best sellers first (a plain scan, bounded)."""
        return self.session.execute(
            self._card_query().where(*self._search_conditions(words))
            .order_by(*SORTS["sales"]).limit(limit).offset(offset)
        ).all()

    def search_total(self, words: Sequence[str]) -> int:
        return self.session.scalar(
            select(func.count()).select_from(Listing)
            .join(Product, Product.id == Listing.product_id)
            .where(*self._search_conditions(words))
        ) or 0

    # -- writes ------------------------------------------------------------------------------

    def add(self, entity: Any) -> None:
        self.session.add(entity)
        # Flushed now so the caller gets its id and a taken key surfaces here, not at commit.
        self.session.flush()

    def max_ids(self) -> dict[str, int]:
        """Highest id per bulk-loaded table, so a bulk load can number its rows itself."""
        tables = {"category": Category, "brand": Brand, "attribute": Attribute,
                  "attribute_value": AttributeValue, "product": Product, "sku": Sku,
                  "product_image": ProductImage}
        return {name: self.session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0
                for name, model in tables.items()}

    def bulk_insert(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(model), rows)

    def attribute_by_code(self, code: str) -> Attribute | None:
        return self.session.scalars(select(Attribute).where(Attribute.code == code)).first()

    def count_attributes(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Attribute)) or 0

    def count_products(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Product)) or 0

    def refresh_product_summary(self, product_ids: Sequence[int] | None = None) -> None:
        """Copy the cheapest SKU's price and list price, and whether any SKU has stock, onto it."""
        cheapest = aliased(Sku)
        min_price = (select(func.min(Sku.price)).where(Sku.product_id == Product.id)
                     .scalar_subquery())
        list_price = (select(func.max(cheapest.list_price))
                      .where(cheapest.product_id == Product.id, cheapest.price == min_price)
                      .scalar_subquery())
        in_stock = select(Sku.id).where(Sku.product_id == Product.id, Sku.stock_on_hand > 0)
        statement = Product.__table__.update().values(
            price=func.coalesce(min_price, 0), list_price=list_price, in_stock=in_stock.exists()
        )
        if product_ids is not None:
            statement = statement.where(Product.id.in_(product_ids))
        self.session.execute(statement)

    def rebuild_listing(self, product_ids: Sequence[int] | None = None) -> None:
        """Re-derive the listing rows of ``product_ids`` (all products when None)."""
        if product_ids is None:
            self.session.execute(delete(Listing))
        else:
            self.session.execute(delete(Listing).where(Listing.product_id.in_(product_ids)))
        ancestor = aliased(Category)
        published = [Product.is_published.is_(True)]
        if product_ids is not None:
            published.append(Product.id.in_(product_ids))
        columns = [Product.id, Product.brand_id, Product.price, Product.sales_count,
                   Product.sort_order, Product.created_at]
        names = ["product_id", "brand_id", "price", "sales_count", "sort_order", "created_at"]
        target = ["scope_kind", "scope_id", *names]
        # The category and each ancestor: an ancestor's path is a prefix of the category's path.
        by_category = (
            select(literal("c"), ancestor.id, *columns)
            .join(Category, Category.id == Product.category_id)
            .join(ancestor, Category.path.startswith(ancestor.path))
            .where(*published, Category.is_published.is_(True))
        )
        by_brand = select(literal("b"), Product.brand_id, *columns).where(
            *published, Product.brand_id.is_not(None))
        everywhere = select(literal("a"), literal(0), *columns).where(*published)
        for source in (by_category, by_brand, everywhere):
            self.session.execute(insert(Listing).from_select(target, source))

    def refresh_facet_counts(
        self, price_bands: Sequence[tuple[Decimal, Decimal | None]],
        scopes: Sequence[tuple[str, int]] | None = None,
    ) -> None:
        """Recount the ready facet counts of ``scopes`` (all scopes when None)."""
        if scopes is not None and not scopes:
            return
        def scoped(*where: Any) -> list[Any]:
            if scopes is None:
                return list(where)
            return [*where, or_(*[and_(Listing.scope_kind == kind, Listing.scope_id == sid)
                                  for kind, sid in scopes])]

        if scopes is None:
            self.session.execute(delete(ListingFacetCount))
        else:
            for kind, sid in scopes:
                self.session.execute(delete(ListingFacetCount).where(
                    ListingFacetCount.scope_kind == kind, ListingFacetCount.scope_id == sid))
        target = ["scope_kind", "scope_id", "facet", "key", "count"]
        scope_cols = (Listing.scope_kind, Listing.scope_id)
        band = _price_band(price_bands, Listing.price)
        child_listing = aliased(Listing)
        child_category = aliased(Category)
        parent = aliased(Category)
        sources = [
            select(*scope_cols, literal("total"), literal(0), func.count())
            .where(*scoped()).group_by(*scope_cols),
            select(*scope_cols, literal("brand"), Listing.brand_id, func.count())
            .where(*scoped(Listing.brand_id.is_not(None)))
            .group_by(*scope_cols, Listing.brand_id),
            select(*scope_cols, literal("value"), ProductAttributeValue.attribute_value_id,
                   func.count())
            .select_from(Listing)
            .join(ProductAttributeValue, ProductAttributeValue.product_id == Listing.product_id)
            .where(*scoped()).group_by(*scope_cols, ProductAttributeValue.attribute_value_id),
            select(*scope_cols, literal("price"), band, func.count())
            .where(*scoped()).group_by(*scope_cols, band),
            # Sub-categories of a category scope; top categories of a brand or the whole shop.
            select(*scope_cols, literal("category"), child_category.id, func.count())
            .select_from(Listing)
            .join(child_listing, and_(child_listing.product_id == Listing.product_id,
                                      child_listing.scope_kind == "c"))
            .join(child_category, child_category.id == child_listing.scope_id)
            .outerjoin(parent, and_(Listing.scope_kind == "c", parent.id == Listing.scope_id))
            .where(*scoped(or_(
                and_(Listing.scope_kind == "c", child_category.parent_id == parent.id),
                and_(Listing.scope_kind != "c", child_category.parent_id.is_(None)),
            )))
            .group_by(*scope_cols, child_category.id),
        ]
        for source in sources:
            self.session.execute(insert(ListingFacetCount).from_select(target, source))
