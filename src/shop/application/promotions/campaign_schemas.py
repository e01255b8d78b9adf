"""What staff (or an integrator) submit to start a campaign (活动), one schema for every kind.

Every kind shares the common fields (names, window, channels, member groups, limits, scope,
stacking); the rule's own fields are optional here and required per kind by ``RULE_FIELDS``,
so a missing one is named like any other bad field. Scope and stacking lists are written as
people write them: codes separated by spaces or commas ("shirts, dresses").
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import colander

from shop.application.i18n import _
from shop.application.money import MAX_AMOUNT, Money
from shop.application.sales_channels import CHANNELS

#: Every rule a campaign can run, what it is called, and the fields it needs.
KINDS = {
    "spend_save": _("Spend and save (满减)"),
    "percent_off": _("Percentage off (打折)"),
    "amount_off": _("Price cut per item (直降)"),
    "buy_x_get_y": _("Buy X get Y (买X送Y)"),
    "n_for_price": _("N items for a price (任选N件)"),
    "nth_discount": _("Second item at a discount (第二件半价)"),
    "gift": _("Gift with purchase (满赠)"),
    "free_shipping": _("Free shipping (包邮)"),
    "flash_sale": _("Flash sale (秒杀)"),
    "special_price": _("Special price for a member group (新人价 / 会员价)"),
}
RULE_FIELDS = {
    "spend_save": ("tiers",),
    "percent_off": ("percent",),
    "amount_off": ("amount",),
    "buy_x_get_y": ("buy", "get"),
    "n_for_price": ("count", "price"),
    "nth_discount": ("nth", "percent"),
    "gift": ("threshold", "gift_sku"),
    "free_shipping": (),
    "flash_sale": ("items",),
    "special_price": ("items",),
}
#: Who a campaign may be for: anyone, a signed-in member, a member who has never paid for an
#: order (新人).
MEMBER_GROUPS = {"guest": _("Visitors"), "member": _("Members"), "new": _("New customers")}
MODES = ("stackable", "group_exclusive", "exclusive")
MAX_TIERS = 10
MAX_ITEMS = 200
#: The largest flash-sale quantity of one SKU (what an INTEGER column and a sale can hold).
MAX_QUOTA = 10 ** 8
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
_WORD = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def words(text: str) -> list[str]:
    """"shirts, dresses  hats" → ["shirts", "dresses", "hats"]: each code once, in order."""
    seen: dict[str, None] = {}
    for word in re.split(r"[\s,，、]+", text.strip()):
        if word:
            seen.setdefault(word, None)
    return list(seen)


def _codes(node: colander.SchemaNode, value: str) -> None:
    bad = [word for word in words(value) if not _WORD.match(word)]
    if bad:
        raise colander.Invalid(node, _("Not a code: ${code}", mapping={"code": bad[0]}))


def _known(choices: dict[str, Any]) -> Any:
    def check(node: colander.SchemaNode, value: str) -> None:
        unknown = [word for word in words(value) if word not in choices]
        if unknown:
            raise colander.Invalid(node, _("Unknown: ${code} (choose from ${choices})",
                                           mapping={"code": unknown[0],
                                                    "choices": " ".join(choices)}))
    return check


def campaign_code(node: colander.SchemaNode, value: str) -> None:
    if not _CODE.match(value):
        raise colander.Invalid(node, _(
            "2 to 60 lower-case letters, digits or hyphens, starting with a letter or digit"))


def _in_fen(amount: Decimal) -> bool:
    return amount == amount.quantize(Decimal("0.01"))


def _amount(text: str) -> Decimal:
    """A plain finite amount ("9.90"); ValueError for "NaN", "1e9" and the like."""
    amount = Decimal(text)
    if not amount.is_finite() or "e" in text.lower() or abs(amount) > MAX_AMOUNT:
        raise ValueError(text)
    return amount


def parse_tiers(text: str) -> list[tuple[Decimal, Decimal]]:
    """"200:20, 500:60" → [(200, 20), (500, 60)]; ValueError names what is wrong."""
    tiers = []
    for part in words(text):
        threshold, colon, saving = part.partition(":")
        if not colon:
            raise ValueError(part)
        tiers.append((_amount(threshold), _amount(saving)))
    return tiers


def _tiers(node: colander.SchemaNode, value: str) -> None:
    try:
        tiers = parse_tiers(value)
    except (ArithmeticError, ValueError):
        raise colander.Invalid(node, _(
            "Write each tier as spend:save, e.g. 200:20, 500:60")) from None
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise colander.Invalid(node, _("Give 1 to ${max} tiers", mapping={"max": MAX_TIERS}))
    if any(saving <= 0 or saving >= threshold or not _in_fen(saving) or not _in_fen(threshold)
           for threshold, saving in tiers):
        raise colander.Invalid(node, _(
            "Each tier saves more than ¥0 and less than it asks to spend, to the fen"))
    thresholds = [threshold for threshold, _saving in tiers]
    savings = [saving for _threshold, saving in tiers]
    if thresholds != sorted(set(thresholds)) or savings != sorted(set(savings)):
        raise colander.Invalid(node, _("Higher tiers ask more and save more"))


def parse_items(text: str) -> list[tuple[str, Decimal, int | None]]:
    """"SKU-1:9.90:100; SKU-2:19.90" (code:price[:quota]) → [(code, price, quota)]."""
    items = []
    for part in re.split(r"[\s;；]+", text.strip()):
        if not part:
            continue
        fields = part.split(":")
        if len(fields) not in (2, 3):
            raise ValueError(part)
        if len(fields) == 3 and not (fields[2].isascii() and fields[2].isdigit()
                                     and len(fields[2]) <= 9):
            raise ValueError(part)
        quota = int(fields[2]) if len(fields) == 3 else None
        items.append((fields[0], _amount(fields[1]), quota))
    return items


def _items(node: colander.SchemaNode, value: str) -> None:
    try:
        items = parse_items(value)
    except (ArithmeticError, ValueError):
        raise colander.Invalid(node, _(
            "Write each item as SKU code:price[:quantity], e.g. TS-RED-M:59.00:100")) from None
    if not 1 <= len(items) <= MAX_ITEMS:
        raise colander.Invalid(node, _("Give 1 to ${max} items", mapping={"max": MAX_ITEMS}))
    if len({code for code, _p, _q in items}) != len(items):
        raise colander.Invalid(node, _("Each SKU once"))
    if any(price < 0 or not _in_fen(price) or (quota is not None and not 1 <= quota <= MAX_QUOTA)
           for _code, price, quota in items):
        raise colander.Invalid(node, _(
            "Prices of ¥0 or more to the fen, quantities from 1 to ${max}",
            mapping={"max": MAX_QUOTA}))


def _percent(node: colander.SchemaNode, value: Decimal) -> None:
    # NaN is refused before the range, which cannot compare it.
    if not value.is_finite():
        raise colander.Invalid(node, _("Give less than 100%"))
    colander.Range(Decimal("0.01"), Decimal("99.99"), min_err=_("Give more than 0%"),
                   max_err=_("Give less than 100%"))(node, value)


def moment(node: colander.SchemaNode, value: datetime) -> None:
    # A day away from the calendar's ends, so that no time zone takes it past them.
    naive = value.replace(tzinfo=None)
    if not datetime.min + timedelta(days=1) <= naive <= datetime.max - timedelta(days=1):
        raise colander.Invalid(node, _("Give a date between the years 1 and 9999"))


def _optional(typ: colander.SchemaType, **options: Any) -> colander.SchemaNode:
    return colander.SchemaNode(typ, missing=None, **options)


def _text(length: int, **options: Any) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), missing="", validator=colander.All(
        colander.Length(max=length), *options.pop("validators", ())), **options)


class ScopeSchema(colander.MappingSchema):
    """Which items: every item unless categories, brands, products or SKUs are named; the
    excluded ones never."""

    categories = _text(2000, validators=(_codes,))
    brands = _text(2000, validators=(_codes,))
    products = _text(4000, validators=(_codes,))
    skus = _text(4000, validators=(_codes,))
    excluded_products = _text(4000, validators=(_codes,))
    excluded_skus = _text(4000, validators=(_codes,))


class StackingSchema(colander.MappingSchema):
    mode = colander.SchemaNode(colander.String(), missing="stackable",
                               validator=colander.OneOf(MODES))
    group = _text(40, validators=(colander.Regex(r"^[A-Za-z0-9_-]*$"),))
    stacks_with = _text(400, validators=(_codes,))
    priority = colander.SchemaNode(colander.Int(), missing=0,
                                   validator=colander.Range(-1000, 1000))


class RuleSchema(colander.MappingSchema):
    tiers = _optional(colander.String(), validator=_tiers)
    repeat = colander.SchemaNode(colander.Boolean(), missing=False)
    percent = _optional(colander.Decimal(), validator=_percent)
    amount = _optional(Money(), validator=colander.Range(Decimal("0.01"), min_err=_(
        "At least ¥0.01")))
    buy = _optional(colander.Int(), validator=colander.Range(1, 99))
    get = _optional(colander.Int(), validator=colander.Range(1, 99))
    count = _optional(colander.Int(), validator=colander.Range(2, 99))
    price = _optional(Money(), validator=colander.Range(Decimal("0.00")))
    nth = _optional(colander.Int(), validator=colander.Range(2, 10))
    threshold = _optional(Money(), validator=colander.Range(Decimal("0.00")))
    gift_sku = _optional(colander.String(), validator=_codes)
    gift_quantity = colander.SchemaNode(colander.Int(), missing=1,
                                        validator=colander.Range(1, 10))
    items = _optional(colander.String(), validator=colander.All(colander.Length(max=20000),
                                                               _items))


class CampaignSchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), validator=campaign_code)
    name_zh = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    name_en = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    description_zh = _text(2000)
    description_en = _text(2000)
    kind = colander.SchemaNode(colander.String(), validator=colander.OneOf(tuple(KINDS)))
    starts_at = colander.SchemaNode(colander.DateTime(default_tzinfo=None), validator=moment)
    ends_at = colander.SchemaNode(colander.DateTime(default_tzinfo=None), validator=moment)
    channels = _text(200, validators=(_known(CHANNELS),))
    member_groups = _text(200, validators=(_known(MEMBER_GROUPS),))
    per_customer_limit = _optional(colander.Int(), validator=colander.Range(1, 10000))
    total_limit = _optional(colander.Int(), validator=colander.Range(1, 10 ** 8))
    scope = ScopeSchema()
    stacking = StackingSchema()
    rule = RuleSchema()
    template = _optional(colander.Int(), validator=colander.Range(1, 2 ** 31 - 1))


class TemplateSchema(colander.MappingSchema):
    """A staff template: a name, a kind and the campaign fields it presets."""

    name = colander.SchemaNode(colander.String(), validator=colander.Length(1, 120))
    kind = colander.SchemaNode(colander.String(), validator=colander.OneOf(tuple(KINDS)))
