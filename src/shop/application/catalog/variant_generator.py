"""The variant generator (批量生成 SKU): every combination of the chosen values of a product's
variant axes (5 colours × 6 sizes: 30 SKUs), each with a code from a pattern and a price from
a rule, planned first (what would be created, what is kept) and then written all at once.

A combination some SKU of the product already has is kept as it is; a code another SKU has is
refused (named at ``pattern``) and nothing is written.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import colander

from shop.application.catalog.schemas import NOT_NEGATIVE
from shop.application.errors import Invalid
from shop.application.i18n import _
from shop.application.inventory.schemas import MAX_ADJUSTMENT
from shop.application.money import Money, to_money

PLACEHOLDER = re.compile(r"\{([a-z0-9-]+)\}")
#: At most this many SKUs in one go: a form a person checks before creating.
MAX_COMBINATIONS = 500
PRICE_RULES = ("one", "adjusted")
_ADJUSTMENT = re.compile(r"^\s*([a-z0-9-]+):([a-z0-9-]+)\s+([+-]?\d{1,9}(?:\.\d{1,2})?)\s*$")


class VariantGeneratorSchema(colander.MappingSchema):
    """``values``: the chosen values of the variant axes ("color:red"); ``pattern``: the codes,
    with ``{product}`` (the product's slug) and ``{ATTRIBUTE CODE}`` (the value's code);
    ``price_rule``: ``one`` (every SKU at ``price``) or ``adjusted`` (``price`` plus each
    value's adjustment, one "color:red +10.00" a line of ``adjustments``)."""

    values = colander.SchemaNode(colander.List(), validator=colander.Length(
        min=1, min_err=_("Choose at least one value")))
    pattern = colander.SchemaNode(colander.String(), validator=colander.Length(1, 80))
    price_rule = colander.SchemaNode(colander.String(), missing="one",
                                     validator=colander.OneOf(PRICE_RULES))
    price = colander.SchemaNode(Money(), validator=NOT_NEGATIVE)
    list_price = colander.SchemaNode(Money(), missing=None, validator=NOT_NEGATIVE)
    adjustments = colander.SchemaNode(colander.String(), missing="",
                                      validator=colander.Length(max=5000))
    stock_on_hand = colander.SchemaNode(colander.Int(), missing=0,
                                        validator=colander.Range(min=0, max=MAX_ADJUSTMENT))
    weight_grams = colander.SchemaNode(colander.Int(), missing=0,
                                       validator=colander.Range(min=0, max=1_000_000))


@dataclass(frozen=True)
class AxisValue:
    """One value of a variant axis, as the generator sees it."""

    attribute_code: str
    attribute_id: int
    value_code: str
    value_id: int
    name: str


@dataclass(frozen=True)
class PlannedSku:
    code: str
    #: "Red / M".
    label: str
    price: Decimal
    list_price: Decimal | None
    value_ids: tuple[int, ...]
    #: The product has a SKU of these values already: kept, not created.
    kept: bool


@dataclass(frozen=True)
class VariantPlan:
    skus: tuple[PlannedSku, ...]

    @property
    def new(self) -> tuple[PlannedSku, ...]:
        return tuple(s for s in self.skus if not s.kept)

    @property
    def kept(self) -> tuple[PlannedSku, ...]:
        return tuple(s for s in self.skus if s.kept)


def plan(values: Mapping[str, Any], product_slug: str, axes: Sequence[AxisValue],
         existing: Mapping[frozenset[int], str]) -> VariantPlan:
    """The SKUs ``values`` (deserialized by ``VariantGeneratorSchema``) describe; ``axes`` are
    the variant-axis values there are (in display order), ``existing`` the product's SKUs by
    their value sets. Raises ``Invalid`` naming the field at fault."""
    by_code = {f"{a.attribute_code}:{a.value_code}": a for a in axes}
    unknown = [code for code in values["values"] if code not in by_code]
    if unknown:
        raise Invalid({"values": _("Not values of a variant axis: ${values}",
                                   mapping={"values": ", ".join(map(str, unknown))})})
    chosen = set(values["values"])
    grouped: dict[str, list[AxisValue]] = {}
    for axis_value in axes:
        if f"{axis_value.attribute_code}:{axis_value.value_code}" in chosen:
            grouped.setdefault(axis_value.attribute_code, []).append(axis_value)
    combinations = 1
    for group in grouped.values():
        combinations *= len(group)
    if combinations > MAX_COMBINATIONS:
        raise Invalid({"values": _("At most ${max} SKUs at once; this makes ${count}",
                                   mapping={"max": MAX_COMBINATIONS, "count": combinations})})
    pattern = values["pattern"]
    known = {"product", *grouped}
    names = set(PLACEHOLDER.findall(pattern))
    if names - known:
        raise Invalid({"pattern": _("Unknown placeholders: ${names}; use ${known}", mapping={
            "names": ", ".join(sorted(names - known)),
            "known": ", ".join(f"{{{n}}}" for n in sorted(known))})})
    if set(grouped) - names:
        raise Invalid({"pattern": _("Name every axis in the pattern, or codes repeat: ${names}",
                                    mapping={"names": ", ".join(
                                        f"{{{n}}}" for n in sorted(set(grouped) - names))})})
    adjustments = _adjustments(values, by_code) if values["price_rule"] == "adjusted" else {}
    planned = []
    for combination in itertools.product(*grouped.values()):
        fill = {"product": product_slug, **{v.attribute_code: v.value_code for v in combination}}
        code = PLACEHOLDER.sub(_filler(fill), pattern)
        price = to_money(values["price"] + sum(
            (adjustments.get(v.value_id, Decimal(0)) for v in combination), Decimal(0)))
        if price < 0:
            raise Invalid({"adjustments": _("The adjustments take ${code} below zero",
                                            mapping={"code": code})})
        list_price = values["list_price"]
        if list_price is not None and list_price < price:
            raise Invalid({"list_price": _("The list price is below the price of ${code}",
                                           mapping={"code": code})})
        ids = tuple(v.value_id for v in combination)
        planned.append(PlannedSku(code, " / ".join(v.name for v in combination), price,
                                  list_price, ids, frozenset(ids) in existing))
    if len(planned) > 1 and len({s.code for s in planned}) < len(planned):
        raise Invalid({"pattern": _("The pattern gives two SKUs one code")})
    if any(len(s.code) > 80 for s in planned):
        raise Invalid({"pattern": _("The codes are longer than 80 characters")})
    return VariantPlan(tuple(planned))


def _filler(fill: Mapping[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda match: fill[match.group(1)]


def _adjustments(values: Mapping[str, Any],
                 by_code: Mapping[str, AxisValue]) -> dict[int, Decimal]:
    """Value id → its adjustment, from lines like "color:red +10.00"."""
    found: dict[int, Decimal] = {}
    for number, line in enumerate(str(values["adjustments"]).splitlines(), start=1):
        if not line.strip():
            continue
        match = _ADJUSTMENT.match(line)
        value = by_code.get(f"{match.group(1)}:{match.group(2)}") if match else None
        if match is None or value is None:
            raise Invalid({"adjustments": _(
                "Line ${line}: write a chosen value and an amount, e.g. color:red +10.00",
                mapping={"line": number})})
        found[value.value_id] = Decimal(match.group(3))
    return found
