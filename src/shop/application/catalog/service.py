"""Catalog use cases: what the storefront shows, and how staff and scripts change the catalog."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.catalog import browse
from shop.application.catalog.display import show_list_price, stock_status
from shop.application.catalog.indexing import ListingIndex
from shop.application.catalog.localized import LocalizedCatalog
from shop.application.catalog.product_draft import ProductDraft
from shop.application.catalog.products import publish_moment, taken_or_raced
from shop.application.catalog.read_models import (
    BrandRef,
    CategoryNode,
    CategoryRef,
    HomePage,
    ImageView,
    ListingPage,
    ProductCard,
    ProductPage,
    SkuView,
)
from shop.application.catalog.reference import CatalogReference
from shop.application.catalog.schemas import (
    ProductSchema,
)
from shop.application.catalog.variants import variant_axes
from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.validation import validate
from shop.data.repositories.attributes import AttributeRepository
from shop.data.repositories.brands import BrandRepository
from shop.data.repositories.categories import CategoryRepository
from shop.data.repositories.listings import ListingRepository
from shop.data.repositories.products import ProductRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

HOME_SHELF_SIZE = 8
RELATED_SIZE = 8


class CatalogService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.categories = CategoryRepository(uow._session)
        self.brands = BrandRepository(uow._session)
        self.attributes = AttributeRepository(uow._session)
        self.products = ProductRepository(uow._session)
        self.listings = ListingRepository(uow._session)
        self.localized = LocalizedCatalog(uow.locale)

    # -- reading ---------------------------------------------------------------------------

    def reference(self) -> CatalogReference:
        """The category tree, brands and facet attributes, shared by the process per revision."""
        return self.uow._reference.get("catalog", lambda: CatalogReference.build(
            self.categories.all(), self.brands.all(), self.attributes.facet_values()))

    def navigation(self) -> tuple[CategoryRef, ...]:
        """The top categories, for the header of every page."""
        return tuple(map(self.localized.category_ref, self.reference().children.get(None, ())))

    def home_page(self) -> HomePage:
        children = self.reference().children
        category_ref = self.localized.category_ref
        nodes = tuple(
            CategoryNode(category_ref(c), tuple(map(category_ref, children.get(c.id, ()))))
            for c in children.get(None, ()))
        everywhere = browse.everywhere()
        return HomePage(
            categories=nodes,
            new_arrivals=tuple(map(self.localized.card, self.listings.listing_page(
                everywhere, "newest", HOME_SHELF_SIZE, 0))),
            best_sellers=tuple(map(self.localized.card, self.listings.listing_page(
                everywhere, "sales", HOME_SHELF_SIZE, 0))),
        )

    def _breadcrumbs(self, path: str) -> tuple[CategoryRef, ...]:
        """The categories along a category's path ("/1/5/"), from the top."""
        categories = self.reference().categories
        ids = [int(part) for part in path.strip("/").split("/")]
        return tuple(self.localized.category_ref(categories[i]) for i in ids if i in categories)

    def _brand_shown(self, brand_id: int) -> bool:
        """Whether a product page names its brand: not when staff hid the brand."""
        brand = self.reference().brands.get(brand_id)
        return brand is not None and brand.is_published

    def _listing(self, params: Mapping[str, Sequence[str]]) -> browse.ListingBuilder:
        return browse.ListingBuilder(self.listings, self.reference(), self.localized, params)

    def category_page(self, slug: str, params: Mapping[str, Sequence[str]]) -> ListingPage:
        reference = self.reference()
        category = reference.published_by_slug.get(slug)
        if category is None:
            raise NotFound(f"no category {slug!r}")
        return self._listing(params).build(
            kind="category", scope=("c", category.id), title=self.localized.name(category),
            slug=slug, breadcrumbs=self._breadcrumbs(category.path),
            children=reference.children.get(category.id, ()),
        )

    def brand_page(self, slug: str, params: Mapping[str, Sequence[str]]) -> ListingPage:
        reference = self.reference()
        brand = reference.published_brand(slug)
        if brand is None:
            raise NotFound(f"no brand {slug!r}")
        return self._listing(params).build(
            kind="brand", scope=("b", brand.id), title=self.localized.name(brand), slug=slug,
            breadcrumbs=(), children=reference.children.get(None, ()),
        )

    def search_page(self, params: Mapping[str, Sequence[str]]) -> ListingPage:
        return self._listing(params).search()

    def product_page(self, slug: str, sku_code: str | None = None) -> ProductPage:
        product = self.products.detail(slug)
        if product is None:
            raise NotFound(f"no product {slug!r}")
        skus = self.products.skus(product.id)
        if not skus:
            raise NotFound(f"product {slug!r} has no SKU")
        locale, name = self.uow.locale, self.localized.name(product)
        selected, axes, labels = variant_axes(
            skus, self.products.sku_values(product.id), sku_code, locale)
        images = tuple(ImageView(i.url, pick(locale, i.alt_zh, i.alt_en) or name)
                       for i in self.products.images(product.id))
        specs = tuple((pick(locale, r.attribute_name_zh, r.attribute_name_en),
                       pick(locale, r.value_name_zh, r.value_name_en))
                      for r in self.products.specs(product.id))
        return ProductPage(
            id=product.id, slug=product.slug, name=name,
            description_html=product.description_html,
            brand=(BrandRef(product.brand_id, product.brand_slug or "",
                            pick(locale, product.brand_name_zh or "", product.brand_name_en or ""))
                   if product.brand_id is not None and self._brand_shown(product.brand_id)
                   else None),
            category=CategoryRef(product.category_id, product.category_slug,
                                 pick(locale, product.category_name_zh,
                                      product.category_name_en)),
            breadcrumbs=self._breadcrumbs(product.category_path),
            images=images,
            sku=SkuView(selected.code, selected.price, selected.list_price, selected.available,
                        selected.weight_grams, selected.barcode, labels.get(selected.id, ""),
                        stock_status(selected.available),
                        show_list_price(selected.price, selected.list_price)),
            axes=axes, specs=specs,
            related=tuple(map(self.localized.card, self.products.related_cards(
                product.id, product.category_id, RELATED_SIZE))),
        )

    # -- writing ---------------------------------------------------------------------------

    def on_stock_changed(self, sku_id: int) -> None:
        """The ``inventory.stock_changed`` handler's step (system actor only): whether the SKU's
        product shows as in stock in listings follows what can be sold now."""
        self.uow.actor.require_system()
        ListingIndex(self.uow).stock_changed([sku_id])

    def create_category(self, data: Mapping[str, Any]) -> CategoryRef:
        """A category (see ``CategoryService.create``), as the storefront names it."""
        row = self.uow.categories.create(data)
        return CategoryRef(row.id, row.slug, row.name)

    def create_brand(self, data: Mapping[str, Any]) -> BrandRef:
        """A brand (see ``BrandService.create``), as the storefront names it."""
        row = self.uow.brands.create(data)
        return BrandRef(row.id, row.slug, row.name)

    def create_attribute(self, data: Mapping[str, Any]) -> str:
        """An attribute with its values (see ``AttributeService.create``); returns its code."""
        return self.uow.attributes.create(data).attribute.code

    def create_product(self, data: Mapping[str, Any]) -> ProductCard:
        """Create an SPU with its SKUs; a published one is listed at once.

        Everything is checked before anything is written, and the product is written whole or
        not at all: an ``Invalid`` leaves the catalog as it was. A hidden product may be given
        a ``publish_at`` moment: it goes live then (``ProductAdminService.publish_due``).
        """
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(ProductSchema(), data)
        draft = ProductDraft(self.categories, self.brands, self.attributes, self.products)
        new = draft.resolve(values, publish_at=publish_moment(self.uow, values))
        product_id = self.products.add(new)
        if product_id is None:
            # Taken by a write that committed since the check: named at its field all the same.
            raise taken_or_raced(draft, values)
        sku_ids = self.products.sku_ids_by_code([sku.code for sku in new.skus])
        self.uow._stock.open({sku_ids[sku.code]: sku.stock_on_hand for sku in new.skus})
        ListingIndex(self.uow).products_changed([product_id])
        self.uow._audit.record("catalog.product.create", "product", product_id,
                              after={**values, "description_html": new.description_html})
        return self.localized.card(self.products.card(product_id))

    @staticmethod
    def _require_free(field: str, existing: object) -> None:
        if existing is not None:
            raise Invalid({field: _("Already taken")})
