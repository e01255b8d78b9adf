"""The fee arithmetic, apart from any storage: what a parcel of a given weight costs by a rule.

Up to the first weight the fee is the first fee; each started step of additional weight beyond
it adds the additional fee (a parcel 1 g over the first weight pays one whole step, as carriers
charge). An order whose items amount reaches the method's ``free_above`` ships free.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from shop.application.money import to_money

FREE = Decimal("0.00")


class FeeRule(Protocol):
    @property
    def first_weight_grams(self) -> int: ...
    @property
    def first_fee(self) -> Decimal: ...
    @property
    def additional_weight_grams(self) -> int: ...
    @property
    def additional_fee(self) -> Decimal: ...


def weight_fee(rule: FeeRule, weight_grams: int) -> Decimal:
    """The fee for ``weight_grams`` by ``rule``, before any free-shipping threshold."""
    if weight_grams <= rule.first_weight_grams:
        return to_money(rule.first_fee)
    over = weight_grams - rule.first_weight_grams
    steps = -(-over // rule.additional_weight_grams)  # ceiling division, exact on ints
    return to_money(rule.first_fee + steps * rule.additional_fee)


def shipping_fee(rule: FeeRule, weight_grams: int, items_amount: Decimal,
                 free_above: Decimal | None) -> tuple[Decimal, bool]:
    """(fee, free): free, at 0.00, when ``free_above`` is set and the items reach it."""
    if free_above is not None and items_amount >= free_above:
        return FREE, True
    return weight_fee(rule, weight_grams), False
