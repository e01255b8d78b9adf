"""What one rule does to the lines it is given, before any guard rail.

Each rule sees its lines as ``Slot``s: the line, its total after the discounts processed so
far (``current``: what a discount takes from) and its total when the rule's stage began
(``base``: what a threshold measures, so that two offers of one stage see the same spend).
It answers with an ``Effect``; the engine then applies the floors and the maximum share.

After the price stage a line's units are valued at the line's average current unit price
(a line with two flash-sale units out of five is five units at the average): the item rules
then need no per-unit history, and a unit's value is never more than what was paid for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import singledispatch
from typing import NamedTuple

from shop.application.money import to_money
from shop.application.ordering.pricing import share_out
from shop.application.promotions.offers import (
    HUNDRED,
    ZERO,
    AmountOff,
    BuyXGetY,
    CouponAmount,
    CouponFreeShipping,
    CouponPercent,
    FreeShipping,
    GiftWithPurchase,
    Line,
    NForPrice,
    NthDiscount,
    PercentOff,
    Rule,
    SpecialPrice,
    SpendSave,
)


class Slot(NamedTuple):
    line: Line
    current: Decimal
    base: Decimal


@dataclass(frozen=True)
class Effect:
    """What a rule would do. ``per_line`` discounts belong to their lines (a unit's 20% off
    stays on that unit); an ``order_amount`` is the order's, spread over the ``touched`` lines
    by the engine. ``touched``: every line the rule discounted or used (a "buy" unit, a line
    counted towards a threshold); an empty set means the rule does nothing. ``spend`` is what
    a threshold rule measured, so that a near miss can say how far off it was."""

    touched: frozenset[str] = frozenset()
    per_line: Mapping[str, Decimal] = field(default_factory=dict)
    order_amount: Decimal = ZERO
    frees_shipping: bool = False
    gift: bool = False
    spend: Decimal | None = None


NOTHING = Effect()


@singledispatch
def effect(rule: Rule, slots: Sequence[Slot]) -> Effect:
    raise TypeError(f"no effect for {type(rule).__name__}")


@effect.register
def _special_price(rule: SpecialPrice, slots: Sequence[Slot]) -> Effect:
    # What is left of a SKU's quota goes to its dearest units first, where it saves most.
    left = dict(rule.units or {})
    exact: dict[str, Decimal] = {}
    for slot in sorted(slots, key=_unit_value, reverse=True):
        line = slot.line
        if line.sku_id not in rule.prices:
            continue
        units = min(line.quantity, left.get(line.sku_id, line.quantity))
        if line.sku_id in left:
            left[line.sku_id] -= units
        saving = _value(slot, units) - rule.prices[line.sku_id] * units
        if saving > 0:
            exact[line.key] = saving
    return _per_line(exact)


@effect.register
def _percent_off(rule: PercentOff, slots: Sequence[Slot]) -> Effect:
    return _per_line({slot.line.key: slot.current * rule.percent / HUNDRED for slot in slots})


@effect.register
def _amount_off(rule: AmountOff, slots: Sequence[Slot]) -> Effect:
    return _per_line({slot.line.key: min(rule.amount * slot.line.quantity, slot.current)
                      for slot in slots})


@effect.register
def _buy_x_get_y(rule: BuyXGetY, slots: Sequence[Slot]) -> Effect:
    """The cheapest units are the ones got, the dearest the ones bought; a unit between them
    that completes no group is not used."""
    groups = sum(slot.line.quantity for slot in slots) // (rule.buy + rule.get)
    if not groups:
        return NOTHING
    cheapest_first = sorted(slots, key=_unit_value)
    exact = {key: _value(slot, units) * rule.percent_off / HUNDRED
             for key, slot, units in _take(cheapest_first, groups * rule.get)}
    bought = {key for key, _, _ in _take(cheapest_first[::-1], groups * rule.buy)}
    return _per_line(exact, used=bought)


@effect.register
def _n_for_price(rule: NForPrice, slots: Sequence[Slot]) -> Effect:
    """Groups are filled dearest units first, which is what saves the shopper most; a group's
    saving is shared by its units in proportion to their value, so a line's discount does not
    depend on where a group happened to start. A group already cheaper than the price saves
    nothing (the shopper keeps the cheaper price)."""
    exact: dict[str, Decimal] = {}
    used: set[str] = set()
    dearest_first = sorted(slots, key=_unit_value, reverse=True)
    for times, pieces in _bundles(dearest_first, rule.count):
        worth = sum((_value(slot, units) for slot, units in pieces), ZERO)
        used.update(slot.line.key for slot, _ in pieces)
        if worth > rule.price:
            for slot, units in pieces:
                share = (worth - rule.price) * _value(slot, units) / worth * times
                exact[slot.line.key] = exact.get(slot.line.key, ZERO) + share
    return _per_line(exact, used=frozenset(used))


@effect.register
def _nth_discount(rule: NthDiscount, slots: Sequence[Slot]) -> Effect:
    """Every nth unit of a SKU, counted over all its lines; the discounted units are the
    cheapest of the SKU (they differ only after a special price on some of them)."""
    by_sku: dict[int, list[Slot]] = {}
    for slot in slots:
        by_sku.setdefault(slot.line.sku_id, []).append(slot)
    exact: dict[str, Decimal] = {}
    used: set[str] = set()
    for same_sku in by_sku.values():
        discounted = sum(slot.line.quantity for slot in same_sku) // rule.nth
        if discounted:
            used.update(slot.line.key for slot in same_sku)
            for key, slot, units in _take(sorted(same_sku, key=_unit_value), discounted):
                exact[key] = _value(slot, units) * rule.percent_off / HUNDRED
    return _per_line(exact, used=frozenset(used))


@effect.register
def _spend_save(rule: SpendSave, slots: Sequence[Slot]) -> Effect:
    spend = _spend(slots)
    if rule.repeat:
        (every, save), = rule.tiers
        saving = save * (spend // every)
    else:
        saving = max((save for threshold, save in rule.tiers if spend >= threshold), default=ZERO)
    return _order(slots, saving, spend) if saving else Effect(spend=spend)


@effect.register
def _gift(rule: GiftWithPurchase, slots: Sequence[Slot]) -> Effect:
    spend = _spend(slots)
    if spend < rule.threshold:
        return Effect(spend=spend)
    return Effect(touched=_keys(slots), gift=True, spend=spend)


@effect.register
def _free_shipping(rule: FreeShipping | CouponFreeShipping, slots: Sequence[Slot]) -> Effect:
    spend = _spend(slots)
    if spend < threshold_of(rule):
        return Effect(spend=spend)
    return Effect(touched=_keys(slots), frees_shipping=True, spend=spend)



@effect.register
def _coupon_amount(rule: CouponAmount, slots: Sequence[Slot]) -> Effect:
    spend = _spend(slots)
    if spend < rule.min_spend:
        return Effect(spend=spend)
    return _order(slots, rule.amount, spend)


@effect.register
def _coupon_percent(rule: CouponPercent, slots: Sequence[Slot]) -> Effect:
    spend = _spend(slots)
    if spend < rule.min_spend:
        return Effect(spend=spend)
    return _order(slots, _capped_percent(rule, sum((s.current for s in slots), ZERO)), spend)


def threshold_of(rule: FreeShipping | CouponFreeShipping) -> Decimal:
    return rule.threshold if isinstance(rule, FreeShipping) else rule.min_spend


def next_goal(rule: Rule, spend: Decimal) -> tuple[Decimal, Decimal | None] | None:
    """The next spend above ``spend`` at which ``rule`` gives (more), and the discount it
    would then give (None for a gift or free shipping: the rule does not know their worth);
    None when there is nothing more to reach."""
    match rule:
        case SpendSave(tiers=((every, save),), repeat=True):
            times = spend // every + 1
            return every * times, save * times
        case SpendSave():
            return next(((threshold, save) for threshold, save in rule.tiers
                         if threshold > spend), None)
        case GiftWithPurchase(threshold=goal) | CouponFreeShipping(min_spend=goal) \
                | FreeShipping(threshold=goal):
            return (goal, None) if goal > spend else None
        case CouponAmount(min_spend=goal, amount=amount):
            return (goal, amount) if goal > spend else None
        case CouponPercent(min_spend=goal):
            return (goal, _capped_percent(rule, goal)) if goal > spend else None
    return None


def _capped_percent(rule: CouponPercent, amount: Decimal) -> Decimal:
    saving = to_money(amount * rule.percent / HUNDRED)
    return saving if rule.cap is None else min(saving, rule.cap)


def _order(slots: Sequence[Slot], amount: Decimal, spend: Decimal) -> Effect:
    amount = min(amount, sum((slot.current for slot in slots), ZERO))
    if not amount:
        return Effect(spend=spend)
    return Effect(touched=_keys(slots), order_amount=amount, spend=spend)


def _per_line(exact: Mapping[str, Decimal], used: frozenset[str] | set[str] = frozenset()
              ) -> Effect:
    """Exact per-line discounts to the fen: the rule's total is rounded once (half-up) and
    shared back by largest remainder, so "20% off" of 3 × 9.99 is 5.99, not 3 × 2.00."""
    total = to_money(sum(exact.values(), ZERO))
    if not total:
        return NOTHING
    shares = share_out(total, list(exact.values()))
    per_line = {key: share for key, share in zip(exact, shares, strict=True) if share}
    return Effect(touched=frozenset(per_line) | frozenset(used), per_line=per_line)


def _take(slots: Sequence[Slot], units: int) -> Iterator[tuple[str, Slot, int]]:
    """The first ``units`` units of ``slots``, line by line."""
    for slot in slots:
        if units <= 0:
            return
        taken = min(units, slot.line.quantity)
        units -= taken
        yield slot.line.key, slot, taken


def _bundles(slots: Sequence[Slot], size: int
             ) -> Iterator[tuple[int, list[tuple[Slot, int]]]]:
    """Consecutive groups of ``size`` units as (how many identical groups, their pieces); a
    line holding many whole groups yields them at once rather than one by one."""
    pieces: list[tuple[Slot, int]] = []
    need = size
    for slot in slots:
        left = slot.line.quantity
        while left:
            if not pieces and left >= size:
                yield left // size, [(slot, size)]
                left %= size
                continue
            taken = min(left, need)
            pieces.append((slot, taken))
            left -= taken
            need -= taken
            if not need:
                yield 1, pieces
                pieces, need = [], size


def _unit_value(slot: Slot) -> tuple[Decimal, str]:
    return slot.current / slot.line.quantity, slot.line.key


def _value(slot: Slot, units: int) -> Decimal:
    # Multiply before dividing: 10.00 × 1 / 3 loses nothing that 10.00 / 3 × 1 would.
    return slot.current * units / slot.line.quantity


def _spend(slots: Sequence[Slot]) -> Decimal:
    return sum((slot.base for slot in slots), ZERO)


def _keys(slots: Sequence[Slot]) -> frozenset[str]:
    return frozenset(slot.line.key for slot in slots)
