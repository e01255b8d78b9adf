"""The promotion engine: the best combination of offers for a cart, with its guard rails.

Offers are processed in one fixed order — stage (price, items, order, coupon, shipping), then
higher priority, then canonical key — so every combination is a subsequence of that order
and the search walks it depth first: each offer is either taken, on the lines no
incompatible offer took before it, or left out. Sharing the prefixes makes 2ⁿ combinations
cost about 2ⁿ⁺¹ rule applications; an offer that would add nothing is never taken (the
combination without it is as good and has fewer offers), and a branch whose remaining offers
could not catch up with the best saving found so far is cut (see ``Cart.search``).

Only offers that give something on their own are searched: processing more offers first
only lowers the lines' totals and takes lines away, so a threshold missed alone is missed in
every combination, and a rule that finds nothing on all its lines finds nothing on fewer.
(One exception is accepted: a buy-X-get-Y or nth-unit offer whose cheapest units can take no
discount alone — priced 0 or at their floor — might find dearer units once another offer
has taken those lines; it is not searched.) If more than ``MAX_SEARCHED`` offers qualify, the
ones with the largest standalone saving are searched and the others are reported as
``search_limit``: that bounds the search at 2¹² combinations whatever the cart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from shop.application.money import FEN, to_money
from shop.application.ordering.pricing import share_out_capped
from shop.application.promotions import explain
from shop.application.promotions.offers import (
    ZERO,
    BuyXGetY,
    Context,
    GiftWithPurchase,
    Limits,
    Line,
    NForPrice,
    NthDiscount,
    Offer,
    SpecialPrice,
    Stage,
    canonical_key,
)
from shop.application.promotions.results import Applied, Gift, Pricing
from shop.application.promotions.rules import NOTHING, Effect, Slot, effect

MAX_SEARCHED = 12
#: Rules whose discount may grow when other offers take some of their lines away.
UNIT_RULES = (SpecialPrice, BuyXGetY, NForPrice, NthDiscount)


class Step(NamedTuple):
    """One offer as it applied within a combination."""

    position: int  # the offer's index in processing order
    shares: tuple[tuple[str, Decimal], ...]
    spend: Decimal | None
    frees_shipping: bool
    capped: bool


class State(NamedTuple):
    """The cart part-way through a combination (a named tuple: the search makes thousands)."""

    current: Mapping[str, Decimal]
    #: Line totals when the current stage began: what thresholds measure.
    base: Mapping[str, Decimal]
    stage: Stage
    headroom: Mapping[str, Decimal]
    #: The most the offers still to come may take off: what is left of the maximum share,
    #: and never more than the lines' headroom together.
    room: Decimal
    #: Which offers touched each line: bit i for the offer of index i.
    touched: Mapping[str, int]
    steps: tuple[Step, ...] = ()
    discount: Decimal = ZERO
    shipping_saving: Decimal = ZERO
    gift_units: int = 0
    has_coupon: bool = False


class Cart:
    """The offers that passed the checks that need no arithmetic, in processing order, and
    what applying them to this cart means."""

    def __init__(self, lines: Sequence[Line], offers: Sequence[Offer], shipping_fee: Decimal,
                 share_cap: Decimal | None) -> None:
        self.lines = sorted(lines, key=lambda line: line.key)
        self.keys = [canonical_key(offer) for offer in offers]
        order = sorted(range(len(offers)), key=lambda i: (
            offers[i].stage, -offers[i].stacking.priority, self.keys[i]))
        self.offers = [offers[i] for i in order]
        self.keys = [self.keys[i] for i in order]
        self.scoped = [[line for line in self.lines if offer.scope.covers(line)]
                       for offer in self.offers]
        self.compatible = [[a.stacking.compatible(b.stacking) for b in self.offers]
                           for a in self.offers]
        #: For each offer, the offers it may not share a line with, as a bit mask.
        self.rivals = [sum(1 << j for j, fits in enumerate(row) if not fits)
                       for row in self.compatible]
        self.shipping_fee = shipping_fee
        totals = {line.key: line.total for line in self.lines}
        room = sum((line.headroom for line in self.lines), ZERO)
        self.start = State(current=totals, base=totals, stage=Stage.PRICE,
                           headroom={line.key: line.headroom for line in self.lines},
                           room=room if share_cap is None else min(room, share_cap),
                           touched={line.key: 0 for line in self.lines})

    def apply(self, state: State, index: int) -> tuple[Effect, State | None]:
        """What offer ``index`` does after ``state``, and the state it leaves (None when it
        adds nothing, or may not join: a second coupon)."""
        offer = self.offers[index]
        if offer.is_coupon and state.has_coupon:
            return NOTHING, None
        if offer.stage is Stage.SHIPPING and (state.shipping_saving or not self.shipping_fee):
            return NOTHING, None  # shipping is saved once, and there may be nothing to save
        base = state.base if offer.stage == state.stage else state.current
        rivals = self.rivals[index]
        slots = [Slot(line, state.current[line.key], base[line.key])
                 for line in self.scoped[index] if not state.touched[line.key] & rivals]
        if not slots:
            return NOTHING, None
        found = effect(offer.rule, slots)
        if not found.touched:
            return found, None
        shares, capped = self._guarded(found, slots, state)
        amount = sum(shares.values(), ZERO)
        shipping = (self.shipping_fee if found.frees_shipping and not state.shipping_saving
                    else ZERO)
        if not (amount or shipping or found.gift):
            return found, None
        gift_units = offer.rule.gift_quantity if isinstance(offer.rule, GiftWithPurchase) else 0
        touched, current, headroom = dict(state.touched), dict(state.current), \
            dict(state.headroom)
        for key in found.touched:
            touched[key] |= 1 << index
        for key, share in shares.items():
            current[key] -= share
            headroom[key] -= share
        return found, State(
            current=current, base=base, stage=offer.stage, headroom=headroom,
            room=state.room - amount,
            touched=touched,
            steps=(*state.steps, Step(index, tuple((k, v) for k, v in shares.items() if v),
                                      found.spend, bool(shipping), capped)),
            discount=state.discount + amount,
            shipping_saving=state.shipping_saving + shipping,
            gift_units=state.gift_units + gift_units,
            has_coupon=state.has_coupon or offer.is_coupon)

    def _guarded(self, found: Effect, slots: Sequence[Slot], state: State
                 ) -> tuple[dict[str, Decimal], bool]:
        """The effect's discount within each line's floor and the maximum share that is left,
        to the fen; True when a guard rail took something away. Offers processed earlier have
        already used the room, so a cap always falls on the later offers."""
        if not (found.per_line or found.order_amount):  # a gift or free shipping
            return {}, False
        if found.per_line:
            keys = list(found.per_line)
            wanted = sum(found.per_line.values(), ZERO)
            weights = [min(found.per_line[key], state.headroom[key]) for key in keys]
            caps = weights
            amount = sum(weights, ZERO)
            if amount <= state.room:  # nothing to share out
                return dict(zip(keys, weights, strict=True)), amount < wanted
        else:
            keys = [slot.line.key for slot in slots if slot.line.key in found.touched]
            wanted = found.order_amount
            weights = [state.current[key] for key in keys]
            caps = [state.headroom[key] for key in keys]
            amount = min(wanted, sum((cap for cap, weight in zip(caps, weights, strict=True)
                                      if weight), ZERO))
        amount = min(amount, state.room)
        return dict(zip(keys, share_out_capped(amount, weights, caps), strict=True)), \
            amount < wanted

    def run(self, indices: Sequence[int]) -> tuple[State, dict[int, Effect]]:
        """Apply ``indices`` in processing order; what each one's rule found on the way."""
        state, found = self.start, {}
        for index in sorted(indices):
            found[index], after = self.apply(state, index)
            state = after or state
        return state, found

    def search(self, candidates: Sequence[int], alone: Mapping[int, State]) -> State:
        """The best combination of ``candidates``: the largest saving, then the most gift
        units, then the fewest offers, then the smallest canonical keys.

        A branch is cut when even the most its remaining offers could give would not reach
        the best saving found so far (``alone``: what each offer gives by itself)."""
        ceilings = [self._ceiling(index, alone[index]) for index in candidates]
        most_after = [sum(ceilings[position:], ZERO) for position in range(len(candidates))]
        shipping_after = [any(self.offers[index].stage is Stage.SHIPPING
                              for index in candidates[position:])
                          for position in range(len(candidates))]
        best = self.start
        best_rank = self.rank(best)

        def visit(position: int, state: State) -> None:
            nonlocal best, best_rank
            if position == len(candidates):
                rank = self.rank(state)
                if rank < best_rank:
                    best, best_rank = state, rank
                return
            shipping = state.shipping_saving or (
                self.shipping_fee if shipping_after[position] else ZERO)
            if state.discount + min(state.room, most_after[position]) + shipping < -best_rank[0]:
                return
            _, taken = self.apply(state, candidates[position])
            if taken is not None:
                visit(position + 1, taken)
            visit(position + 1, state)

        visit(0, self.start)
        return best

    def _ceiling(self, index: int, alone: State) -> Decimal:
        """The most offer ``index`` can take off in any combination. For most rules that is
        what it takes off alone (other offers only lower the totals it works on and take
        lines away); a special price's quota and the unit rules may move to dearer units
        when lines are taken away, so for them it is all their lines' headroom."""
        if isinstance(self.offers[index].rule, UNIT_RULES):
            return sum((line.headroom for line in self.scoped[index]), ZERO)
        return alone.discount

    def rank(self, state: State) -> tuple[Decimal, int, int, tuple[str, ...]]:
        return (-(state.discount + state.shipping_saving), -state.gift_units, len(state.steps),
                tuple(sorted(self.keys[step.position] for step in state.steps)))


def price(lines: Sequence[Line], offers: Sequence[Offer], context: Context, limits: Limits,
          shipping_fee: Decimal = ZERO) -> Pricing:
    """Price a cart: the best combination of ``offers`` and what it takes off which line.

    The same lines and the same set of offers give the same ``Pricing`` whatever their order.
    """
    if len({line.key for line in lines}) != len(lines):
        raise ValueError("line keys must be unique")
    if len({offer.key for offer in offers}) != len(offers):
        raise ValueError("offer keys must be unique")
    if to_money(shipping_fee) != shipping_fee or shipping_fee < 0:
        raise ValueError(f"not a shipping fee: {shipping_fee!r}")
    items_total = to_money(sum((line.total for line in lines), ZERO))
    # The maximum share in yuan, rounded down: a cap rounded up would let one fen too many by.
    share_cap = (None if limits.max_share is None
                 else (limits.max_share * items_total).quantize(FEN, rounding=ROUND_DOWN))
    refused = [(offer, reason) for offer in offers
               if (reason := explain.refusal(offer, lines, context))]
    refused_keys = {offer.key for offer, _ in refused}
    cart = Cart(lines, [offer for offer in offers if offer.key not in refused_keys],
                shipping_fee, share_cap)
    alone = {i: cart.apply(cart.start, i)[1] for i in range(len(cart.offers))}
    qualified = sorted((i for i, state in alone.items() if state is not None),
                       key=lambda i: (cart.rank(alone[i] or cart.start)[0], cart.keys[i]))
    searched = sorted(qualified[:MAX_SEARCHED])
    best = cart.search(searched, {i: state for i, state in alone.items() if state})

    shares: dict[str, Decimal] = {line.key: ZERO for line in lines}
    applied = []
    for step in best.steps:
        offer = cart.offers[step.position]
        for key, share in step.shares:
            shares[key] += share
        applied.append(Applied(offer.key, offer.name, offer.is_coupon,
                               sum((share for _, share in step.shares), ZERO), step.shares))
    skipped, near_misses = explain.explain(cart, best, refused, frozenset(qualified),
                                           frozenset(qualified[MAX_SEARCHED:]))
    return Pricing(
        applied=tuple(applied), line_discounts=shares, discount_total=best.discount,
        items_total=items_total,
        free_shipping_by=next((cart.offers[step.position].key for step in best.steps
                               if step.frees_shipping), None),
        shipping_saving=best.shipping_saving,
        gifts=tuple(Gift(cart.offers[step.position].key, rule.gift_sku_id, rule.gift_quantity)
                    for step in best.steps
                    if isinstance(rule := cart.offers[step.position].rule, GiftWithPurchase)),
        near_misses=near_misses, skipped=skipped,
        capped=any(step.capped for step in best.steps))
