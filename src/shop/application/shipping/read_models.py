"""What the shipping service returns: plain frozen values, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ShippingQuote:
    """A method checkout may offer for an address and a parcel, with its fee.

    ``name`` is in the unit of work's language; ``free`` says the fee is 0.00 because the items
    reached the method's free-shipping threshold (not because the rule charges nothing).
    """

    code: str
    name: str
    fee: Decimal
    free: bool


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str


@dataclass(frozen=True)
class FeeRuleView:
    """One rule; ``region`` is a province code or ``*`` (everywhere else)."""

    region: str
    region_name: str
    first_weight_grams: int
    first_fee: Decimal
    additional_weight_grams: int
    additional_fee: Decimal


@dataclass(frozen=True)
class ShippingMethodView:
    """A method as staff see and edit it. ``rules_text`` and ``excluded_text`` are its rules
    and excluded regions in the one-per-line form the back office edits (see ``rule_lines``)."""

    id: int
    code: str
    name_zh: str
    name_en: str
    name: str
    is_active: bool
    position: int
    free_above: Decimal | None
    rules: tuple[FeeRuleView, ...]
    excluded_regions: tuple[RegionRef, ...]
    rules_text: str
    excluded_text: str
