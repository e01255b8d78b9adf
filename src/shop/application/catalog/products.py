"""Products as the back office edits them: ``uow.products``.

Staff list products (filtered, searched, sorted and keyset-paged; exported a batch at a time;
changed in bulk with a preview first: see ``shop.application.catalog.product_list``), create
one with its SKUs, edit it (its SKUs' prices, list prices, weights, barcodes and values; new
SKUs), and publish, unpublish or schedule it: a hidden
product with a ``publish_at`` moment goes live then, by the ``publish-scheduled-products``
job (``publish_due``). Every write checks ``catalog:product:write`` here, is audited, and
re-derives the product's listing rows and its share of the ready facet counts.

A SKU's code is how orders, stock and imports name it: it never changes, and a SKU is never
deleted here (orders refer to it). An edit names its SKUs by code; a code the product does
not have yet is a new SKU, whose ``stock_on_hand`` is its opening stock (an existing SKU's
stock belongs to the inventory and is not changed by an edit).

Slugs, SKU codes and barcodes are checked before anything is written; when the database
still refuses one (a write that committed in between), the check runs again and names it at
its field, so a race reads like any other taken key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.catalog.indexing import ListingIndex
from shop.application.catalog.media import Upload, remove_file
from shop.application.catalog.product_draft import ProductDraft
from shop.application.catalog.product_list import (
    BULK_LIMIT,
    COUNT_CAP,
    EXPORT_BATCH,
    MOVE,
    NAMED,
    PAGE_SIZE,
    PRICE_AMOUNT,
    PRICE_PERCENT,
    PUBLISH,
    UNPUBLISH,
    BulkActionSchema,
    BulkOutcome,
    BulkPlan,
    BulkProduct,
    BulkSku,
    Choice,
    ProductExportRow,
    ProductListPage,
    ProductListRow,
    ProductQuerySchema,
    bulk_plan,
    echo,
    state_of,
)
from shop.application.catalog.schemas import (
    ImageAltSchema,
    PlaceSchema,
    ProductSchema,
    SkuSchema,
)
from shop.application.catalog.variant_generator import (
    AxisValue,
    VariantGeneratorSchema,
    VariantPlan,
    plan,
)
from shop.application.errors import Conflict, Invalid, NotFound
from shop.application.i18n import _
from shop.application.locales import pick
from shop.application.validation import entity_key, validate
from shop.data import transaction_manager_of
from shop.data.repositories.attributes import AttributeRepository
from shop.data.repositories.brands import BrandRepository
from shop.data.repositories.categories import CategoryRepository
from shop.data.repositories.product_admin import (
    ProductAdminRepository,
    ProductChange,
    ProductEditRecord,
    ProductKeyRecord,
    ProductQuery,
    SkuPriceWrite,
    ValueChoiceRecord,
)
from shop.data.repositories.products import NewProduct, NewSku, ProductRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

RACED = _("A slug, SKU code or barcode was taken meanwhile; try again")


@dataclass(frozen=True)
class ValueChoice:
    """An attribute value a form offers: "color:red" shown as "Colour: Red"."""

    code: str
    label: str
    attribute_code: str
    attribute_name: str
    value_code: str
    value_name: str
    is_variant_axis: bool


@dataclass(frozen=True)
class SkuRow:
    id: int
    code: str
    price: Decimal
    list_price: Decimal | None
    weight_grams: int
    barcode: str | None
    #: Its variant values as "attribute:value" codes, in the attributes' order.
    values: tuple[str, ...]
    #: "Red / M".
    label: str


@dataclass(frozen=True)
class ImageRow:
    id: int
    url: str
    alt_zh: str
    alt_en: str
    #: Its place in the gallery, from 1; the first is the cover.
    place: int

    @property
    def is_cover(self) -> bool:
        return self.place == 1


@dataclass(frozen=True)
class ProductEditor:
    id: int
    slug: str
    name: str
    name_zh: str
    name_en: str
    description_html: str
    category: str
    brand: str | None
    is_published: bool
    publish_at: datetime | None
    sort_order: int
    reserves_stock: bool
    #: The product's own values ("fit:slim"), its SKUs' left out.
    values: tuple[str, ...]
    skus: tuple[SkuRow, ...]
    images: tuple[ImageRow, ...]
    cover_image_url: str | None

    def form_values(self, zone: Any) -> dict[str, Any]:
        """What the editor form shows: ``ProductSchema``'s fields, the moment in ``zone``
        (the shop's time zone) without its offset, as a person types it."""
        return {
            "slug": self.slug, "name_zh": self.name_zh, "name_en": self.name_en,
            "description_html": self.description_html, "category": self.category,
            "brand": self.brand or "", "is_published": self.is_published,
            "publish_at": (self.publish_at.astimezone(zone).replace(tzinfo=None)
                           if self.publish_at else None),
            "sort_order": self.sort_order, "reserves_stock": self.reserves_stock,
            "values": list(self.values),
            "skus": [{"code": s.code, "price": s.price, "list_price": s.list_price,
                      "stock_on_hand": 0, "weight_grams": s.weight_grams,
                      "barcode": s.barcode, "values": list(s.values)} for s in self.skus],
        }


def value_code(choice: ValueChoiceRecord) -> str:
    return f"{choice.attribute_code}:{choice.value_code}"


class ProductAdminService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = ProductAdminRepository(uow._session)
        self._products = ProductRepository(uow._session)

    def _draft(self) -> ProductDraft:
        session = self.uow._session
        return ProductDraft(CategoryRepository(session), BrandRepository(session),
                            AttributeRepository(session), self._products)

    # -- reading ------------------------------------------------------------------------------

    def products(self, params: Mapping[str, Any] | None = None) -> ProductListPage:
        """One page of the products the filters match (``ProductQuerySchema``; newest first
        when none), ``PAGE_SIZE`` a page, keyset-paged by ``after``: at most three statements
        (the reference copy's token, the page, a count bounded at ``COUNT_CAP``; four after the
        first page, with the anchor), however many products there are and however deep.
        A bad filter is ``Invalid`` at its field; an ``after`` naming no product, ``NotFound``."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        values, query = self._query(params or {})
        anchor = self._anchor(values["after"])
        records = self._repo.search(query, values["sort"], anchor, PAGE_SIZE + 1)
        shown = records[:PAGE_SIZE]
        # A first page that holds every match has counted them: no statement for the count
        # (which, for a rare name, would walk the whole table a second time).
        matched = (len(records) if anchor is None and len(records) <= PAGE_SIZE
                   else self._repo.count_upto(query, COUNT_CAP + 1))
        locale = self.uow.locale
        categories, brands = self.filter_choices()
        return ProductListPage(
            tuple(ProductListRow(r.id, r.slug, pick(locale, r.name_zh, r.name_en),
                                 pick(locale, r.category_name_zh, r.category_name_en),
                                 r.is_published, r.publish_at, r.price, r.cover_image_url,
                                 r.skus) for r in shown),
            echo(values), str(shown[-1].id) if len(records) > PAGE_SIZE else None,
            min(matched, COUNT_CAP), matched > COUNT_CAP, categories, brands)

    def begin_export(self, params: Mapping[str, Any], fmt: str) -> dict[str, str]:
        """Check the filters and record the export in the audit log, as every list's is; the
        cleaned filters for ``export_rows``."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        values, _query = self._query({k: v for k, v in params.items() if k != "after"})
        filters = echo({k: v for k, v in values.items() if k != "after"})
        self.uow._audit.record("catalog.product.export", "product", None,
                               after={"filters": filters, "format": fmt})
        return filters

    def export_rows(self, params: Mapping[str, Any] | None = None) -> Iterator[ProductExportRow]:
        """Every SKU of every product the filters match (``after`` ignored), products in the
        list's order, read ``EXPORT_BATCH`` products at a time by keyset: two statements a
        batch, and memory holds one batch however many match. Run it in a unit of work of its
        own when a response streams it after the request's transaction has ended."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        values, query = self._query({k: v for k, v in (params or {}).items() if k != "after"})
        anchor: ProductKeyRecord | None = None
        while True:
            keys, rows = self._repo.export_batch(query, values["sort"], anchor, EXPORT_BATCH)
            for r in rows:
                yield ProductExportRow(
                    r.product_id, r.slug, r.name_zh, r.name_en, r.category_slug,
                    r.brand_slug or "", state_of(r.is_published, r.publish_at), r.publish_at,
                    r.code, r.barcode or "", r.price, r.list_price, r.weight_grams)
            if len(keys) < EXPORT_BATCH:
                return
            anchor = keys[-1]

    def _query(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], ProductQuery]:
        values = validate(ProductQuerySchema(), params)
        if values["min_price"] is not None and values["max_price"] is not None \
                and values["min_price"] > values["max_price"]:
            raise Invalid({"max_price": _("The highest price is below the lowest")})
        reference = self.uow.catalog.reference()
        category_path = brand_id = None
        errors: dict[str, Any] = {}
        if values["category"]:
            category = next((c for c in reference.categories.values()
                             if c.slug == values["category"]), None)
            if category is None:
                errors["category"] = _("No such category")
            else:
                category_path = category.path
        if values["brand"]:
            brand = reference.brands_by_slug.get(values["brand"])
            if brand is None:
                errors["brand"] = _("No such brand")
            else:
                brand_id = brand.id
        if errors:
            raise Invalid(errors)
        return values, ProductQuery(
            text=values["q"] or None, category_path=category_path, brand_id=brand_id,
            state=values["state"] or None, min_price=values["min_price"],
            max_price=values["max_price"])

    def _anchor(self, after: str) -> ProductKeyRecord | None:
        if not after:
            return None
        key = entity_key(after)
        anchor = self._repo.sort_keys(key) if key is not None else None
        if anchor is None:
            raise NotFound("no such product")
        return anchor

    def filter_choices(self) -> tuple[tuple[Choice, ...], tuple[Choice, ...]]:
        """Every category (depth-first, hidden ones too) and brand, for the filters and the
        move action: from the process's reference copy, no statement of their own."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        reference = self.uow.catalog.reference()
        locale = self.uow.locale
        children: dict[int | None, list[Any]] = {}
        for c in reference.categories.values():
            children.setdefault(c.parent_id, []).append(c)
        ordered: list[Choice] = []

        def walk(parent: int | None) -> None:
            for c in children.get(parent, ()):
                ordered.append(Choice(c.slug, pick(locale, c.name_zh, c.name_en), c.depth))
                walk(c.id)

        walk(None)
        return tuple(ordered), tuple(Choice(b.slug, pick(locale, b.name_zh, b.name_en))
                                     for b in reference.brands.values())

    def value_choices(self) -> tuple[ValueChoice, ...]:
        """Every attribute value, as forms offer them: one statement."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        return tuple(self._choice(c) for c in self._repo.value_choices())

    def product(self, product_id: int | str) -> ProductEditor:
        """A product as its editor shows it: five statements, whatever its SKUs."""
        self.uow.actor.require(Permission.CATALOG_VIEW)
        return self._editor(self._get(product_id))

    # -- writing ------------------------------------------------------------------------------

    def create(self, data: Mapping[str, Any]) -> ProductEditor:
        """A product with its SKUs (see ``CatalogService.create_product``), as its editor
        shows it."""
        card = self.uow.catalog.create_product(data)
        return self._editor(self._get(card.id))

    def update(self, product_id: int | str, data: Mapping[str, Any]) -> ProductEditor:
        """Change a product and its SKUs, and add the SKUs whose codes are new; all or
        nothing. Every refusal names its field (``Invalid``)."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        product = self._get(product_id)
        values = validate(ProductSchema(), data)
        publish_at = publish_moment(self.uow, values, product.publish_at)
        current = self._repo.skus(product.id)
        missing = sorted({s.code for s in current} - {s["code"] for s in values["skus"]})
        if missing:
            raise Invalid({"skus": _(
                "A SKU is never removed (orders and stock refer to it); missing: ${codes}",
                mapping={"codes": ", ".join(missing)})})
        draft = self._draft()
        new = draft.resolve(values, product.id, publish_at)
        by_code = {s.code: s for s in current}
        change = self._change(new, by_code)
        before = self._editor(product)
        with ListingIndex(self.uow).products_changing([product.id]):
            new_ids = self._repo.update(product.id, change)
            if new_ids is None:
                raise taken_or_raced(draft, values, product.id)
            added = dict(zip((s.code for s in change.added), new_ids, strict=True))
            if added:
                self.uow._stock.open({added[s.code]: s.stock_on_hand for s in change.added})
        after = self._editor(self._get(product.id))
        self.uow._audit.record("catalog.product.update", "product", product.id,
                               before=_audited(before), after=_audited(after))
        return after

    def publish(self, product_id: int | str) -> ProductEditor:
        """Show the product now (a schedule it had is done with)."""
        return self._set_published(product_id, True)

    def unpublish(self, product_id: int | str) -> ProductEditor:
        """Take the product off the shop (and any schedule off it)."""
        return self._set_published(product_id, False)

    def publish_due(self, limit: int = 200) -> int:
        """The job's step (system actor only): publish the hidden products whose moment came;
        how many. Each is a conditional update, so two runs at once publish a product once."""
        self.uow.actor.require_system()
        now = self.uow.clock.now()
        due = self._repo.due_for_publishing(now, limit)
        if not due:
            return 0
        with ListingIndex(self.uow).products_changing(due):
            published = [key for key in due if self._repo.publish_if_due(key, now)]
        for key in published:
            self.uow._audit.record("catalog.product.publish", "product", key,
                                   before={"is_published": False},
                                   after={"is_published": True})
        return len(published)

    # -- bulk actions -------------------------------------------------------------------------

    def bulk_preview(self, data: Mapping[str, Any]) -> BulkPlan:
        """What a bulk action (``BulkActionSchema``) would change, product by product and SKU
        by SKU; writes nothing. Refusals are ``Invalid`` at their field, as applying's are."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        return self._bulk_plan(data)[0]

    def bulk_apply(self, data: Mapping[str, Any]) -> BulkOutcome:
        """Apply a bulk action whose preview had ``data["fingerprint"]``: all of it in this
        transaction, or nothing. When the catalog changed since (the same computation gives
        another plan now), nothing is written and the outcome carries the new plan to show.
        A price is written only where the SKU still has the price and list price the plan
        read, so an edit another person commits between the plan and the write (PostgreSQL's
        READ COMMITTED lets one in) is never overwritten: then nothing at all is written and
        the outcome carries the new plan, as when the fingerprint differs.
        One audit entry per product changed; listing rows and ready counts follow."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        current, values, destination = self._bulk_plan(data)
        if values["fingerprint"] != current.fingerprint:
            return BulkOutcome(False, current)
        ids = [c.id for c in current.changes]
        if not ids:
            return BulkOutcome(True, current)
        action = current.action
        try:
            with ListingIndex(self.uow).products_changing(ids):
                if action in (PUBLISH, UNPUBLISH):
                    self._repo.set_published_many(ids, action == PUBLISH)
                elif action == MOVE:
                    assert destination is not None
                    self._repo.move_many(ids, destination)
                elif not self._repo.set_sku_prices([
                        SkuPriceWrite(s.id, s.old_price, s.list_price, s.new_price)
                        for c in current.changes for s in c.skus]):
                    raise _PricesMoved
        except _PricesMoved:
            return BulkOutcome(False, self._bulk_plan(data)[0])
        audit = self.uow._audit.record
        for c in current.changes:
            if action in (PUBLISH, UNPUBLISH):
                audit(f"catalog.product.{action}", "product", c.id,
                      before={"is_published": c.was_published, "publish_at": c.publish_at},
                      after={"is_published": c.now_published, "publish_at": None,
                             "bulk": len(ids)})
            elif action == MOVE:
                audit("catalog.product.bulk", "product", c.id,
                      before={"category": c.old_category},
                      after={"category": c.new_category, "bulk": len(ids)})
            else:
                audit("catalog.product.bulk", "product", c.id,
                      before={"skus": {s.code: {"price": s.old_price} for s in c.skus}},
                      after={"skus": {s.code: {"price": s.new_price} for s in c.skus},
                             "change": (f"{current.target}%" if action == PRICE_PERCENT
                                        else current.target), "bulk": len(ids)})
        return BulkOutcome(True, current)

    def _bulk_plan(self, data: Mapping[str, Any]) -> tuple[BulkPlan, dict[str, Any], int | None]:
        """The one computation behind the preview and the application: the plan, the cleaned
        values and the destination category's id (``move``)."""
        values = validate(BulkActionSchema(), data)
        action = values["action"]
        destination: tuple[int, str] | None = None
        if action == MOVE:
            found = next((c for c in self.uow.catalog.reference().categories.values()
                          if c.slug == values["category"]), None) if values["category"] else None
            if found is None:
                raise Invalid({"category": _("Choose the category to move them to")})
            destination = (found.id, pick(self.uow.locale, found.name_zh, found.name_en))
        if action in (PRICE_PERCENT, PRICE_AMOUNT):
            change = values["change"]
            if change is None or change == 0:
                raise Invalid({"change": _("Enter the change, e.g. -10 or 5.00")})
            if action == PRICE_PERCENT and not Decimal(-100) <= change <= Decimal(1000):
                raise Invalid({"change": _("A percentage from -100 to 1000")})
        chosen = self._chosen(values)
        records = self._repo.bulk_products(chosen)
        missing = sorted(set(chosen) - {r.id for r in records})
        if missing:
            raise Invalid({"products": _("No such product: ${ids}", mapping={
                "ids": ", ".join(map(str, missing[:NAMED]))})})
        locale = self.uow.locale
        products = [BulkProduct(r.id, r.slug, pick(locale, r.name_zh, r.name_en), r.category_id,
                                pick(locale, r.category_name_zh, r.category_name_en),
                                r.is_published, r.publish_at) for r in records]
        skus = ([BulkSku(s.id, s.product_id, s.code, s.price, s.list_price)
                 for s in self._repo.sku_prices(chosen)]
                if action in (PRICE_PERCENT, PRICE_AMOUNT) else [])
        echoed = {"action": action, "products": [str(key) for key in chosen],
                  "category": values["category"] if action == MOVE else "",
                  "change": str(values["change"]) if action in (PRICE_PERCENT, PRICE_AMOUNT)
                  else ""}
        result, refusals = bulk_plan(action, chosen, products, skus, category=destination,
                                     change=values["change"], echo=echoed)
        if refusals.free:
            raise Invalid({"change": _(
                "${count} SKUs would cost nothing or less: ${codes}; make the change smaller",
                mapping={"count": len(refusals.free), "codes": _named(refusals.free)})})
        if refusals.above_list:
            raise Invalid({"change": _(
                "The price would rise above the list price of ${count} SKUs: ${codes}; "
                "lower their list prices first", mapping={
                    "count": len(refusals.above_list),
                    "codes": _named(refusals.above_list)})})
        return result, values, destination[0] if destination else None

    def _chosen(self, values: Mapping[str, Any]) -> list[int]:
        """The products a bulk action is for: the ticked ones, or the first ``BULK_LIMIT``
        the list's filters match (refused when more do)."""
        if values["scope"] == "matching":
            filters, query = self._query(
                {k: v for k, v in dict(values.get("filters") or {}).items() if k != "after"})
            ids = self._repo.ids_matching(query, filters["sort"], BULK_LIMIT + 1)
            if len(ids) > BULK_LIMIT:
                raise Invalid({"products": _(
                    "More than ${max} products match; narrow the filter",
                    mapping={"max": BULK_LIMIT})})
        else:
            ids = []
            for given in values["products"]:
                key = entity_key(given)
                if key is None:
                    raise Invalid({"products": _("No such product: ${ids}",
                                                 mapping={"ids": str(given)[:20]})})
                ids.append(key)
        chosen = sorted(set(ids))
        if not chosen:
            raise Invalid({"products": _("Choose at least one product")})
        return chosen

    # -- images -------------------------------------------------------------------------------

    def add_image(self, product_id: int | str, upload: Upload | None,
                  data: Mapping[str, Any] | None = None) -> ProductEditor:
        """An image after the product's others (the first is the cover), from ``upload``;
        ``data`` may give its ``alt_zh`` and ``alt_en`` text. ``Invalid`` at ``image`` (and
        nothing written, no file either) when it is not a JPEG, PNG or WebP image within the
        size limit."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        product = self._get(product_id)
        alt = validate(ImageAltSchema(), dict(data or {}))
        media = self.uow.shop.media
        content, kind = media.checked_image(upload)
        path, url = media.write(content, kind)
        manager = transaction_manager_of(self.uow._session).get()
        # The file goes again if the transaction does not commit.
        manager.addAfterAbortHook(remove_file, args=(path,))
        manager.addAfterCommitHook(_remove_unless, args=(path,))
        image_id = self._repo.add_image(product.id, url, alt["alt_zh"], alt["alt_en"])
        self._images_changed(product.id)
        self.uow._audit.record("catalog.product.image.add", "product", product.id,
                               after={"url": url, "image": image_id, **alt})
        return self._editor(self._get(product.id))

    def remove_image(self, product_id: int | str, image_id: int | str) -> ProductEditor:
        """Take an image out of the gallery; its file is deleted once that commits."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        product = self._get(product_id)
        image = self._image(product.id, image_id)
        self._repo.delete_image(image.id)
        self._images_changed(product.id)
        path = self.uow.shop.media.file_of(image.url)
        if path is not None:
            transaction_manager_of(self.uow._session).get().addAfterCommitHook(
                _remove_if, args=(path,))
        self.uow._audit.record("catalog.product.image.remove", "product", product.id,
                               before={"url": image.url, "image": image.id})
        return self._editor(self._get(product.id))

    def move_image(self, product_id: int | str, image_id: int | str,
                   data: Mapping[str, Any]) -> ProductEditor:
        """Put an image at ``place`` (from 1) in the gallery: place 1 makes it the cover."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        product = self._get(product_id)
        image = self._image(product.id, image_id)
        place = validate(PlaceSchema(), data)["place"]
        images = self._repo.images(product.id)
        order = [i.id for i in images]
        old_place = order.index(image.id) + 1
        order.remove(image.id)
        order.insert(min(place, len(images)) - 1, image.id)
        positions = {i.id: i.position for i in images}
        moved = {key: spot for spot, key in enumerate(order) if positions[key] != spot}
        if order.index(image.id) + 1 != old_place or moved:
            self._repo.set_image_positions(moved)
            self._images_changed(product.id)
            self.uow._audit.record("catalog.product.image.reorder", "product", product.id,
                                   before={"image": image.id, "place": old_place},
                                   after={"image": image.id, "place": order.index(image.id) + 1})
        return self._editor(self._get(product.id))

    def _image(self, product_id: int, image_id: int | str) -> Any:
        key = entity_key(image_id)
        found = next((i for i in self._repo.images(product_id) if i.id == key), None)
        if found is None:
            raise NotFound(f"no image {image_id} of product {product_id}")
        return found

    def _images_changed(self, product_id: int) -> None:
        """The cover is the gallery's first image: product cards and listings show it."""
        images = self._repo.images(product_id)
        self._repo.set_cover(product_id, images[0].url if images else None)

    # -- more SKUs ----------------------------------------------------------------------------

    def add_sku(self, product_id: int | str, data: Mapping[str, Any]) -> ProductEditor:
        """One more SKU (``SkuSchema``: its ``stock_on_hand`` is its opening stock)."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        product = self._get(product_id)
        sku = validate(SkuSchema(), data)
        errors = self._taken_sku_fields(sku)
        value_ids = self._draft().value_ids({"values": sku["values"]}, errors)["values"]
        if errors:
            raise Invalid(errors)
        new = NewSku(sku["code"], sku["price"], sku["list_price"], sku["stock_on_hand"],
                     sku["weight_grams"], sku["barcode"], value_ids)
        self._add_skus(product.id, [new], lambda: self._taken_sku_fields(sku))
        self.uow._audit.record("catalog.product.sku.add", "product", product.id, after=sku)
        return self._editor(self._get(product.id))

    def plan_variants(self, product_id: int | str, data: Mapping[str, Any]) -> VariantPlan:
        """What ``generate_variants`` would create and keep; writes nothing."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        return self._plan(self._get(product_id), data)[0]

    def generate_variants(self, product_id: int | str, data: Mapping[str, Any]) -> VariantPlan:
        """Create every planned SKU the product has not got, all or nothing; a code another
        SKU has is refused at ``pattern`` (``Invalid``) and nothing is written."""
        self.uow.actor.require(Permission.CATALOG_WRITE)
        product = self._get(product_id)
        made, values = self._plan(product, data)
        new = made.new
        if not new:
            raise Invalid({"values": _("The product has every one of these SKUs already")})
        codes = [s.code for s in new]

        def taken() -> dict[str, Any]:
            found = sorted(self._products.taken_sku_codes(codes))
            return ({"pattern": _("Codes already taken: ${codes}",
                                  mapping={"codes": ", ".join(found)})} if found else {})

        if errors := taken():
            raise Invalid(errors)
        self._add_skus(product.id, [
            NewSku(s.code, s.price, s.list_price, values["stock_on_hand"],
                   values["weight_grams"], None, s.value_ids) for s in new], taken)
        self.uow._audit.record("catalog.product.skus.generate", "product", product.id, after={
            "pattern": values["pattern"], "values": values["values"],
            "price_rule": values["price_rule"], "skus": codes})
        return made

    def _plan(self, product: ProductEditRecord,
              data: Mapping[str, Any]) -> tuple[VariantPlan, dict[str, Any]]:
        values = validate(VariantGeneratorSchema(), data)
        locale = self.uow.locale
        axes = [AxisValue(c.attribute_code, c.attribute_id, c.value_code, c.value_id,
                          pick(locale, c.value_name_zh, c.value_name_en))
                for c in self._repo.value_choices() if c.is_variant_axis]
        of_skus: dict[int, set[int]] = {}
        for sku_id, value_id in self._repo.carried_values(product.id):
            if sku_id is not None:
                of_skus.setdefault(sku_id, set()).add(value_id)
        existing = {frozenset(ids): str(sku_id) for sku_id, ids in of_skus.items()}
        return plan(values, product.slug, axes, existing), values

    def _add_skus(self, product_id: int, skus: list[NewSku],
                  taken: Callable[[], dict[str, Any]]) -> None:
        """Write new SKUs with their opening stock; the index follows. ``taken`` names the
        fields at fault when the database refuses a key taken meanwhile."""
        with ListingIndex(self.uow).products_changing([product_id]):
            ids = self._repo.add_skus(product_id, skus)
            if ids is None:
                errors = taken()
                raise Invalid(errors) if errors else Conflict(RACED)
            self.uow._stock.open({sku_id: s.stock_on_hand
                                  for sku_id, s in zip(ids, skus, strict=True)})

    def _taken_sku_fields(self, sku: Mapping[str, Any]) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if self._products.taken_sku_codes([sku["code"]]):
            errors["code"] = _("Already taken")
        if sku["barcode"] is not None and self._products.taken_barcodes([sku["barcode"]]):
            errors["barcode"] = _("Already taken")
        return errors

    # -- helpers ------------------------------------------------------------------------------

    def _set_published(self, product_id: int | str, published: bool) -> ProductEditor:
        self.uow.actor.require(Permission.CATALOG_WRITE)
        product = self._get(product_id)
        if product.is_published != published or product.publish_at is not None:
            with ListingIndex(self.uow).products_changing([product.id]):
                self._repo.set_published(product.id, published, None)
            self.uow._audit.record(
                "catalog.product.publish" if published else "catalog.product.unpublish",
                "product", product.id,
                before={"is_published": product.is_published, "publish_at": product.publish_at},
                after={"is_published": published, "publish_at": None})
        return self._editor(self._get(product.id))

    def _change(self, new: NewProduct, by_code: Mapping[str, Any]) -> ProductChange:
        columns = {
            "slug": new.slug, "name_zh": new.name_zh, "name_en": new.name_en,
            "description_html": new.description_html, "category_id": new.category_id,
            "brand_id": new.brand_id, "is_published": new.is_published,
            "publish_at": new.publish_at, "sort_order": new.sort_order,
            "reserves_stock": new.reserves_stock,
        }
        changed = {by_code[s.code].id: ({"price": s.price, "list_price": s.list_price,
                                         "weight_grams": s.weight_grams,
                                         "barcode": s.barcode}, s.value_ids)
                   for s in new.skus if s.code in by_code}
        return ProductChange(columns, new.value_ids, changed,
                             tuple(s for s in new.skus if s.code not in by_code))

    def _get(self, product_id: int | str) -> ProductEditRecord:
        key = entity_key(product_id)
        product = self._repo.get(key) if key is not None else None
        if product is None:
            raise NotFound(f"no product {product_id}")
        return product

    def _choice(self, c: ValueChoiceRecord) -> ValueChoice:
        locale = self.uow.locale
        attribute = pick(locale, c.attribute_name_zh, c.attribute_name_en)
        value = pick(locale, c.value_name_zh, c.value_name_en)
        return ValueChoice(value_code(c), f"{attribute}: {value}", c.attribute_code, attribute,
                           c.value_code, value, c.is_variant_axis)

    def _editor(self, product: ProductEditRecord) -> ProductEditor:
        choices = {c.value_id: c for c in self._repo.value_choices()}
        order = {value_id: place for place, value_id in enumerate(choices)}
        carried = self._repo.carried_values(product.id)
        of_skus: dict[int, list[int]] = {}
        for sku_id, value_id in carried:
            if sku_id is not None:
                of_skus.setdefault(sku_id, []).append(value_id)
        skus_values = {v for values in of_skus.values() for v in values}
        own = sorted((v for sku_id, v in carried if sku_id is None and v not in skus_values),
                     key=order.__getitem__)
        locale = self.uow.locale

        def sku_row(s: Any) -> SkuRow:
            ids = sorted(of_skus.get(s.id, ()), key=order.__getitem__)
            return SkuRow(s.id, s.code, s.price, s.list_price, s.weight_grams, s.barcode,
                          tuple(value_code(choices[v]) for v in ids),
                          " / ".join(pick(locale, choices[v].value_name_zh,
                                          choices[v].value_name_en) for v in ids))

        return ProductEditor(
            product.id, product.slug, pick(locale, product.name_zh, product.name_en),
            product.name_zh, product.name_en, product.description_html, product.category_slug,
            product.brand_slug, product.is_published, product.publish_at, product.sort_order,
            product.reserves_stock, tuple(value_code(choices[v]) for v in own),
            tuple(map(sku_row, self._repo.skus(product.id))),
            tuple(ImageRow(i.id, i.url, i.alt_zh, i.alt_en, place)
                  for place, i in enumerate(self._repo.images(product.id), start=1)),
            product.cover_image_url)


def publish_moment(uow: UnitOfWork, values: Mapping[str, Any],
                   current: datetime | None = None) -> datetime | None:
    """``values["publish_at"]`` as an aware moment (a moment typed without an offset is in the
    shop's time zone); refused when it has passed (unless it is the ``current`` one, which the
    job is about to act on) or the product is shown already."""
    moment = values.get("publish_at")
    if moment is None:
        return None
    if values["is_published"]:
        raise Invalid({"publish_at": _(
            "A shown product is live already: leave this empty, or untick “Shown”")})
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=uow.settings.current().zone)
    if moment <= uow.clock.now() and moment != current:
        raise Invalid({"publish_at": _("This time has passed")})
    return moment  # type: ignore[no-any-return]


def _named(codes: list[str]) -> str:
    """Up to ``NAMED`` SKU codes for a refusal, with " …" when there are more."""
    return ", ".join(codes[:NAMED]) + (" …" if len(codes) > NAMED else "")


class _PricesMoved(Exception):
    """A SKU's price or list price was changed by someone else between the plan and its
    write: raised through ``ListingIndex.products_changing`` so nothing is re-derived."""


def _remove_unless(committed: bool, path: Path) -> None:
    """After a commit hook: a file written for a transaction that did not commit goes."""
    if not committed:
        remove_file(path)


def _remove_if(committed: bool, path: Path) -> None:
    """After a commit hook: a removed image's file goes once the removal committed."""
    if committed:
        remove_file(path)


def _audited(editor: ProductEditor) -> dict[str, Any]:
    """What an edit's audit entry compares: the product's fields, and each SKU's by code."""
    return {
        "slug": editor.slug, "name_zh": editor.name_zh, "name_en": editor.name_en,
        "description_html": editor.description_html, "category": editor.category,
        "brand": editor.brand, "is_published": editor.is_published,
        "publish_at": editor.publish_at, "sort_order": editor.sort_order,
        "reserves_stock": editor.reserves_stock, "values": list(editor.values),
        "skus": {s.code: {"price": s.price, "list_price": s.list_price,
                          "weight_grams": s.weight_grams, "barcode": s.barcode,
                          "values": list(s.values)} for s in editor.skus},
    }


def taken_or_raced(draft: ProductDraft, values: Mapping[str, Any],
                   product_id: int | None = None) -> Invalid | Conflict:
    """After the database refused a write for a unique key: the keys taken now, each at its
    field; a ``Conflict`` when none is (a reference went away meanwhile)."""
    errors = draft.taken(values, product_id)
    return Invalid(errors) if errors else Conflict(RACED)

