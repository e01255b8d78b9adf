"""Building a listing page (category, brand, search): filters, facet counts, sort and pages.

A page costs a fixed handful of queries: the counts (ready ones for an unfiltered scope, one
UNION ALL statement more otherwise) and one index-ordered page of products. Brands and facet
attributes come from the catalog's reference copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from shop.application.catalog.listing_state import ListingState
from shop.application.catalog.localized import LocalizedCatalog
from shop.application.catalog.read_models import (
    CategoryRef,
    Facet,
    FacetOption,
    ListingPage,
    Pagination,
    Params,
    SortOption,
    SubcategoryLink,
)
from shop.application.catalog.reference import CatalogReference, FacetAttribute
from shop.application.catalog.schemas import (
    MAX_PAGE,
    PRICE_BANDS,
    SORT_KEYS,
    ListingQuerySchema,
)
from shop.application.errors import PastLastPage
from shop.application.i18n import _
from shop.application.validation import validate
from shop.data.repositories.catalog_records import CategoryRecord
from shop.data.repositories.listing_queries import ListingFilter
from shop.data.repositories.listings import FacetCount, ListingRepository

_SCALAR_KEYS = ("page", "per_page", "sort", "price", "q")
MAX_SEARCH_WORDS = 5
PAGE_WINDOW = 2


def everywhere() -> ListingFilter:
    return ListingFilter("a", 0)


def _tally(rows: Iterable[FacetCount]) -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = {}
    for facet, key, count in rows:
        counts.setdefault(facet, {})[key] = count
    return counts


class ListingBuilder:
    def __init__(self, listings: ListingRepository, reference: CatalogReference,
                 localized: LocalizedCatalog, params: Mapping[str, Sequence[str]]) -> None:
        self.listings = listings
        self.reference = reference
        self.localized = localized
        self.locale = localized.locale
        self.params = params
        flat: dict[str, Any] = {k: params[k][0] for k in _SCALAR_KEYS if params.get(k)}
        flat["brand"] = list(params.get("brand", ()))
        self.query = validate(ListingQuerySchema(), flat)

    def _state(self, attributes: dict[str, FacetAttribute], fixed: tuple[tuple[str, str], ...]
               ) -> tuple[ListingState, dict[str, tuple[int, str]]]:
        """The normalized state; filters naming unknown brands or values are dropped."""
        brand_ids: dict[str, tuple[int, str]] = {}
        wanted = list(dict.fromkeys(self.query["brand"]))
        if wanted:
            known = self.reference.brands_by_slug
            known = {s: b for s, b in known.items() if b.is_published}
            brand_ids = {s: (known[s].id, self.localized.name(known[s])) for s in wanted
                         if s in known}
        chosen: list[tuple[str, tuple[str, ...]]] = []
        for code, attribute in attributes.items():
            values = tuple(dict.fromkeys(v for v in self.params.get(code, ())
                                         if v in attribute.values))
            if values:
                chosen.append((code, values))
        state = ListingState(
            q=self.query["q"], brands=tuple(s for s in wanted if s in brand_ids),
            values=tuple(chosen), price=self.query["price"], sort=self.query["sort"],
            per_page=self.query["per_page"], page=self.query["page"], fixed=fixed,
        )
        return state, brand_ids

    def build(self, *, kind: str, scope: tuple[str, int], title: str, slug: str,
              breadcrumbs: tuple[CategoryRef, ...], children: Sequence[CategoryRecord]
              ) -> ListingPage:
        attributes = self.reference.facet_attributes(self.locale)
        state, brand_ids = self._state(attributes, ())
        lo, hi = state.price or (None, None)
        listing = ListingFilter(
            scope[0], scope[1], tuple(brand_ids[s][0] for s in state.brands),
            {attributes[c].id: tuple(attributes[c].values[v][0] for v in vs)
             for c, vs in state.values},
            lo, hi,
        )
        counts = self._counts(listing, attributes, children)
        total = counts.get("total", {}).get(0, 0)
        offset = (state.page - 1) * state.per_page
        rows = (self.listings.listing_page(listing, state.sort, state.per_page, offset)
                if offset < total else [])
        facets = (self._brand_facet(state, counts.get("brand", {})),
                  *self._attribute_facets(state, attributes, counts.get("value", {})),
                  self._price_facet(state, counts.get("price", {})))
        category_counts = counts.get("category", {})
        drill = (("brand", slug),) if kind == "brand" else state.with_page(1).params()
        return ListingPage(
            kind=kind, title=title, slug=slug, breadcrumbs=breadcrumbs,
            subcategories=tuple(
                SubcategoryLink(self.localized.category_ref(c), category_counts[c.id], drill)
                for c in children if category_counts.get(c.id)),
            facets=tuple(f for f in facets if f.options),
            sorts=self._sorts(state), products=tuple(map(self.localized.card, rows)),
            pagination=self._pagination(state, total),
            active_filters=self._active(state, attributes, brand_ids),
            clear_params=state.cleared().params(),
        )

    def search(self) -> ListingPage:
        """A plain results page: every word must appear in the name; best sellers first."""
        words = self.query["q"].split()[:MAX_SEARCH_WORDS]
        state = ListingState(q=self.query["q"], sort="sales", per_page=self.query["per_page"],
                             page=self.query["page"], fixed=(("q", self.query["q"]),))
        offset = (state.page - 1) * state.per_page
        rows, total = (self.listings.search_cards(words, state.per_page, offset),
                       self.listings.search_total(words)) if words else ([], 0)
        return ListingPage(
            kind="search", title=self.query["q"], slug="", breadcrumbs=(), subcategories=(),
            facets=(), sorts=(), products=tuple(map(self.localized.card, rows)),
            pagination=self._pagination(state, total), query_text=self.query["q"],
        )

    def _counts(self, listing: ListingFilter, attributes: dict[str, FacetAttribute],
                children: Sequence[CategoryRecord]) -> dict[str, dict[int, int]]:
        """The counts of ``listing``: the ready ones of its scope, then live ones if filtered.

        A filtered page reads the ready counts first too: a value or sub-category the whole
        scope has no product in counts zero under any filter, so only the others are counted
        live, and the live statement's cost follows the scope rather than the catalog.
        """
        ready = _tally(self.listings.ready_facet_counts(listing.scope_kind, listing.scope_id))
        if listing.is_unfiltered:
            return ready
        present = ready.get("value", {})
        facet_values = {a.id: ids for a in attributes.values()
                        if (ids := [i for i, _ in a.values.values() if present.get(i)])}
        in_scope = ready.get("category", {})
        live = _tally(self.listings.live_facet_counts(
            listing, facet_values, [c.id for c in children if in_scope.get(c.id)], PRICE_BANDS))
        # The facet of a sole filter is counted without it: over the unfiltered scope.
        sole = listing.shape.sole
        if sole in ("brand", "price"):
            live[str(sole)] = ready.get(str(sole), {})
        elif sole is not None:
            attribute_id = list(listing.value_groups)[int(sole)]
            live.setdefault("value", {}).update(
                (i, present[i]) for i in facet_values.get(attribute_id, ()))
        return live

    def _brand_facet(self, state: ListingState, counts: dict[int, int]) -> Facet:
        known = self.reference.brands
        # A brand staff hid is no filter, though its products stay listed.
        brands = [known[i] for i, n in counts.items()
                  if n and i in known and known[i].is_published]
        ordered = sorted(brands, key=lambda b: (-counts.get(b.id, 0), b.position, b.id))
        return Facet("brand", _("Brand"), tuple(
            FacetOption(self.localized.name(b), counts.get(b.id, 0), b.slug in state.brands,
                        state.toggle_brand(b.slug).params())
            for b in ordered))

    def _attribute_facets(self, state: ListingState, attributes: dict[str, FacetAttribute],
                          counts: dict[int, int]) -> list[Facet]:
        chosen = dict(state.values)
        facets = []
        for code, attribute in attributes.items():
            options = tuple(
                FacetOption(name, counts.get(value_id, 0), value in chosen.get(code, ()),
                            state.toggle_value(code, value).params())
                for value, (value_id, name) in attribute.values.items()
                if counts.get(value_id) or value in chosen.get(code, ()))
            facets.append(Facet(code, attribute.name, options))
        return facets

    def _price_facet(self, state: ListingState, counts: dict[int, int]) -> Facet:
        options = []
        for index, (lo, hi) in enumerate(PRICE_BANDS):
            if not counts.get(index):
                continue
            band = (lo, hi - Decimal("0.01") if hi is not None else None)
            label = (f"¥{lo:f}–{hi:f}" if hi is not None
                     else _("¥${price} and up", mapping={"price": f"{lo:f}"}))
            options.append(FacetOption(label, counts[index], state.price == band,
                                       state.with_price(band).params()))
        return Facet("price", _("Price"), tuple(options), translate_options=True)

    def _sorts(self, state: ListingState) -> tuple[SortOption, ...]:
        return tuple(SortOption(key, key == state.sort, state.with_sort(key).params())
                     for key in SORT_KEYS)

    def _active(self, state: ListingState, attributes: dict[str, FacetAttribute],
                brands: dict[str, tuple[int, str]]) -> tuple[tuple[str, Params], ...]:
        active = [(brands[slug][1], state.toggle_brand(slug).params()) for slug in state.brands]
        for code, values in state.values:
            for value in values:
                active.append((f"{attributes[code].name}: {attributes[code].values[value][1]}",
                               state.toggle_value(code, value).params()))
        if state.price is not None:
            lo, hi = state.price
            active.append((f"¥{lo or 0}–{hi if hi is not None else ''}",
                           state.with_price(None).params()))
        return tuple(active)

    def _pagination(self, state: ListingState, total: int) -> Pagination:
        pages = min(MAX_PAGE, max(1, -(-total // state.per_page)))
        if state.page > pages:
            raise PastLastPage(state.with_page(pages).params() if total else None)
        first = max(1, state.page - PAGE_WINDOW)
        last = min(pages, state.page + PAGE_WINDOW)
        return Pagination(
            page=state.page, per_page=state.per_page, total=total, pages=pages,
            links=tuple((n, state.with_page(n).params()) for n in range(first, last + 1)),
            previous=state.with_page(state.page - 1).params() if state.page > 1 else None,
            next=state.with_page(state.page + 1).params() if state.page < pages else None,
        )
