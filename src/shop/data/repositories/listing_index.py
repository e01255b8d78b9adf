"""Keeping the derived listing tables true to the products: each product's price summary, its
listing rows, and the ready facet counts of every scope.

The application tier's listing index (``shop.application.catalog.indexing``) drives it after a
product write or a bulk load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Select,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from shop.data.models import (
    Category,
    Listing,
    ListingFacetCount,
    Product,
    ProductAttributeValue,
    Sku,
    StockLevel,
)
from shop.data.repositories import listing_queries
from shop.data.repositories.listing_queries import hidden_categories

#: INSERT … ON CONFLICT, per dialect (the same API on both).
_INSERTS: dict[str, Callable[[Table], Any]] = {"postgresql": postgresql.insert,
                                               "sqlite": sqlite.insert}
_PRODUCT = cast(Table, Product.__table__)
_FACET_COUNT = cast(Table, ListingFacetCount.__table__)

#: A ready count's key: (scope kind, scope id, facet, key).
CountKey = tuple[str, int, str, int]
#: Which products to re-derive: their ids, or a statement selecting them (a subtree's products,
#: however many, without reading their ids first).
ProductIds = Sequence[int] | Select[Any]


def _sellable() -> Any:
    """Whether any SKU of the product being updated has more on hand than is reserved."""
    return (select(StockLevel.sku_id)
            .join(Sku, Sku.id == StockLevel.sku_id)
            .where(Sku.product_id == Product.id, StockLevel.on_hand > StockLevel.reserved)
            .exists())


class ListingIndexRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def refresh_product_summary(self, product_ids: Sequence[int] | None = None) -> None:
        """Copy the cheapest SKU's price and list price, and whether any SKU can be sold, onto
        it."""
        cheapest = aliased(Sku)
        # Correlated to the product being updated explicitly: nested inside the list price's
        # subquery, auto-correlation would stop at that subquery and join every product.
        min_price = (select(func.min(Sku.price)).where(Sku.product_id == Product.id)
                     .correlate(Product).scalar_subquery())
        list_price = (select(func.max(cheapest.list_price))
                      .where(cheapest.product_id == Product.id, cheapest.price == min_price)
                      .scalar_subquery())
        statement = _PRODUCT.update().values(
            price=func.coalesce(min_price, 0), list_price=list_price, in_stock=_sellable()
        )
        if product_ids is not None:
            statement = statement.where(Product.id.in_(product_ids))
        self.session.execute(statement)

    def refresh_in_stock(self, sku_ids: Sequence[int]) -> None:
        """Re-derive whether the products of these SKUs have any SKU that can be sold."""
        products = select(Sku.product_id).where(Sku.id.in_(sku_ids))
        self.session.execute(_PRODUCT.update().values(in_stock=_sellable())
                             .where(Product.id.in_(products)))

    @staticmethod
    def products_in(category_ids: Sequence[int]) -> Select[Any]:
        """The products that these categories hold themselves."""
        return select(Product.id).where(Product.category_id.in_(category_ids))

    def rebuild(self, product_ids: ProductIds | None = None) -> None:
        """Re-derive the listing rows of ``product_ids`` (all products when None)."""
        if product_ids is None:
            self.session.execute(delete(Listing))
        else:
            self.session.execute(delete(Listing).where(Listing.product_id.in_(product_ids)))
        ancestor = aliased(Category)
        published = [Product.is_published.is_(True),
                     Product.category_id.not_in(hidden_categories())]
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
            .where(*published)
        )
        by_brand = select(literal("b"), Product.brand_id, *columns).where(
            *published, Product.brand_id.is_not(None))
        everywhere = select(literal("a"), literal(0), *columns).where(*published)
        for source in (by_category, by_brand, everywhere):
            self.session.execute(insert(Listing).from_select(target, source))

    def refresh_facet_counts(self, price_bands: Sequence[tuple[Decimal, Decimal | None]]) -> None:
        """Recount every scope's ready facet counts (after a bulk load)."""
        self.session.execute(delete(ListingFacetCount))
        target = ["scope_kind", "scope_id", "facet", "key", "count"]
        for source in self._count_sources(price_bands):
            self.session.execute(insert(ListingFacetCount).from_select(target, source))

    def facet_contributions(self, product_ids: ProductIds,
                            price_bands: Sequence[tuple[Decimal, Decimal | None]],
                            ) -> dict[CountKey, int]:
        """What these products add to the ready counts of the scopes they are listed in now."""
        rows = self.session.execute(union_all(*self._count_sources(price_bands,
                                                                   product_ids))).all()
        return {(kind, scope, facet, key): count for kind, scope, facet, key, count in rows}

    def adjust_facet_counts(self, deltas: Mapping[CountKey, int]) -> None:
        """Add ``deltas`` to the ready counts: a count appears with its first product and goes
        with its last. An upsert, so two writers adding the same new count both land."""
        changed = [dict(scope_kind=kind, scope_id=scope, facet=facet, key=key, count=delta)
                   for (kind, scope, facet, key), delta in deltas.items() if delta]
        if not changed:
            return
        table = _FACET_COUNT
        connection = self.session.connection()
        upsert = _INSERTS[connection.dialect.name](table)
        upsert = upsert.on_conflict_do_update(
            index_elements=[table.c.scope_kind, table.c.scope_id, table.c.facet, table.c.key],
            set_={"count": table.c.count + upsert.excluded.count})
        connection.execute(upsert, changed)
        scopes = sorted({(row["scope_kind"], row["scope_id"]) for row in changed})
        connection.execute(delete(table).where(
            tuple_(table.c.scope_kind, table.c.scope_id).in_(scopes), table.c.count <= 0))

    @staticmethod
    def _count_sources(price_bands: Sequence[tuple[Decimal, Decimal | None]],
                       product_ids: ProductIds | None = None) -> list[Select[Any]]:
        """(scope kind, scope id, facet, key, count) of every listing row, or of the rows of
        ``product_ids``; one statement per facet."""
        scope_cols = (Listing.scope_kind, Listing.scope_id)
        band = listing_queries.price_band(price_bands, Listing.price)
        child_listing = aliased(Listing)
        child_category = aliased(Category)
        parent = aliased(Category)
        where: list[Any] = []
        child_is_category = child_listing.scope_kind == "c"
        if product_ids is not None:
            where.append(Listing.product_id.in_(product_ids))
            # Written so no index serves it: else SQLite walks every category listing row to
            # find these products' sub-category rows instead of looking them up by product.
            child_is_category = child_listing.scope_kind.concat("") == "c"
        return [
            select(*scope_cols, literal("total"), literal(0), func.count())
            .where(*where).group_by(*scope_cols),
            select(*scope_cols, literal("brand"), Listing.brand_id, func.count())
            .where(*where, Listing.brand_id.is_not(None))
            .group_by(*scope_cols, Listing.brand_id),
            select(*scope_cols, literal("value"), ProductAttributeValue.attribute_value_id,
                   func.count())
            .select_from(Listing)
            .join(ProductAttributeValue, ProductAttributeValue.product_id == Listing.product_id)
            .where(*where).group_by(*scope_cols, ProductAttributeValue.attribute_value_id),
            select(*scope_cols, literal("price"), band, func.count())
            .where(*where).group_by(*scope_cols, band),
            # Sub-categories of a category scope; top categories of a brand or the whole shop.
            select(*scope_cols, literal("category"), child_category.id, func.count())
            .select_from(Listing)
            .join(child_listing, and_(child_listing.product_id == Listing.product_id,
                                      child_is_category))
            .join(child_category, child_category.id == child_listing.scope_id)
            .outerjoin(parent, and_(Listing.scope_kind == "c", parent.id == Listing.scope_id))
            .where(*where, or_(
                and_(Listing.scope_kind == "c", child_category.parent_id == parent.id),
                and_(Listing.scope_kind != "c", child_category.parent_id.is_(None)),
            ))
            .group_by(*scope_cols, child_category.id),
        ]
