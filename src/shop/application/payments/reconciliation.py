"""Reconciliation (对账): the shop's payments and refunds of a day against the gateway's
statement of that day.

Each side is keyed by (kind, number): a payment by its out_trade_no, a refund by its refund
number. What only one side has, or what both have at different amounts, is a mismatch; each is
also written as an alert for finance (kind "reconciliation"), so the worklist keeps it after
the report is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from shop.data.repositories.payments import PaymentRepository

if TYPE_CHECKING:
    from shop.application.payments.gateways.port import Gateway, StatementLine


@dataclass(frozen=True)
class Mismatch:
    problem: Literal["missing_at_gateway", "missing_in_shop", "amount_differs"]
    kind: str  # "payment" or "refund"
    number: str
    shop_amount: Decimal | None
    gateway_amount: Decimal | None


@dataclass(frozen=True)
class Reconciliation:
    gateway: str
    day: date
    matched: int
    mismatches: tuple[Mismatch, ...]


def reconcile(repo: PaymentRepository, gateway: Gateway, day: date,
              bounds: tuple[datetime, datetime]) -> Reconciliation:
    """``bounds``: the day's start and end in the shop's time zone."""
    start, end = bounds
    ours: dict[tuple[str, str], Decimal] = {}
    for payment in repo.captured_between(gateway.name, start, end):
        ours[("payment", payment.number)] = payment.amount
    for refund, _payment_number in repo.refunds_between(gateway.name, start, end):
        ours[("refund", refund.number)] = refund.amount
    theirs: dict[tuple[str, str], Decimal] = {}
    for line in gateway.statement(day):
        key = _key(line)
        theirs[key] = theirs.get(key, Decimal("0.00")) + line.amount
    mismatches = []
    for key in sorted(ours.keys() | theirs.keys()):
        mine, other = ours.get(key), theirs.get(key)
        if mine == other:
            continue
        problem: Literal["missing_at_gateway", "missing_in_shop", "amount_differs"] = (
            "missing_at_gateway" if other is None else
            "missing_in_shop" if mine is None else "amount_differs")
        mismatches.append(Mismatch(problem, key[0], key[1], mine, other))
    return Reconciliation(gateway.name, day, len(ours.keys() & theirs.keys()) - sum(
        1 for m in mismatches if m.problem == "amount_differs"), tuple(mismatches))


def _key(line: StatementLine) -> tuple[str, str]:
    return ("refund", line.refund_no) if line.kind == "refund" else ("payment", line.out_trade_no)
