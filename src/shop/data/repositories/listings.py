"""Reading listings: a page of product cards in a scope, its facet counts, and search.

The statements live in ``listing_queries``, built once per filter shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from shop.data.models import Brand, Listing, Product
from shop.data.repositories import listing_queries
from shop.data.repositories.catalog_records import CardRecord, fetch
from shop.data.repositories.listing_queries import SORTS, ListingFilter

#: (facet, key, count): "brand" and a brand id, "value" and an attribute value id, "price" and
#: a price band's index, "category" and a child category id, or "total" and 0.
FacetCount = tuple[str, int, int]


class ListingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def listing_page(
        self, f: ListingFilter, sort: str, limit: int, offset: int
    ) -> list[CardRecord]:
        """One page of cards (see ``page_statement``)."""
        return fetch(self.session, listing_queries.page_statement(sort, f.shape),
                     {**f.params(), "limit": limit, "offset": offset}, CardRecord)

    def ready_facet_counts(self, scope_kind: str, scope_id: int) -> list[FacetCount]:
        """The counts of an unfiltered scope, total included, kept by the listing index."""
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
    ) -> list[FacetCount]:
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
        rows = self.session.connection().execute(statement, params)
        return [(facet, int(key), int(count)) for facet, key, count in rows if key is not None]

    # -- search --------------------------------------------------------------------------------

    def _card_query(self) -> Select[Any]:
        return (
            select(*listing_queries.card_columns())
            .select_from(Listing)
            .join(Product, Product.id == Listing.product_id)
            .outerjoin(Brand, Brand.id == Listing.brand_id)
        )

    @staticmethod
    def _searchfilter_conditions(words: Sequence[str]) -> list[Any]:
        where: list[Any] = [Listing.scope_kind == "a", Listing.scope_id == 0]
        for word in words:
            # autoescape: a "%" or "_" the shopper typed is a character, not a wildcard.
            where.append(or_(Product.name_zh.icontains(word, autoescape=True),
                             Product.name_en.icontains(word, autoescape=True)))
        return where

    def search_cards(self, words: Sequence[str], limit: int, offset: int) -> list[CardRecord]:
        """Products whose name holds every word, best sellers first (a plain scan, bounded)."""
        return fetch(self.session,
                     self._card_query().where(*self._searchfilter_conditions(words))
                     .order_by(*SORTS["sales"]).limit(limit).offset(offset), {}, CardRecord)

    def search_total(self, words: Sequence[str]) -> int:
        return self.session.scalar(
            select(func.count()).select_from(Listing)
            .join(Product, Product.id == Listing.product_id)
            .where(*self._searchfilter_conditions(words))
        ) or 0
