"""What the catalog's repositories hand the application tier: plain, frozen, typed records.

A record carries both languages' names side by side; the application tier picks the visitor's.
Storefront reads are Core statements whose columns are labelled and ordered as their record's
fields (``record_columns``), so each row unpacks into its record positionally (``fetch``):
building ORM entities, or records by name, costs more than the small queries a page makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.orm import Session

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    id: int
    slug: str
    name_zh: str
    name_en: str
    parent_id: int | None
    #: Ancestor ids from the root down, this one included, as "/1/5/12/".
    path: str
    depth: int
    position: int
    is_published: bool


@dataclass(frozen=True, slots=True)
class BrandRecord:
    id: int
    slug: str
    name_zh: str
    name_en: str
    position: int
    is_published: bool


@dataclass(frozen=True, slots=True)
class AttributeRecord:
    id: int
    code: str
    name_zh: str
    name_en: str
    position: int
    is_variant_axis: bool
    is_facet: bool
    #: How many values it has.
    values: int


@dataclass(frozen=True, slots=True)
class AttributeValueRecord:
    id: int
    code: str
    name_zh: str
    name_en: str
    position: int
    #: Products and SKUs that carry it: a value in use is never deleted.
    products: int
    skus: int


@dataclass(frozen=True, slots=True)
class FacetValueRecord:
    """One value of a facet attribute, with its attribute."""

    attribute_id: int
    attribute_code: str
    attribute_name_zh: str
    attribute_name_en: str
    value_id: int
    value_code: str
    value_name_zh: str
    value_name_en: str


@dataclass(frozen=True, slots=True)
class CardRecord:
    """What a product card shows."""

    id: int
    slug: str
    name_zh: str
    name_en: str
    price: Decimal
    list_price: Decimal | None
    in_stock: bool
    cover_image_url: str | None
    brand_name_zh: str | None
    brand_name_en: str | None
    #: What promotions match a card on.
    category_id: int
    brand_id: int | None


@dataclass(frozen=True, slots=True)
class ProductDetailRecord:
    """A published product's page header: the product, its brand and its category."""

    id: int
    slug: str
    name_zh: str
    name_en: str
    description_html: str
    category_id: int
    category_slug: str
    category_name_zh: str
    category_name_en: str
    category_path: str
    brand_id: int | None
    brand_slug: str | None
    brand_name_zh: str | None
    brand_name_en: str | None


@dataclass(frozen=True, slots=True)
class SkuRecord:
    id: int
    code: str
    price: Decimal
    list_price: Decimal | None
    #: On hand minus reserved, in every warehouse.
    available: int
    weight_grams: int
    barcode: str | None


@dataclass(frozen=True, slots=True)
class SkuValueRecord:
    """A variant axis value of one SKU, with its attribute."""

    sku_id: int
    attribute_id: int
    attribute_name_zh: str
    attribute_name_en: str
    value_id: int
    value_name_zh: str
    value_name_en: str


@dataclass(frozen=True, slots=True)
class SpecRecord:
    """An attribute of a product that is not a variant axis (版型, material …) and its value."""

    attribute_name_zh: str
    attribute_name_en: str
    value_name_zh: str
    value_name_en: str


@dataclass(frozen=True, slots=True)
class ImageRecord:
    url: str
    alt_zh: str
    alt_en: str


def record_columns(record: type[Any], columns: Mapping[str, Any]) -> list[Any]:
    """``columns`` (field name → column) labelled and ordered as ``record``'s fields."""
    names = [f.name for f in fields(record)]
    if set(names) != set(columns):
        raise TypeError(f"{record.__name__} needs the columns {names}, got {sorted(columns)}")
    return [columns[name].label(name) for name in names]


def fetch(session: Session, statement: Any, params: Mapping[str, Any],
          record: type[R]) -> list[R]:
    """The rows of a prebuilt Core statement as ``record``s, run on the session's connection:
    the ORM's per-statement bookkeeping is most of a small read's cost."""
    return [record(*row) for row in session.connection().execute(statement, params)]
