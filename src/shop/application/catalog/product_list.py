"""The back office's product list (商品列表): what its filters and bulk actions accept, what
they show, and the one computation behind a bulk action's preview and its application.

A bulk action (批量操作) changes up to ``BULK_LIMIT`` products at once: publish, unpublish,
move to a category, or change every SKU's price by a percentage or an amount. One function works out
exactly what would change (``bulk_plan``); the preview shows it, and applying runs it again on the
catalog as it is then and writes only if the result is the one the preview showed (its
``fingerprint``): otherwise the person sees the new preview first.

Prices: the new price is rounded to the fen half-up. A change that would make any SKU cost
nothing or less (¥0.00 or below: a cut of -50 typed on ¥30 SKUs) is refused, naming those SKUs,
never clamped to ¥0; a SKU the change leaves as it is (one already at ¥0.00 under a percentage)
is not. List prices (划线价, the struck-through "was" price) are never changed by a bulk price
change: raising them with the price would show a discount that never was. A change that would
put any SKU's price above its list price is refused, naming those SKUs; lower the list price in
the product's editor first.

Applying writes each price only where the SKU still has the price and list price the plan read
(``WHERE price = :old``), so an edit committed by someone else in between is never overwritten:
the action then writes nothing and shows the new preview, as a changed fingerprint does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import colander

from shop.application.i18n import _
from shop.application.money import FEN, Money

PAGE_SIZE = 50
#: Products one bulk action changes at most (and "all matching the filter" takes at most).
BULK_LIMIT = 1000
#: The list counts its matches up to this many ("1000+").
COUNT_CAP = 1000
#: Products an export reads per batch (two statements a batch: the products, their SKUs).
EXPORT_BATCH = 500
#: SKUs a refusal names at most.
NAMED = 10

STATES = {"published": _("Shown"), "hidden": _("Hidden"), "scheduled": _("Scheduled")}
SORTS = {"newest": _("Newest first"), "name": _("Name"), "price_asc": _("Lowest price first"),
         "price_desc": _("Highest price first")}
PUBLISH, UNPUBLISH, MOVE = "publish", "unpublish", "move"
PRICE_PERCENT, PRICE_AMOUNT = "price_percent", "price_amount"
ACTIONS = {PUBLISH: _("Publish"), UNPUBLISH: _("Take off the shop"),
           MOVE: _("Move to a category"), PRICE_PERCENT: _("Change prices by a percentage"),
           PRICE_AMOUNT: _("Change prices by an amount")}
PRICES = colander.Range(min=Decimal("0.00"), max=Decimal("999999999999.99"),
                        min_err=_("Not below 0"), max_err=_("That amount is too large"))


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _one_of(values: Any, missing: str = "") -> colander.SchemaNode:
    choices = ["", *values] if missing == "" else list(values)
    return colander.SchemaNode(colander.String(), preparer=_strip, missing=missing,
                               validator=colander.OneOf(choices, msg_err=_("Not a choice")))


def _slug() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                               validator=colander.Regex(r"^[a-z0-9-]{0,120}$",
                                                        msg=_("No such choice")))


class ProductQuerySchema(colander.MappingSchema):
    """The product list's filters (and an export's); every one may be left out."""

    #: Part of a name, the start of a slug or SKU code, or a whole barcode.
    q = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                            validator=colander.Length(max=80, max_err=_(
                                "At most ${max} characters", mapping={"max": 80})))
    #: A category's slug: its products and those of every category under it.
    category = _slug()
    brand = _slug()
    state = _one_of(STATES)
    min_price = colander.SchemaNode(Money(), missing=None, validator=PRICES)
    max_price = colander.SchemaNode(Money(), missing=None, validator=PRICES)
    sort = _one_of(SORTS, missing="newest")
    #: The last product id of the page before (keyset paging).
    after = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                                validator=colander.Regex(r"^([0-9]{1,10})?$",
                                                         msg=_("No such page")))


class _Keys(colander.SchemaType):
    """Product ids as a form posts them: one, or a list of them (each checked by the service)."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return colander.null if appstruct is colander.null else [str(v) for v in appstruct]

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct in (colander.null, None, ""):
            return colander.null
        if isinstance(cstruct, str | int):
            return [cstruct]
        if isinstance(cstruct, list | tuple) and all(isinstance(v, str | int) for v in cstruct):
            return list(cstruct)
        raise colander.Invalid(node, _("Choose products from the list"))


def _product_ids(node: colander.SchemaNode, value: Any) -> None:
    if len(value) > BULK_LIMIT:
        raise colander.Invalid(node, _("At most ${max} products at once; narrow the filter",
                                       mapping={"max": BULK_LIMIT}))


class BulkActionSchema(colander.MappingSchema):
    """A bulk action: which products (the ticked ``products``, or with ``scope`` "matching"
    every product the list's ``filters`` match, at most ``BULK_LIMIT``), what to do, and for
    applying it the preview's ``fingerprint``."""

    action = colander.SchemaNode(colander.String(), preparer=_strip,
                                 validator=colander.OneOf(list(ACTIONS),
                                                          msg_err=_("Choose an action")),
                                 missing_msg=_("Choose an action"))
    scope = _one_of(("selected", "matching"), missing="selected")
    products = colander.SchemaNode(_Keys(), missing=(), validator=_product_ids)
    #: The list's filters (``ProductQuerySchema``, checked by the service) for "matching".
    filters = colander.SchemaNode(colander.Mapping(unknown="preserve"), missing={})
    #: The destination's slug (``move``).
    category = _slug()
    #: Percent ("-10" is 10% cheaper) or yuan ("5.00", "-5.00"), by the action.
    change = colander.SchemaNode(Money(), missing=None, validator=colander.Range(
        min=Decimal("-999999999.99"), max=Decimal("999999999.99"),
        min_err=_("That change is too large"), max_err=_("That change is too large")))
    fingerprint = colander.SchemaNode(colander.String(), preparer=_strip, missing="",
                                      validator=colander.Length(max=64))


# -- what the list shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProductListRow:
    id: int
    slug: str
    name: str
    category: str
    is_published: bool
    #: When it goes live by itself (UTC), or None.
    publish_at: datetime | None
    price: Decimal
    cover_image_url: str | None
    skus: int


@dataclass(frozen=True)
class Choice:
    """A select's option: a category (indented by ``depth``) or a brand."""

    slug: str
    name: str
    depth: int = 0


@dataclass(frozen=True)
class ProductListPage:
    rows: tuple[ProductListRow, ...]
    #: The cleaned filters as query-string values (for the form, the next link, an export).
    filters: dict[str, str]
    #: ``after`` for the next page; None on the last one.
    next_after: str | None
    #: How many products match, counted up to ``COUNT_CAP`` (``more`` when there are more).
    matched: int
    more: bool
    categories: tuple[Choice, ...]
    brands: tuple[Choice, ...]


@dataclass(frozen=True)
class ProductExportRow:
    """One SKU with its product, as an export writes it."""

    product_id: int
    slug: str
    name_zh: str
    name_en: str
    category: str
    brand: str
    #: "published", "hidden" or "scheduled".
    state: str
    publish_at: datetime | None
    sku_code: str
    barcode: str
    price: Decimal
    list_price: Decimal | None
    weight_grams: int


def state_of(is_published: bool, publish_at: datetime | None) -> str:
    return "published" if is_published else "scheduled" if publish_at else "hidden"


def echo(values: Mapping[str, Any]) -> dict[str, str]:
    """The filters as query-string values: what was given, without the defaults."""
    return {key: str(value) for key, value in values.items()
            if value not in ("", None) and not (key == "sort" and value == "newest")}


# -- a bulk action's plan --------------------------------------------------------------------


@dataclass(frozen=True)
class SkuPriceChange:
    id: int
    code: str
    old_price: Decimal
    new_price: Decimal
    list_price: Decimal | None


@dataclass(frozen=True)
class BulkProductChange:
    """What the action does to one product: the fields that stay are equal before and after."""

    id: int
    slug: str
    name: str
    old_category: str
    new_category: str
    was_published: bool
    now_published: bool
    #: A schedule the action ends (publishing or unpublishing does).
    publish_at: datetime | None
    skus: tuple[SkuPriceChange, ...]


@dataclass(frozen=True)
class BulkPlan:
    action: str
    action_label: Any
    #: The products the action changes, by id.
    changes: tuple[BulkProductChange, ...]
    #: Chosen products it leaves as they are (published already, in that category already …).
    unchanged: int
    #: What the apply form posts back: the chosen ids, the action, its category or change.
    echo: dict[str, Any]
    #: The digest of ``changes`` (and of which products were chosen): applying checks it.
    fingerprint: str
    #: The destination's name (``move``), the change as typed ("-10", "5.00") otherwise.
    target: str = ""


@dataclass(frozen=True)
class BulkOutcome:
    """``applied`` False: the catalog changed since the preview; ``plan`` is the new one."""

    applied: bool
    plan: BulkPlan


@dataclass(frozen=True)
class BulkProduct:
    """A chosen product as ``plan`` reads it (names already in the staff's language)."""

    id: int
    slug: str
    name: str
    category_id: int
    category: str
    is_published: bool
    publish_at: datetime | None


@dataclass(frozen=True)
class BulkSku:
    id: int
    product_id: int
    code: str
    price: Decimal
    list_price: Decimal | None


def new_price(action: str, price: Decimal, change: Decimal) -> Decimal:
    """The price after the change: to the fen, half-up; 0 or below when the change is too
    deep (``bulk_plan`` names such SKUs, and the action is refused: never clamped to 0)."""
    if action == PRICE_PERCENT:
        moved = price * (Decimal(100) + change) / Decimal(100)
    else:
        moved = price + change
    return moved.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PlanRefusals:
    """The SKU codes that stop a price change: those it would lift above their list price,
    and those it would make cost nothing or less."""

    above_list: list[str]
    free: list[str]


def bulk_plan(action: str, chosen: Sequence[int], products: Sequence[BulkProduct],
         skus: Sequence[BulkSku], *, category: tuple[int, str] | None = None,
         change: Decimal | None = None, label: Any = None,
         echo: dict[str, Any] | None = None) -> tuple[BulkPlan, PlanRefusals]:
    """What ``action`` does to ``products`` (with their ``skus`` for a price change); and the
    SKU codes whose price it would lift above their list price or change to ¥0.00 or below
    (the action is refused when there are any). Pure: the preview and the application call it
    alike."""
    by_product: dict[int, list[BulkSku]] = {}
    for sku in skus:
        by_product.setdefault(sku.product_id, []).append(sku)
    changes: list[BulkProductChange] = []
    above: list[str] = []
    free: list[str] = []
    for product in products:
        published, new_category = product.is_published, product.category
        priced: tuple[SkuPriceChange, ...] = ()
        if action in (PUBLISH, UNPUBLISH):
            published = action == PUBLISH
            changed = published != product.is_published or product.publish_at is not None
        elif action == MOVE:
            assert category is not None
            new_category = category[1]
            changed = product.category_id != category[0]
        else:
            assert change is not None
            priced = tuple(SkuPriceChange(s.id, s.code, s.price,
                                          new_price(action, s.price, change), s.list_price)
                           for s in by_product.get(product.id, ()))
            above += [p.code for p in priced
                      if p.list_price is not None and p.new_price > p.list_price]
            priced = tuple(p for p in priced if p.new_price != p.old_price)
            free += [p.code for p in priced if p.new_price <= 0]
            changed = bool(priced)
        if changed:
            changes.append(BulkProductChange(
                product.id, product.slug, product.name, product.category, new_category,
                product.is_published, published,
                product.publish_at if action in (PUBLISH, UNPUBLISH) else None, priced))
    digest = hashlib.sha256(json.dumps(
        [action, sorted(chosen), [[c.id, c.old_category, c.new_category, c.was_published,
                                   c.now_published, str(c.publish_at),
                                   [[s.id, str(s.old_price), str(s.new_price),
                                     str(s.list_price)] for s in c.skus]]
                                  for c in changes]]).encode()).hexdigest()
    target = category[1] if category else (str(change) if change is not None else "")
    return BulkPlan(action, label if label is not None else ACTIONS[action], tuple(changes),
                    len(products) - len(changes), dict(echo or {}), digest, target), \
        PlanRefusals(above, free)
