"""Giving a refund back to the means that paid, in a defined order, to the fen.

The order is: the gateways first (money goes back where it came from outside), then the account
balance, then gift cards, then points. Within a kind, the newest tender first. Points go back in
whole points; the part of a points tender's share worth less than one point goes to the
shopper's balance instead, so the refund still adds up to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

#: ``external``: what a group-buy platform collected (an order paid by it has no other means).
ORDER = ("external", "alipay", "wechat", "unionpay", "balance", "gift_card", "points")


@dataclass(frozen=True)
class Refundable:
    payment_id: int
    method: str
    left: Decimal  # captured less already refunded


@dataclass(frozen=True)
class Share:
    payment_id: int
    method: str
    amount: Decimal
    points: int = 0  # for a points tender: the whole points that go back
    to_balance: Decimal = Decimal("0.00")  # for a points tender: the rest, less than a point


def allocate(amount: Decimal, tenders: Sequence[Refundable], point_value: Decimal) -> list[Share]:
    """Split ``amount`` over ``tenders`` (at most their total, else ``ValueError``)."""
    if amount <= 0:
        raise ValueError("a refund is a positive amount")
    if amount > sum((tender.left for tender in tenders), Decimal("0.00")):
        raise ValueError("more than is left to refund")
    ranked = sorted(tenders, key=lambda tender: (ORDER.index(tender.method), -tender.payment_id))
    shares: list[Share] = []
    rest = amount
    for tender in ranked:
        if rest == 0:
            break
        take = min(rest, tender.left)
        if take <= 0:
            continue
        rest -= take
        if tender.method == "points":
            points = int((take / point_value).to_integral_value(rounding=ROUND_FLOOR))
            shares.append(Share(tender.payment_id, tender.method, take, points,
                                take - point_value * points))
        else:
            shares.append(Share(tender.payment_id, tender.method, take))
    return shares
