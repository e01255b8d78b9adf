"""Staff racing on one RMA request, each in their own committed transaction on their own
connection: a double click or two staff at once approve once and refund once."""

from __future__ import annotations

from collections import Counter

from shop.application import Conflict
from tests.concurrency import at_once, committed, postgresql_only
from tests.payments_support import assert_books_balance, wallet
from tests.rma_support import ask, service_staff, sold, stock_up

__all__ = ["committed"]  # the fixture, for pytest

RACERS = 8


def _race(shop, actor, step):
    def run(_n: int) -> str:
        try:
            with shop.transaction(actor) as tx:
                step(tx)
        except Conflict:
            return "conflict"
        return "done"

    return at_once(RACERS, run)


@postgresql_only
def test_staff_approving_and_refunding_one_request_at_once_refund_it_once(committed):
    skus = stock_up(committed)
    order = sold(committed, skus)
    desk = service_staff(committed)
    made = ask(committed, order.who, order.number, "return", "no_reason", {order.lines[0]: 1})
    balance = wallet(committed, order.who)[0]

    assert _race(committed, desk, lambda tx: tx.rma.approve(made.number)) == Counter(
        {"done": 1, "conflict": RACERS - 1})
    assert _race(committed, desk, lambda tx: tx.rma.receive(
        made.number, {"disposition": "restock"})) == Counter(
        {"done": 1, "conflict": RACERS - 1})
    assert _race(committed, desk, lambda tx: tx.rma.refund(made.number)) == Counter(
        {"done": 1, "conflict": RACERS - 1})

    with committed.transaction(order.who.actor) as tx:
        detail = tx.rma.get(made.number)
    assert detail.summary.state == "refunded"
    assert [step.to_state for step in detail.steps] == ["requested", "approved", "received",
                                                        "refunded"]
    assert wallet(committed, order.who)[0] == balance + detail.summary.refund_total
    assert_books_balance(committed)


@postgresql_only
def test_two_requests_for_the_last_units_of_a_line_at_once_take_them_once(committed):
    skus = stock_up(committed)
    order = sold(committed, skus)

    def run(_n: int) -> str:
        try:
            ask(committed, order.who, order.number, "return", "quality", {order.lines[0]: 3})
        except Exception as exc:  # Invalid names the quantity
            return type(exc).__name__
        return "made"

    assert at_once(4, run) == Counter({"made": 1, "Invalid": 3})
