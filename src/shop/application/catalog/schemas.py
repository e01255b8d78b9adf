"""Valid catalog input: the browse query of a listing page and the writes of staff and scripts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import colander

from shop.application.i18n import _
from shop.application.inventory.schemas import MAX_ADJUSTMENT
from shop.application.money import Money, to_money

PAGE_SIZES = (24, 48, 96)
DEFAULT_PAGE_SIZE = 48
#: Deep pages are bounded, not keyset: a shareable "page 7" link matters more to shoppers than
#: page 3,000, and at most MAX_PAGE * 96 index entries are ever skipped (see README, Performance).
MAX_PAGE = 100
SORT_KEYS = ("relevance", "sales", "price_asc", "price_desc", "newest")
#: Price bands shown as a facet (lower bound inclusive, upper exclusive; None is open-ended).
PRICE_BANDS: tuple[tuple[Decimal, Decimal | None], ...] = tuple(
    (Decimal(lo), Decimal(hi) if hi else None)
    for lo, hi in [("0", "50"), ("50", "100"), ("100", "200"), ("200", "500"), ("500", "1000"),
                   ("1000", "2000"), ("2000", "5000"), ("5000", None)]
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MESSAGE = _("Use lower-case letters, digits and single hyphens")
#: Up to 12 whole digits, as many as a price column holds (Numeric(14, 2)); ASCII digits only.
_PRICE_RANGE = re.compile(
    r"^\s*([0-9]{1,12}(?:\.[0-9]{1,2})?)?\s*-\s*([0-9]{1,12}(?:\.[0-9]{1,2})?)?\s*$")


def price_band_param(lo: Decimal, hi: Decimal | None) -> str:
    return f"{lo:f}-{hi:f}" if hi is not None else f"{lo:f}-"


class PriceRange(colander.SchemaType):
    """``"100-200"``, ``"100-"`` or ``"-200"`` → ``(min, max)`` in yuan, both ends inclusive."""

    def serialize(self, node, appstruct):  # type: ignore[no-untyped-def]
        if appstruct is colander.null:
            return colander.null
        lo, hi = appstruct
        return f"{'' if lo is None else lo}-{'' if hi is None else hi}"

    def deserialize(self, node, cstruct):  # type: ignore[no-untyped-def]
        if cstruct in (colander.null, ""):
            return colander.null
        match = _PRICE_RANGE.match(str(cstruct))
        if not match or match.groups() == (None, None):
            raise colander.Invalid(node, _("Give a price range like 100-200"))
        lo, hi = (to_money(x) if x else None for x in match.groups())
        if lo is not None and hi is not None and lo > hi:
            raise colander.Invalid(node, _("The lower price is above the upper one"))
        return (lo, hi)


class ListingQuerySchema(colander.MappingSchema):
    """The fixed part of a listing's query string; attribute filters are resolved by code."""

    page = colander.SchemaNode(colander.Int(), missing=1, validator=colander.Range(
        1, MAX_PAGE, min_err=_("Pages start at 1"),
        max_err=_("At most ${max} pages are shown; narrow the filters")))
    per_page = colander.SchemaNode(colander.Int(), missing=DEFAULT_PAGE_SIZE,
                                   validator=colander.OneOf(PAGE_SIZES))
    sort = colander.SchemaNode(colander.String(), missing="relevance",
                               validator=colander.OneOf(SORT_KEYS))
    price = colander.SchemaNode(PriceRange(), missing=None)
    brand = colander.SchemaNode(colander.List(), missing=(), validator=colander.Length(max=20))
    q = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(max=100))


def _list_price_not_below_price(node: colander.SchemaNode, sku: dict[str, Any]) -> None:
    if sku["list_price"] is not None and sku["list_price"] < sku["price"]:
        error = colander.Invalid(node)
        error["list_price"] = _("The list price is below the price")
        raise error


NOT_NEGATIVE = colander.Range(min=0, min_err=_("A price cannot be negative"))


class SkuSchema(colander.MappingSchema):
    validator = staticmethod(_list_price_not_below_price)

    code = colander.SchemaNode(colander.String(), validator=colander.Length(1, 80))
    price = colander.SchemaNode(Money(), validator=NOT_NEGATIVE)
    list_price = colander.SchemaNode(Money(), missing=None, validator=NOT_NEGATIVE)
    #: Opening stock, recorded by the inventory (as one adjustment at most).
    stock_on_hand = colander.SchemaNode(colander.Int(), missing=0,
                                        validator=colander.Range(min=0, max=MAX_ADJUSTMENT))
    weight_grams = colander.SchemaNode(colander.Int(), missing=0, validator=colander.Range(min=0))
    barcode = colander.SchemaNode(colander.String(), missing=None, validator=colander.Regex(
        r"^\d{8,14}$", _("A barcode has 8 to 14 digits")))
    values = colander.SchemaNode(colander.List(), missing=())


def _skus_valid(node: colander.SchemaNode, skus: list[dict[str, Any]]) -> None:
    """At least one SKU, and no two share a code or a barcode."""
    if not skus:
        raise colander.Invalid(node, _("A product needs at least one SKU"))
    error = colander.Invalid(node)
    seen: dict[str, set[str]] = {"code": set(), "barcode": set()}
    for position, sku in enumerate(skus):
        clash = colander.Invalid(node.children[0])
        for field, values in seen.items():
            if sku[field] is not None and sku[field] in values:
                clash[field] = _("Used by another SKU of this product")
            values.add(sku[field])
        if clash.children:
            error.add(clash, position)
    if error.children:
        raise error


class SkuList(colander.SequenceSchema):
    validator = staticmethod(_skus_valid)

    sku = SkuSchema()


class ProductSchema(colander.MappingSchema):
    # As long as the column holds (PostgreSQL refuses a longer one with an error).
    slug = colander.SchemaNode(colander.String(), validator=colander.All(
        colander.Length(max=120), colander.Regex(SLUG, SLUG_MESSAGE)))
    name_zh = colander.SchemaNode(colander.String(), validator=colander.Length(1, 200))
    name_en = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 200))
    description_html = colander.SchemaNode(colander.String(), missing="")
    category = colander.SchemaNode(colander.String())
    brand = colander.SchemaNode(colander.String(), missing=None)
    is_published = colander.SchemaNode(colander.Boolean(), missing=False)
    sort_order = colander.SchemaNode(colander.Int(), missing=0)
    #: 下单减库存 (True: reserved at submission) or 付款减库存 (False: taken at payment).
    reserves_stock = colander.SchemaNode(colander.Boolean(), missing=True)
    values = colander.SchemaNode(colander.List(), missing=())
    skus = SkuList()
    #: When a hidden product goes live by itself; without an offset, in the shop's time zone.
    publish_at = colander.SchemaNode(colander.DateTime(default_tzinfo=None), missing=None)


#: A display position (among siblings, brands, values) as staff or a script may give it.
MAX_POSITION = 100_000


class CategoryEditSchema(colander.MappingSchema):
    """What renaming a category changes: its address and its names."""

    slug = colander.SchemaNode(colander.String(), validator=colander.All(
        colander.Length(max=80), colander.Regex(SLUG, SLUG_MESSAGE)))
    name_zh = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    name_en = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 120))


class CategorySchema(CategoryEditSchema):
    """A new category: under ``parent`` (a slug; at the top when empty), at ``position`` among
    its siblings (after them all when not given)."""

    parent = colander.SchemaNode(colander.String(), missing=None)
    position = colander.SchemaNode(colander.Int(), missing=None,
                                   validator=colander.Range(0, MAX_POSITION))


class CategoryMoveSchema(colander.MappingSchema):
    """Where a category goes: under ``parent`` (a slug), or to the top when it is empty."""

    parent = colander.SchemaNode(colander.String(), missing=None)


class PlaceSchema(colander.MappingSchema):
    """A place in a list shown in order (siblings, an attribute's values), counted from 1; a
    place past the end is the last one."""

    place = colander.SchemaNode(colander.Int(), validator=colander.Range(1, MAX_POSITION))


class AttributeValueSchema(colander.MappingSchema):
    """A value of an attribute; its code is how listings' links and product imports name it
    ("color:red"), so it never changes once made."""

    code = colander.SchemaNode(colander.String(), validator=colander.All(
        colander.Length(max=60), colander.Regex(SLUG, SLUG_MESSAGE)))
    name_zh = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    name_en = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 120))


class AttributeValueEditSchema(colander.MappingSchema):
    """Renaming a value: its names only."""

    name_zh = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    name_en = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 120))


class AttributeValueList(colander.SequenceSchema):
    value = AttributeValueSchema()


#: Listing query parameters: an attribute may not take one of these codes.
RESERVED_CODES = ("page", "per_page", "sort", "price", "brand", "q", "sku")


class AttributeSchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), validator=colander.All(
        colander.Length(max=60), colander.Regex(SLUG, SLUG_MESSAGE),
        colander.Function(lambda v: v not in RESERVED_CODES, _("This code is reserved"))))
    name_zh = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    name_en = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 120))
    is_variant_axis = colander.SchemaNode(colander.Boolean(), missing=False)
    is_facet = colander.SchemaNode(colander.Boolean(), missing=True)
    values = AttributeValueList(validator=colander.Length(min=1))


class AttributeEditSchema(colander.MappingSchema):
    """What editing an attribute may change (its code, in listings' links, never changes); a
    flag left out keeps its value."""

    name_zh = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    name_en = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 120))
    is_variant_axis = colander.SchemaNode(colander.Boolean(), missing=colander.drop)
    is_facet = colander.SchemaNode(colander.Boolean(), missing=colander.drop)


class BrandSchema(colander.MappingSchema):
    slug = colander.SchemaNode(colander.String(), validator=colander.All(
        colander.Length(max=80), colander.Regex(SLUG, SLUG_MESSAGE)))
    name_zh = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    name_en = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 120))


class ImageAltSchema(colander.MappingSchema):
    """What a product image says to those who cannot see it (its alt text)."""

    alt_zh = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 200))
    alt_en = colander.SchemaNode(colander.String(), missing="", validator=colander.Length(0, 200))
