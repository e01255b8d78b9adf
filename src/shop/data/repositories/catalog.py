"""Catalog queries: reference data, listings and their facet counts, product detail, and
catalog writes. The statements of the hot reads live in ``listing_queries`` and
``product_queries``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Row,
    Select,
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
)
from shop.data.repositories import listing_queries, product_queries
from shop.data.repositories.listing_queries import SORTS, ListingFilter

#: INSERT … ON CONFLICT, per dialect (the same API on both).
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

_CATEGORY_COLUMNS = (Category.id, Category.slug, Category.name_zh, Category.name_en,
                     Category.parent_id, Category.path, Category.depth, Category.position,
                     Category.is_published)
_BRAND_COLUMNS = (Brand.id, Brand.slug, Brand.name_zh, Brand.name_en, Brand.position,
                  Brand.is_published)


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
            select(*listing_queries.card_columns())
            .select_from(Listing)
            .join(Product, Product.id == Listing.product_id)
            .outerjoin(Brand, Brand.id == Listing.brand_id)
        )

    def listing_page(
        self, f: ListingFilter, sort: str, limit: int, offset: int
    ) -> Sequence[Row[Any]]:
        """One page of cards (see ``page_statement``)."""
        return self._read(listing_queries.page_statement(sort, f.shape),
                          {**f.params(), "limit": limit, "offset": offset})

    def ready_facet_counts(self, scope_kind: str, scope_id: int) -> Sequence[Row[Any]]:
        """(facet, key, count) of an unfiltered scope, total included, kept by
        ``adjust_facet_counts`` (and ``refresh_facet_counts`` after a bulk load)."""
        packed = self.session.connection().execute(
            listing_queries.READY_COUNTS,
            {"scope_kind": scope_kind, "scope_id": scope_id}).scalar()
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
        statement = listing_queries.live_counts_statement(
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
            select(*listing_queries.card_columns())
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

    def product_detail(self, slug: str) -> Row[Any] | None:
        """A published product's page header: product, brand and category fields in one row."""
        rows = self._read(product_queries.PRODUCT_DETAIL, {"slug": slug})
        return rows[0] if rows else None

    def skus_of(self, product_id: int) -> Sequence[Row[Any]]:
        return self._read(product_queries.SKUS, {"product_id": product_id})

    def sku_values_of(self, product_id: int) -> Sequence[Row[Any]]:
        """(sku id, attribute, value) for every variant axis value of the product's SKUs."""
        return self._read(product_queries.SKU_VALUES, {"product_id": product_id})

    def product_specs(self, product_id: int) -> Sequence[Row[Any]]:
        """The product's attributes that are not variant axes (版型, material, …)."""
        return self._read(product_queries.SPECS, {"product_id": product_id})

    def images_of(self, product_id: int) -> Sequence[Row[Any]]:
        return self._read(product_queries.IMAGES, {"product_id": product_id})

    def related_cards(self, product_id: int, category_id: int, limit: int) -> Sequence[Row[Any]]:
        """Best sellers of the product's category, the product itself left out."""
        return self._read(product_queries.RELATED,
                          {"product_id": product_id, "category_id": category_id, "limit": limit})

    @staticmethod
    def _searchfilter_conditions(words: Sequence[str]) -> list[Any]:
        where: list[Any] = [Listing.scope_kind == "a", Listing.scope_id == 0]
        for word in words:
            # autoescape: a "%" or "_" the shopper typed is a character, not a wildcard.
            where.append(or_(Product.name_zh.icontains(word, autoescape=True),
                             Product.name_en.icontains(word, autoescape=True)))
        return where

    def search_cards(self, words: Sequence[str], limit: int, offset: int) -> Sequence[Row[Any]]:
        """Products whose name holds every word, best sellers first (a plain scan, bounded)."""
        return self.session.execute(
            self._card_query().where(*self._searchfilter_conditions(words))
            .order_by(*SORTS["sales"]).limit(limit).offset(offset)
        ).all()

    def search_total(self, words: Sequence[str]) -> int:
        return self.session.scalar(
            select(func.count()).select_from(Listing)
            .join(Product, Product.id == Listing.product_id)
            .where(*self._searchfilter_conditions(words))
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
        # Correlated to the product being updated explicitly: nested inside the list price's
        # subquery, auto-correlation would stop at that subquery and join every product.
        min_price = (select(func.min(Sku.price)).where(Sku.product_id == Product.id)
                     .correlate(Product).scalar_subquery())
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

    def refresh_facet_counts(self, price_bands: Sequence[tuple[Decimal, Decimal | None]]) -> None:
        """Recount every scope's ready facet counts (after a bulk load)."""
        self.session.execute(delete(ListingFacetCount))
        target = ["scope_kind", "scope_id", "facet", "key", "count"]
        for source in self._count_sources(price_bands):
            self.session.execute(insert(ListingFacetCount).from_select(target, source))

    def facet_contributions(self, product_ids: Sequence[int],
                            price_bands: Sequence[tuple[Decimal, Decimal | None]],
                            ) -> dict[tuple[str, int, str, int], int]:
        """What these products add to the ready counts of the scopes they are listed in now."""
        rows = self.session.execute(union_all(*self._count_sources(price_bands,
                                                                   product_ids))).all()
        return {(kind, scope, facet, key): count for kind, scope, facet, key, count in rows}

    def adjust_facet_counts(self, deltas: Mapping[tuple[str, int, str, int], int]) -> None:
        """Add ``deltas`` to the ready counts: a count appears with its first product and goes
        with its last. An upsert, so two writers adding the same new count both land."""
        changed = [dict(scope_kind=kind, scope_id=scope, facet=facet, key=key, count=delta)
                   for (kind, scope, facet, key), delta in deltas.items() if delta]
        if not changed:
            return
        table = ListingFacetCount.__table__
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
                       product_ids: Sequence[int] | None = None) -> list[Select[Any]]:
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
