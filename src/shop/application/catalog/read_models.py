"""Plain, fully loaded results of the catalog's read services: nothing a template can lazy-load."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from shop.application.catalog.display import StockStatus

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CategoryRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class CategoryNode:
    category: CategoryRef
    children: tuple[CategoryRef, ...] = ()


@dataclass(frozen=True)
class BrandRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class ProductCard:
    id: int
    slug: str
    name: str
    brand_name: str | None
    price: Decimal
    list_price: Decimal | None
    in_stock: bool
    image_url: str | None
    #: Whether the list price is struck through beside the price.
    show_list_price: bool
    #: What promotions match a card on (``uow.showcase.tags_for_cards``).
    category_id: int = 0
    brand_id: int | None = None


@dataclass(frozen=True)
class FacetOption:
    #: A name (brand, attribute value), or for a price band a translation string (see
    #: ``Facet.translate_options``).
    label: str
    count: int
    selected: bool
    #: The query string that toggles this option (page reset to 1).
    params: Params


@dataclass(frozen=True)
class Facet:
    name: str
    #: A translation string ("Brand", "Price"), or an attribute's name in the page's language;
    #: the template translates it (a name is no msgid and stays as it is).
    label: str
    options: tuple[FacetOption, ...]
    #: Whether the options' labels are translation strings. Only the price bands' are: the
    #: template leaves the others as they are rather than translate some fifty names a page.
    translate_options: bool = False


@dataclass(frozen=True)
class SubcategoryLink:
    category: CategoryRef
    count: int
    #: Filters carried into the sub-category's page.
    params: Params


@dataclass(frozen=True)
class Pagination:
    page: int
    per_page: int
    total: int
    pages: int
    #: (page number, params) for the numbered links around the current page.
    links: tuple[tuple[int, Params], ...]
    previous: Params | None
    next: Params | None


@dataclass(frozen=True)
class SortOption:
    key: str
    selected: bool
    params: Params


@dataclass(frozen=True)
class ListingPage:
    kind: str  # "category", "brand" or "search"
    title: str
    slug: str
    breadcrumbs: tuple[CategoryRef, ...]
    subcategories: tuple[SubcategoryLink, ...]
    facets: tuple[Facet, ...]
    sorts: tuple[SortOption, ...]
    products: tuple[ProductCard, ...]
    pagination: Pagination
    #: Links that remove each active filter, and one that clears them all.
    active_filters: tuple[tuple[str, Params], ...] = ()
    clear_params: Params = ()
    query_text: str = ""


@dataclass(frozen=True)
class HomePage:
    categories: tuple[CategoryNode, ...]
    new_arrivals: tuple[ProductCard, ...]
    best_sellers: tuple[ProductCard, ...]


@dataclass(frozen=True)
class VariantOption:
    label: str
    sku_code: str | None
    selected: bool
    available: bool


@dataclass(frozen=True)
class VariantAxis:
    label: str
    options: tuple[VariantOption, ...]


@dataclass(frozen=True)
class SkuView:
    code: str
    price: Decimal
    list_price: Decimal | None
    #: How many can still be bought (on hand minus reserved).
    available: int
    weight_grams: int
    barcode: str | None
    label: str
    stock_status: StockStatus
    #: Whether the list price is struck through beside the price.
    show_list_price: bool

    @property
    def in_stock(self) -> bool:
        return self.stock_status is not StockStatus.OUT


@dataclass(frozen=True)
class ImageView:
    url: str
    alt: str


@dataclass(frozen=True)
class ProductPage:
    id: int
    slug: str
    name: str
    description_html: str
    brand: BrandRef | None
    category: CategoryRef
    breadcrumbs: tuple[CategoryRef, ...]
    images: tuple[ImageView, ...]
    sku: SkuView
    axes: tuple[VariantAxis, ...]
    specs: tuple[tuple[str, str], ...]
    related: tuple[ProductCard, ...] = field(default_factory=tuple)
