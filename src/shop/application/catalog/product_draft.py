"""A new product's validated input checked against the catalog, before anything is written.

Every reference (category, brand, attribute values) is resolved and every key (slug, SKU codes,
barcodes) checked in a few statements, whatever the number of SKUs, and every problem is
reported at once, each under its field: staff fix a form in one pass, and an import learns all
that is wrong with a row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shop.application.catalog.sanitize import sanitize_html
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.data.repositories.attributes import AttributeRepository
from shop.data.repositories.brands import BrandRepository
from shop.data.repositories.categories import CategoryRepository
from shop.data.repositories.products import NewProduct, NewSku, ProductRepository


class ProductDraft:
    def __init__(self, categories: CategoryRepository, brands: BrandRepository,
                 attributes: AttributeRepository, products: ProductRepository) -> None:
        self.categories = categories
        self.brands = brands
        self.attributes = attributes
        self.products = products

    def resolve(self, values: Mapping[str, Any], product_id: int | None = None,
                publish_at: datetime | None = None) -> NewProduct:
        """``values`` (deserialized by ``ProductSchema``) as a product ready to write; raises
        ``Invalid`` naming every field that refers to something missing or takes a taken key.

        ``product_id`` is the product being edited: its own slug and SKU keys are not taken.
        """
        errors: dict[str, Any] = {}
        category = self.categories.by_slug(values["category"])
        if category is None:
            errors["category"] = _("No such category")
        brand = self.brands.by_slug(values["brand"]) if values["brand"] else None
        if values["brand"] and brand is None:
            errors["brand"] = _("No such brand")
        skus = values["skus"]
        errors.update(self.taken(values, product_id))
        value_ids = self.value_ids(
            {"values": values["values"],
             **{f"skus.{position}.values": sku["values"] for position, sku in enumerate(skus)}},
            errors)
        if errors or category is None:
            raise Invalid(errors)
        return NewProduct(
            slug=values["slug"], name_zh=values["name_zh"], name_en=values["name_en"],
            description_html=sanitize_html(values["description_html"]),
            category_id=category.id, brand_id=brand.id if brand else None,
            is_published=values["is_published"], sort_order=values["sort_order"],
            reserves_stock=values["reserves_stock"], publish_at=publish_at,
            value_ids=value_ids["values"],
            skus=tuple(
                NewSku(code=sku["code"], price=sku["price"], list_price=sku["list_price"],
                       stock_on_hand=sku["stock_on_hand"], weight_grams=sku["weight_grams"],
                       barcode=sku["barcode"], value_ids=value_ids[f"skus.{position}.values"])
                for position, sku in enumerate(skus)),
        )

    def taken(self, values: Mapping[str, Any], product_id: int | None = None) -> dict[str, Any]:
        """The slug, SKU codes and barcodes of ``values`` that another product has, each
        under its field. Asked before a write, and again after a write the database refused
        for a unique key: a key taken by a write that committed in between is then named at
        its field like any other."""
        errors = self._taken_keys(values["skus"], product_id)
        if self.products.slug_taken(values["slug"], product_id):
            errors["slug"] = _("Already taken")
        return errors

    def _taken_keys(self, skus: Sequence[Mapping[str, Any]],
                    product_id: int | None) -> dict[str, Any]:
        """SKU codes and barcodes another product has (the schema saw to this one's own)."""
        taken_codes = self.products.taken_sku_codes([sku["code"] for sku in skus], product_id)
        barcodes = [sku["barcode"] for sku in skus if sku["barcode"] is not None]
        taken_barcodes = (self.products.taken_barcodes(barcodes, product_id) if barcodes
                          else set())
        errors: dict[str, Any] = {}
        for position, sku in enumerate(skus):
            if sku["code"] in taken_codes:
                errors[f"skus.{position}.code"] = _("Already taken")
            if sku["barcode"] in taken_barcodes:
                errors[f"skus.{position}.barcode"] = _("Already taken")
        return errors

    def value_ids(self, references: Mapping[str, Sequence[str]],
                   errors: dict[str, Any]) -> dict[str, tuple[int, ...]]:
        """Each field's "attribute:value" codes (e.g. "color:red") as attribute value ids, all
        looked up in one statement; a field naming unknown values gets an error instead."""
        pairs = {field: [_attribute_and_value(code) for code in codes]
                 for field, codes in references.items()}
        found = self.attributes.value_ids_by_codes(
            list({pair for field_pairs in pairs.values() for pair in field_pairs}))
        resolved: dict[str, tuple[int, ...]] = {}
        for field, field_pairs in pairs.items():
            missing = [f"{attribute}:{value}" for attribute, value in field_pairs
                       if (attribute, value) not in found]
            if missing:
                errors[field] = _("Unknown attribute values: ${values}",
                                  mapping={"values": ", ".join(missing)})
            resolved[field] = tuple(dict.fromkeys(found[p] for p in field_pairs if p in found))
        return resolved


def _attribute_and_value(code: object) -> tuple[str, str]:
    # "_colon", not "_": in this module "_" is gettext.
    attribute, _colon, value = str(code).partition(":")
    return attribute, value
