"""Keeping the listing index true to the products: price summaries, listing rows, ready counts.

Internal to the application tier: a catalog write or a bulk load calls it after checking its own
permission. It checks again that the actor may change the catalog, so a shopper's or an anonymous
unit of work can never make it rebuild (a full rebuild rewrites every listing row).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from shop.application.actors import Permission
from shop.application.catalog.schemas import PRICE_BANDS
from shop.data.repositories.listing_index import ListingIndexRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork


class ListingIndex:
    def __init__(self, uow: UnitOfWork) -> None:
        uow.actor.require(Permission.CATALOG_WRITE)
        self.repo = ListingIndexRepository(uow._session)

    def products_changed(self, product_ids: Sequence[int]) -> None:
        """Re-derive these products' summaries and listing rows, and adjust the ready counts.

        Only these products' share of each count changes: their old share is taken away and the
        new one added, so a write costs the same in a catalog of any size.
        """
        self.repo.refresh_product_summary(product_ids)
        before = self.repo.facet_contributions(product_ids, PRICE_BANDS)
        self.repo.rebuild(product_ids)
        after = self.repo.facet_contributions(product_ids, PRICE_BANDS)
        self.repo.adjust_facet_counts(
            {key: after.get(key, 0) - before.get(key, 0) for key in before.keys() | after.keys()})

    def products_added(self, product_ids: Sequence[int]) -> None:
        """``products_changed`` for products just written (an import): they had no listing
        rows and no share of the counts yet, so there is nothing to take away first."""
        self.repo.refresh_product_summary(product_ids)
        self.repo.rebuild(product_ids)
        self.repo.adjust_facet_counts(self.repo.facet_contributions(product_ids, PRICE_BANDS))

    @contextmanager
    def products_changing(self, product_ids: Sequence[int]) -> Iterator[None]:
        """Around an edit of listed products (their values, prices, category, brand, whether
        they show): their share of the ready counts is taken before it, from what they carry
        then, and their summaries, listing rows and share re-derived after it."""
        before = self.repo.facet_contributions(product_ids, PRICE_BANDS)
        yield
        self.repo.refresh_product_summary(product_ids)
        self.repo.rebuild(product_ids)
        after = self.repo.facet_contributions(product_ids, PRICE_BANDS)
        self.repo.adjust_facet_counts(
            {key: after.get(key, 0) - before.get(key, 0) for key in before.keys() | after.keys()})

    @contextmanager
    def categories_changing(self, category_ids: Sequence[int]) -> Iterator[None]:
        """Around a change to where these categories sit or whether they show: their products'
        listing rows and share of the ready counts are re-derived after it.

        Their share is taken before the change, since the sub-category counts follow the
        tree's parent links; the products are selected by a statement, so a subtree of any
        size costs the same few statements.
        """
        products = self.repo.products_in(category_ids)
        before = self.repo.facet_contributions(products, PRICE_BANDS)
        yield
        self.repo.rebuild(products)
        after = self.repo.facet_contributions(products, PRICE_BANDS)
        self.repo.adjust_facet_counts(
            {key: after.get(key, 0) - before.get(key, 0) for key in before.keys() | after.keys()})

    def stock_changed(self, sku_ids: Sequence[int]) -> None:
        """Re-derive the in-stock flag of these SKUs' products (not a facet: no count moves)."""
        self.repo.refresh_in_stock(sku_ids)

    def rebuild(self, *, summaries: bool = True) -> None:
        """Re-derive everything, after a bulk load; ``summaries=False`` when the load wrote each
        product's price summary itself."""
        if summaries:
            self.repo.refresh_product_summary(None)
        self.repo.rebuild(None)
        self.repo.refresh_facet_counts(PRICE_BANDS)
