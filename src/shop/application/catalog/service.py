"""Catalog use cases: what the storefront shows, and how staff and scripts change the catalog."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.catalog import browse
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
from shop.application.catalog.sanitize import sanitize_html
from shop.application.catalog.schemas import (
    PRICE_BANDS,
    AttributeSchema,
    BrandSchema,
    CategorySchema,
    ProductSchema,
)
from shop.application.catalog.variants import variant_axes
from shop.application.errors import Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.validation import validate
from shop.data.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Product,
    ProductAttributeValue,
    Sku,
    SkuAttributeValue,
)
from shop.data.repositories.catalog import CatalogRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

HOME_SHELF_SIZE = 8
RELATED_SIZE = 8


class CatalogService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = CatalogRepository(uow.session)

    @property
    def locale(self) -> str:
        return self.uow.locale

    # -- reading ---------------------------------------------------------------------------

    def name(self, entity: Any) -> str:
        return pick(self.locale, entity.name_zh, entity.name_en)

    def category_ref(self, category: Any) -> CategoryRef:
        """A category (entity or column row with id, slug and names) as the pages show it."""
        return CategoryRef(category.id, category.slug, self.name(category))

    def card(self, row: Any) -> ProductCard:
        brand = pick(self.locale, row.brand_name_zh, row.brand_name_en) if row.brand_name_zh \
            else None
        return ProductCard(row.id, row.slug, pick(self.locale, row.name_zh, row.name_en), brand,
                           row.price, row.list_price, row.in_stock, row.cover_image_url)

    def reference(self) -> CatalogReference:
        """The category tree, brands and facet attributes, shared by the process per revision."""
        return self.uow.reference.get("catalog", lambda: CatalogReference.load(self.repo))

    def navigation(self) -> tuple[CategoryRef, ...]:
        """The top categories, for the header of every page."""
        return tuple(map(self.category_ref, self.reference().children.get(None, ())))

    def home_page(self) -> HomePage:
        children = self.reference().children
        nodes = tuple(CategoryNode(self.category_ref(c),
                                   tuple(map(self.category_ref, children.get(c.id, ()))))
                      for c in children.get(None, ()))
        everywhere = browse.everywhere()
        return HomePage(
            categories=nodes,
            new_arrivals=tuple(map(self.card, self.repo.listing_page(
                everywhere, "newest", HOME_SHELF_SIZE, 0))),
            best_sellers=tuple(map(self.card, self.repo.listing_page(
                everywhere, "sales", HOME_SHELF_SIZE, 0))),
        )

    def breadcrumbs(self, path: str) -> tuple[CategoryRef, ...]:
        """The categories along a category's path ("/1/5/"), from the top."""
        categories = self.reference().categories
        ids = [int(part) for part in path.strip("/").split("/")]
        return tuple(self.category_ref(categories[i]) for i in ids if i in categories)

    def category_page(self, slug: str, params: Mapping[str, Sequence[str]]) -> ListingPage:
        reference = self.reference()
        category = reference.published_by_slug.get(slug)
        if category is None:
            raise NotFound(f"no category {slug!r}")
        return browse.ListingBuilder(self, params).build(
            kind="category", scope=("c", category.id), title=self.name(category), slug=slug,
            breadcrumbs=self.breadcrumbs(category.path),
            children=reference.children.get(category.id, ()),
        )

    def brand_page(self, slug: str, params: Mapping[str, Sequence[str]]) -> ListingPage:
        reference = self.reference()
        brand = reference.published_brand(slug)
        if brand is None:
            raise NotFound(f"no brand {slug!r}")
        return browse.ListingBuilder(self, params).build(
            kind="brand", scope=("b", brand.id), title=self.name(brand), slug=slug,
            breadcrumbs=(), children=reference.children.get(None, ()),
        )

    def search_page(self, params: Mapping[str, Sequence[str]]) -> ListingPage:
        return browse.ListingBuilder(self, params).search()

    def product_page(self, slug: str, sku_code: str | None = None) -> ProductPage:
        product = self.repo.product_detail(slug)
        if product is None:
            raise NotFound(f"no product {slug!r}")
        skus = self.repo.skus_of(product.id)
        if not skus:
            raise NotFound(f"product {slug!r} has no SKU")
        value_rows = self.repo.sku_values_of(product.id)
        selected, axes, labels = variant_axes(skus, value_rows, sku_code, self.locale)
        images = tuple(ImageView(i.url, pick(self.locale, i.alt_zh, i.alt_en) or self.name(product))
                       for i in self.repo.images_of(product.id))
        specs = tuple((pick(self.locale, r.attribute_name_zh, r.attribute_name_en),
                       pick(self.locale, r.value_name_zh, r.value_name_en))
                      for r in self.repo.product_specs(product.id))
        return ProductPage(
            id=product.id, slug=product.slug, name=self.name(product),
            description_html=product.description_html,
            brand=(BrandRef(product.brand_id, product.brand_slug,
                            pick(self.locale, product.brand_name_zh, product.brand_name_en))
                   if product.brand_id is not None else None),
            category=CategoryRef(product.category_id, product.category_slug,
                                 pick(self.locale, product.category_name_zh,
                                      product.category_name_en)),
            breadcrumbs=self.breadcrumbs(product.category_path),
            images=images,
            sku=SkuView(selected.code, selected.price, selected.list_price, selected.stock_on_hand,
                        selected.weight_grams, selected.barcode, labels.get(selected.id, "")),
            axes=axes, specs=specs,
            related=tuple(map(self.card, self.repo.related_cards(
                product.id, product.category_id, RELATED_SIZE))),
        )

    # -- writing ---------------------------------------------------------------------------

    def create_category(self, data: Mapping[str, Any]) -> CategoryRef:
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(CategorySchema(), data)
        parent = None
        if values["parent"]:
            parent = self.repo.category_by_slug(values["parent"])
            if parent is None:
                raise Invalid({"parent": _("No such category")})
        self._require_free("slug", self.repo.category_by_slug(values["slug"], published=False))
        category = Category(
            slug=values["slug"], name_zh=values["name_zh"], name_en=values["name_en"],
            parent_id=parent.id if parent else None, depth=parent.depth + 1 if parent else 0,
            position=values["position"], path="",
        )
        self.repo.add(category)
        category.path = f"{parent.path if parent else '/'}{category.id}/"
        self.uow.reference.changed("catalog")
        self.uow.audit.record("catalog.category.create", "category", category.id, after=values)
        return self.category_ref(category)

    def create_brand(self, data: Mapping[str, Any]) -> BrandRef:
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(BrandSchema(), data)
        self._require_free("slug", self.repo.brand_by_slug(values["slug"], published=False))
        brand = Brand(slug=values["slug"], name_zh=values["name_zh"], name_en=values["name_en"])
        self.repo.add(brand)
        self.uow.reference.changed("catalog")
        self.uow.audit.record("catalog.brand.create", "brand", brand.id, after=values)
        return BrandRef(brand.id, brand.slug, self.name(brand))

    def create_attribute(self, data: Mapping[str, Any]) -> str:
        """An attribute with its values; returns its code."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(AttributeSchema(), data)
        self._require_free("code", self.repo.attribute_by_code(values["code"]))
        codes = [v["code"] for v in values["values"]]
        if len(set(codes)) != len(codes):
            raise Invalid({"values": _("Value codes must be unique")})
        attribute = Attribute(code=values["code"], name_zh=values["name_zh"],
                              name_en=values["name_en"], is_variant_axis=values["is_variant_axis"],
                              is_facet=values["is_facet"], position=self.repo.count_attributes())
        self.repo.add(attribute)
        for position, value in enumerate(values["values"]):
            self.repo.add(AttributeValue(attribute_id=attribute.id, code=value["code"],
                                         name_zh=value["name_zh"], name_en=value["name_en"],
                                         position=position))
        self.uow.reference.changed("catalog")
        self.uow.audit.record("catalog.attribute.create", "attribute", attribute.id, after=values)
        return attribute.code

    def create_product(self, data: Mapping[str, Any]) -> ProductCard:
        """Create an SPU with its SKUs; a published one is listed at once."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        values = validate(ProductSchema(), data)
        category = self.repo.category_by_slug(values["category"])
        if category is None:
            raise Invalid({"category": _("No such category")})
        brand = None
        if values["brand"]:
            brand = self.repo.brand_by_slug(values["brand"])
            if brand is None:
                raise Invalid({"brand": _("No such brand")})
        if self.repo.product_by_slug(values["slug"], published=False) is not None:
            raise Invalid({"slug": _("Already taken")})
        codes = [s["code"] for s in values["skus"]]
        if len(set(codes)) != len(codes) or self.repo.skus_by_codes(codes):
            raise Invalid({"skus": _("SKU codes must be unique")})
        value_ids = self._value_ids(values["values"], "values")
        product = Product(
            slug=values["slug"], name_zh=values["name_zh"], name_en=values["name_en"],
            description_html=sanitize_html(values["description_html"]),
            category_id=category.id, brand_id=brand.id if brand else None,
            is_published=values["is_published"], sort_order=values["sort_order"],
        )
        self.repo.add(product)
        all_values = set(value_ids)
        for position, sku_data in enumerate(values["skus"]):
            sku = Sku(product_id=product.id, code=sku_data["code"], price=sku_data["price"],
                      list_price=sku_data["list_price"], stock_on_hand=sku_data["stock_on_hand"],
                      weight_grams=sku_data["weight_grams"], barcode=sku_data["barcode"],
                      position=position)
            self.repo.add(sku)
            for value_id in self._value_ids(sku_data["values"], f"skus.{position}.values"):
                self.repo.add(SkuAttributeValue(sku_id=sku.id, attribute_value_id=value_id))
                all_values.add(value_id)
        for value_id in sorted(all_values):
            self.repo.add(ProductAttributeValue(product_id=product.id, attribute_value_id=value_id))
        self.reindex([product.id])
        self.uow.audit.record("catalog.product.create", "product", product.id,
                              after={**values, "description_html": product.description_html})
        row = self.repo.card_of(product.id)
        return self.card(row)

    def reindex(self, product_ids: Sequence[int] | None = None, *,
                summaries: bool = True) -> None:
        """Re-derive summaries, listing rows and facet counts after products changed.

        ``summaries=False`` skips the per-product price summary, for a bulk load that wrote it.
        """
        if summaries:
            self.repo.refresh_product_summary(product_ids)
        if product_ids is None:
            self.repo.rebuild_listing(None)
            self.repo.refresh_facet_counts(PRICE_BANDS)
            return
        # Only these products' share of each count changes: take the old share away and add
        # the new one, so a write costs the same in a catalog of any size.
        before = self.repo.facet_contributions(product_ids, PRICE_BANDS)
        self.repo.rebuild_listing(product_ids)
        after = self.repo.facet_contributions(product_ids, PRICE_BANDS)
        self.repo.adjust_facet_counts(
            {key: after.get(key, 0) - before.get(key, 0) for key in before.keys() | after.keys()})

    def _value_ids(self, references: Sequence[str], field: str) -> list[int]:
        """Resolve "attribute:value" codes (e.g. "color:red") to attribute value ids."""
        # Not ``attribute, _, value = …``: that would shadow the gettext ``_`` in this scope.
        pairs = [(attribute, value) for attribute, _colon, value
                 in (str(reference).partition(":") for reference in references)]
        found = self.repo.value_ids_by_codes(pairs)
        missing = [f"{a}:{v}" for a, v in pairs if (a, v) not in found]
        if missing:
            raise Invalid({field: _("Unknown attribute values: ${values}",
                                   mapping={"values": ", ".join(missing)})})
        return [found[pair] for pair in pairs]

    @staticmethod
    def _require_free(field: str, existing: object) -> None:
        if existing is not None:
            raise Invalid({field: _("Already taken")})

