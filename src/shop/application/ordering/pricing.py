"""The payable breakdown (实付金额计算), computed once, here, for the checkout page, the order
and the library alike.

    items total − discounts + shipping fee − covered by internal means = payable

Discounts (the promotions issue) and internal means (balance, points, gift cards: the payments
issue) plug in as amounts; an order-level discount is shared out over the lines by largest
remainder, so the shares add up to the fen and a later refund of any line is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from heapq import nsmallest

from shop.application.money import to_money

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Breakdown:
    items_total: Decimal
    discount_total: Decimal
    shipping_fee: Decimal
    covered_total: Decimal

    @property
    def payable(self) -> Decimal:
        return to_money(self.items_total - self.discount_total + self.shipping_fee
                        - self.covered_total)


def breakdown(line_totals: Sequence[Decimal], shipping_fee: Decimal, *,
              discount: Decimal = ZERO, covered: Decimal = ZERO) -> Breakdown:
    """The amounts of an order. A discount never takes the items below zero, and internal means
    never cover more than what is left to pay."""
    items = to_money(sum(line_totals, ZERO))
    discount = min(to_money(discount), items)
    covered = min(to_money(covered), items - discount + to_money(shipping_fee))
    return Breakdown(items, discount, to_money(shipping_fee), covered)


def share_out(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` split over ``weights`` in proportion, to the fen, adding up exactly.

    Each share is first rounded down; the fen left over go one each to the shares that lost
    the most in rounding (ties to the earlier line). No share exceeds its weight when
    ``amount`` does not exceed their sum.
    """
    amount = to_money(amount)
    total = sum(weights, ZERO)
    if amount == ZERO or total == ZERO:
        return [ZERO for _ in weights]
    return _to_the_fen(amount, [amount * weight / total for weight in weights])


def share_out_capped(amount: Decimal, weights: Sequence[Decimal],
                     caps: Sequence[Decimal]) -> list[Decimal]:
    """Like ``share_out``, but no share exceeds its cap (fen amounts): what a capped share
    cannot take goes to the others in proportion to their weights ("water-filling").

    A promotion uses it to spread a discount over lines that each have a floor: a line at its
    floor takes no more, and the fen still add up. A share with weight zero gets nothing, so
    ``amount`` must not exceed the caps of the shares with a weight.
    """
    amount = to_money(amount)
    if len(caps) != len(weights):
        raise ValueError("one cap per weight")
    open_ = [i for i, weight in enumerate(weights) if weight > ZERO]
    if amount > sum((caps[i] for i in open_), ZERO):
        raise ValueError(f"{amount} does not fit under the caps")
    exact = [ZERO for _ in weights]
    left = amount
    while open_ and left > ZERO:
        total = sum((weights[i] for i in open_), ZERO)
        proposed = {i: left * weights[i] / total for i in open_}
        full = {i for i, share in proposed.items() if share >= caps[i]}
        if not full:
            for i, share in proposed.items():
                exact[i] = share
            break
        # Pinning every share that overflows at once is safe: spreading what they leave
        # only raises the others, so none of them would fall back under its cap.
        for i in full:
            exact[i] = caps[i]
            left -= caps[i]
        open_ = [i for i in open_ if i not in full]
    return _to_the_fen(amount, exact)


def _to_the_fen(amount: Decimal, exact: Sequence[Decimal]) -> list[Decimal]:
    """Largest remainder: round each exact share down, then hand the fen left over one each
    to the shares that lost the most (ties to the earlier one)."""
    shares = [share.quantize(FEN, rounding=ROUND_DOWN) for share in exact]
    left = int((amount - sum(shares, ZERO)) / FEN)
    for index in nsmallest(left, range(len(exact)), key=lambda i: (shares[i] - exact[i], i)):
        shares[index] += FEN
    return shares
