"""Valid shipping input: a method with its fee rules and excluded regions (staff, scripts), and
a quote request (checkout). One definition for the back-office form and for library callers."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import colander

from shop.application.i18n import _
from shop.application.money import Money
from shop.application.regions.table import CITY, PROVINCE, region_table
from shop.data.models.shipping import EVERYWHERE_ELSE

CODE_PATTERN = r"^[a-z][a-z0-9_-]{1,39}$"
#: A parcel fee above this is a typing mistake; it also keeps any fee a quote computes within
#: what a money column holds (MAX_GRAMS steps of MAX_FEE).
MAX_FEE = Decimal("9999.99")
#: 100 tonnes: heavier is no parcel.
MAX_GRAMS = 100_000_000
#: One rule per province (34) and the default one, with room to spare.
MAX_RULES = 40
MAX_EXCLUSIONS = 100
MAX_POSITION = 9999

DUPLICATE_REGION = _("Another rule already sets the fee for this region")
_DIGITS = re.compile(r"[0-9]{1,9}")
#: Between the codes of a list typed into a form: spaces, new lines, commas (also full-width).
_CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


class WholeNumber(colander.SchemaType):
    """ASCII digits or an int, nothing else: ``colander.Int`` would read 1.5 as 1 and "٣" as 3."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return colander.null if appstruct in (colander.null, None) else str(appstruct)

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct in (colander.null, None) or (isinstance(cstruct, str) and not cstruct.strip()):
            return colander.null
        if isinstance(cstruct, int) and not isinstance(cstruct, bool):
            return cstruct
        if isinstance(cstruct, str) and _DIGITS.fullmatch(cstruct.strip()):
            return int(cstruct)
        raise colander.Invalid(node, _("Enter a whole number"))


class RegionCodes(colander.SchemaType):
    """A list of region codes, or a text of them (one per line, or separated by spaces or
    commas, ``#`` starting a comment to the line's end): a distinct tuple of codes."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        return colander.null if appstruct in (colander.null, None) else "\n".join(appstruct)

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct in (colander.null, None):
            return colander.null
        if isinstance(cstruct, str):
            text = "\n".join(line.split("#", 1)[0] for line in cstruct.splitlines())
            cstruct = [code for code in _CODE_SEPARATORS.split(text) if code]
        if not isinstance(cstruct, list | tuple) or not all(isinstance(c, str) for c in cstruct):
            raise colander.Invalid(node, _("List province or city codes such as 540000"))
        return tuple(dict.fromkeys(code.strip() for code in cstruct))


def _provinces_or_cities(node: colander.SchemaNode, codes: tuple[str, ...]) -> None:
    if len(codes) > MAX_EXCLUSIONS:
        raise colander.Invalid(node, _("At most ${max} regions", mapping={"max": MAX_EXCLUSIONS}))
    table = region_table()
    unknown = [c for c in codes
               if (region := table.get(c)) is None or region.level not in (PROVINCE, CITY)]
    if unknown:
        raise colander.Invalid(node, _(
            "Not a province or city code: ${codes}",
            mapping={"codes": ", ".join(code[:12] for code in unknown[:5])}))


def _province_or_default(node: colander.SchemaNode, value: str) -> None:
    region = region_table().get(value)
    if value != EVERYWHERE_ELSE and (region is None or region.level != PROVINCE):
        raise colander.Invalid(node, _("Use a province code such as 650000, "
                                       "or * for everywhere else"))


def _grams(**kw: Any) -> colander.SchemaNode:
    return colander.SchemaNode(WholeNumber(), validator=colander.Range(
        1, MAX_GRAMS, min_err=_("At least ${min} gram"),
        max_err=_("At most ${max} grams")), **kw)


def _fee(**kw: Any) -> colander.SchemaNode:
    return colander.SchemaNode(Money(), validator=colander.Range(
        Decimal(0), MAX_FEE, min_err=_("A fee cannot be negative"),
        max_err=_("At most ${max}")), **kw)


class FeeRuleSchema(colander.MappingSchema):
    region = colander.SchemaNode(colander.String(), preparer=_strip,
                                 validator=_province_or_default)
    first_weight_grams = _grams()
    first_fee = _fee()
    additional_weight_grams = _grams()
    additional_fee = _fee()


def _one_rule_per_region(node: colander.SchemaNode, rules: list[dict[str, Any]]) -> None:
    if not rules:
        raise colander.Invalid(node, _("Give at least one fee rule"))
    if len(rules) > MAX_RULES:
        raise colander.Invalid(node, _("At most ${max} fee rules", mapping={"max": MAX_RULES}))
    error = colander.Invalid(node)
    seen: set[str] = set()
    for position, rule in enumerate(rules):
        if rule["region"] in seen:
            clash = colander.Invalid(node.children[0])
            clash["region"] = DUPLICATE_REGION
            error.add(clash, position)
        seen.add(rule["region"])
    if error.children:
        raise error


class FeeRuleList(colander.SequenceSchema):
    validator = staticmethod(_one_rule_per_region)

    rule = FeeRuleSchema()


def _name() -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), preparer=_strip,
                               validator=colander.Length(1, 60))


class ShippingMethodSchema(colander.MappingSchema):
    """A whole method. An update is checked as a whole too: the service lays the given keys over
    the method's current values, so leaving ``free_above`` empty clears it."""

    code = colander.SchemaNode(colander.String(), preparer=_lower, validator=colander.Regex(
        CODE_PATTERN, _("2 to 40 lower-case letters, digits, hyphens or underscores, "
                        "starting with a letter")))
    name_zh = _name()
    name_en = _name()
    is_active = colander.SchemaNode(colander.Boolean(), missing=True)
    position = colander.SchemaNode(WholeNumber(), missing=0, validator=colander.Range(
        0, MAX_POSITION, max_err=_("At most ${max}")))
    free_above = colander.SchemaNode(Money(), missing=None, validator=colander.Range(
        Decimal(0), min_err=_("An amount cannot be negative")))
    rules = FeeRuleList()
    excluded_regions = colander.SchemaNode(RegionCodes(), missing=(),
                                           validator=_provinces_or_cities)


def _quote_regions(node: colander.SchemaNode, value: dict[str, Any]) -> None:
    table = region_table()
    province = table.get(value["province_code"])
    error = colander.Invalid(node)
    city = table.get(value["city_code"])
    if province is None or province.level != PROVINCE:
        error["province_code"] = _("Choose a province")
    elif city is None or city.level != CITY or city.parent != province.code:
        error["city_code"] = _("Choose a city in the chosen province")
    if error.children:
        raise error


class QuoteSchema(colander.MappingSchema):
    """What checkout asks about: where the parcel goes, what it weighs, what its items cost."""

    validator = staticmethod(_quote_regions)

    province_code = colander.SchemaNode(colander.String(), validator=colander.Length(max=6))
    city_code = colander.SchemaNode(colander.String(), validator=colander.Length(max=6))
    weight_grams = colander.SchemaNode(WholeNumber(), validator=colander.Range(
        0, MAX_GRAMS, min_err=_("A weight cannot be negative"),
        max_err=_("At most ${max} grams")))
    items_amount = colander.SchemaNode(Money(), validator=colander.Range(
        Decimal(0), min_err=_("An amount cannot be negative")))


def code_or_none(value: object) -> str | None:
    """A method code given from outside, or None when no method can have it."""
    if isinstance(value, str):
        code = value.strip().lower()
        if re.fullmatch(CODE_PATTERN, code):
            return code
    return None
