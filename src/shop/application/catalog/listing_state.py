"""The state of a listing page (filters, sort, page) and the query strings that change it.

Every link on a listing page is this state with one thing toggled, written in one canonical order
so that equal pages share one URL (good for caches and for people who share links).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from shop.application.catalog.read_models import Params
from shop.application.catalog.schemas import DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class ListingState:
    q: str = ""
    brands: tuple[str, ...] = ()
    #: attribute code → selected value codes, in the order the attributes are shown.
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    price: tuple[Decimal | None, Decimal | None] | None = None
    sort: str = "relevance"
    per_page: int = DEFAULT_PAGE_SIZE
    page: int = 1
    #: Parameters that belong to the page itself (a search's q), kept by every link.
    fixed: Params = field(default=())

    @property
    def is_filtered(self) -> bool:
        return bool(self.brands or self.values or self.price)

    def params(self) -> Params:
        out: list[tuple[str, str]] = list(self.fixed)
        out += [("brand", slug) for slug in self.brands]
        for code, chosen in self.values:
            out += [(code, value) for value in chosen]
        if self.price is not None:
            lo, hi = self.price
            out.append(("price", f"{'' if lo is None else lo}-{'' if hi is None else hi}"))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.per_page != DEFAULT_PAGE_SIZE:
            out.append(("per_page", str(self.per_page)))
        if self.page != 1:
            out.append(("page", str(self.page)))
        return tuple(out)

    def toggle_brand(self, slug: str) -> ListingState:
        brands = tuple(b for b in self.brands if b != slug)
        if len(brands) == len(self.brands):
            brands = (*self.brands, slug)
        return replace(self, brands=brands, page=1)

    def toggle_value(self, code: str, value: str) -> ListingState:
        current = dict(self.values)
        chosen = current.get(code, ())
        chosen = tuple(v for v in chosen if v != value) if value in chosen else (*chosen, value)
        current[code] = chosen
        return replace(self, values=tuple((c, v) for c, v in current.items() if v), page=1)

    def with_price(self, price: tuple[Decimal | None, Decimal | None] | None) -> ListingState:
        return replace(self, price=None if price == self.price else price, page=1)

    def with_sort(self, sort: str) -> ListingState:
        return replace(self, sort=sort, page=1)

    def with_page(self, page: int) -> ListingState:
        return replace(self, page=page)

    def cleared(self) -> ListingState:
        return replace(self, brands=(), values=(), price=None, page=1)
