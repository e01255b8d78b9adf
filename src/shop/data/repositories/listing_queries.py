"""How a listing is read: its filter and sorts, and the statements for a page of it and for its
facet counts.

Statements are built once per filter shape with bound parameters (``ListingFilter.params``):
building a SQLAlchemy statement costs more than running it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from shop.data.models import (
    Brand,
    Category,
    Listing,
    ListingFacetCount,
    Product,
    ProductAttributeValue,
)
from shop.data.repositories.catalog_records import CardRecord, record_columns

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


def ordered(columns: Iterable[tuple[Any, bool]]) -> tuple[Any, ...]:
    return tuple(column.desc() if descending else column.asc() for column, descending in columns)


#: Sort keys → ORDER BY of a listing.
SORTS: dict[str, tuple[Any, ...]] = {key: ordered(cols) for key, cols in SORT_COLUMNS.items()}


def hidden_categories() -> Select[Any]:
    """The ids of the categories staff hid, with every category under one: a product there is
    listed nowhere and has no page (its brand's and the whole shop's listings included)."""
    hider = aliased(Category)
    return (select(Category.id)
            .join(hider, Category.path.startswith(hider.path))
            .where(hider.is_published.is_(False)))


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
        return isinstance(facet, int) and 0 <= facet < self.value_groups

    @property
    def sole(self) -> str | int | None:
        """The one facet filtered, if only one is: its own counts are the unfiltered scope's."""
        active = [f for f in ("brand", "price", *range(self.value_groups)) if self.filters(f)]
        return active[0] if len(active) == 1 else None


def filter_conditions(shape: FilterShape, *, skip: str | int | None = None,
                      counting: bool = False) -> list[Any]:
    """WHERE clauses of a listing of ``shape``, values bound by name (``ListingFilter.params``).

    ``skip`` leaves out one facet: "brand", "price", or the index of a value group.

    How a value filter is written depends on its reader. A page (``counting=False``) walks the
    scope in its sort order and stops after one page, so each row probes its product's values
    by key. A count visits every match, so the products having the values drive (the value
    index) and each probes the scope by key: three to six times faster at 100,000 products than
    probing every row of a large scope, even for values common across the catalog.
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
        value_ids: Any = bindparam(f"values_{index}", expanding=True)
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
def page_statement(sort: str, shape: FilterShape) -> Any:
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
        select(*selected).where(*filter_conditions(shape)).order_by(*ordered(columns))
        .limit(bindparam("limit")).offset(bindparam("offset")).subquery("page")
    )
    return (
        select(*card_columns())
        .select_from(page)
        .join(Product, Product.id == page.c.product_id)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .order_by(*ordered((page.c[name], descending)
                            for name, (_, descending) in zip(names, columns, strict=True)))
    )


#: The ready counts of one unfiltered scope (total, brands, values, price bands, sub-categories)
#: packed into one "facet:key:count,…" string: one row to step through instead of ~50. A
#: Python thread gives up the GIL for every row SQLite steps to, and under concurrent requests
#: each of those hand-offs costs more than the row.
READY_COUNTS = select(func.aggregate_strings(
    ListingFacetCount.facet + ":" + cast(ListingFacetCount.key, String) + ":"
    + cast(ListingFacetCount.count, String), ",",
)).where(ListingFacetCount.scope_kind == bindparam("scope_kind"),
         ListingFacetCount.scope_id == bindparam("scope_id"))


def card_columns() -> list[Any]:
    """What a product card shows (``CardRecord``), read in the same query as the listing."""
    return record_columns(CardRecord, {
        "id": Product.id, "slug": Product.slug, "name_zh": Product.name_zh,
        "name_en": Product.name_en, "price": Product.price, "list_price": Product.list_price,
        "in_stock": Product.in_stock, "cover_image_url": Product.cover_image_url,
        "brand_name_zh": Brand.name_zh, "brand_name_en": Brand.name_en,
        "category_id": Product.category_id, "brand_id": Product.brand_id,
    })


def price_band(price_bands: Sequence[tuple[Decimal, Decimal | None]], column: Any) -> Any:
    return case(
        *[
            (and_(column >= lo, column < hi) if hi is not None else column >= lo, index)
            for index, (lo, hi) in enumerate(price_bands)
        ],
        else_=-1,
    )


@lru_cache(maxsize=256)
def live_counts_statement(shape: FilterShape, own_filter_groups: tuple[int, ...],
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
    filtered = select(*columns).where(*filter_conditions(shape, counting=True)).cte("filtered")

    def rows_for(facet: str | int | None) -> Any:
        """The rows to count ``facet`` over: every filter but its own."""
        if not shape.filters(facet):
            return filtered
        return (select(*columns)
                .where(*filter_conditions(shape, skip=facet, counting=True)).subquery())

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
        band = price_band(price_bands, rows.c.price)
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
