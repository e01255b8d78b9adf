"""Checkouts racing to spend one account's value, each in its own committed transaction on its
own connection: an account is debited at most what it holds, the losers are refused with the
field named (never a server error), and the books still balance."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select

from shop.application import Invalid
from shop.data.models import GatewayEvent
from tests.concurrency import at_once, committed, postgresql_only
from tests.gateway_support import install
from tests.ordering_support import buyer, place, prepare_shop, sku_codes
from tests.payments_support import assert_books_balance, gift_card, grant_points, top_up, wallet

__all__ = ["committed"]  # the fixture, for pytest

RACERS = 50


def _orders(shop, who, count):
    with shop.transaction(shop.system_actor("tests")) as tx:
        prepare_shop(tx)
        [sku] = sku_codes(tx, stock=count, price="88.00")  # + 12.00 express: 100.00 each
    return [place(shop, who, {sku: 1}).number for _ in range(count)]


def _race(shop, who, numbers, **data):
    def spend(n: int) -> str:
        try:
            with shop.transaction(who.actor) as tx:
                tx.payments.pay(numbers[n], data)
        except Invalid as exc:
            return "refused: " + ",".join(sorted(exc.errors))
        return "held"

    return at_once(len(numbers), spend)


@postgresql_only
def test_fifty_checkouts_spending_one_gift_card_debit_it_once(committed):
    who = buyer(committed)
    numbers = _orders(committed, who, RACERS)
    card = gift_card(committed, "100.00")
    with committed.transaction(who.actor) as tx:
        card_id = tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin}).id
    outcomes = _race(committed, who, numbers, gift_card=str(card_id))
    assert outcomes == Counter({"held": 1, "refused: gift_card": RACERS - 1})
    assert wallet(committed, who)[2] == [Decimal("0.00")]
    assert_books_balance(committed)


@postgresql_only
def test_fifty_checkouts_spending_one_balance_debit_it_once(committed):
    who = buyer(committed)
    numbers = _orders(committed, who, RACERS)
    top_up(committed, who, "100.00")
    outcomes = _race(committed, who, numbers, balance="100.00")
    assert outcomes == Counter({"held": 1, "refused: balance": RACERS - 1})
    assert wallet(committed, who)[0] == Decimal("0.00")
    assert_books_balance(committed)


@postgresql_only
def test_fifty_checkouts_spending_the_same_points_debit_them_once(committed):
    who = buyer(committed)
    numbers = _orders(committed, who, RACERS)
    grant_points(committed, who, 5000)
    outcomes = _race(committed, who, numbers, points="5000")
    assert outcomes == Counter({"held": 1, "refused: points": RACERS - 1})
    assert wallet(committed, who)[1] == 0
    assert_books_balance(committed)


@postgresql_only
def test_two_refunds_of_sixty_percent_at_once_refund_once(committed, clock, gateway_keys):
    gateways = install(committed, clock, gateway_keys)
    who = buyer(committed)
    [number] = _orders(committed, who, 1)
    with committed.transaction(who.actor) as tx:
        step = tx.payments.pay(number, {"gateway": "alipay"})
    gateways.open_cashier(who.actor, step.payment_number)
    gateways.simulators["alipay"].pay(step.payment_number)
    gateways.flush()

    def refund(n: int) -> str:
        try:
            with committed.transaction(committed.system_actor("tests")) as tx:
                tx.payments.refund(number, {"amount": "60.00", "reason": f"RMA {n}"})
        except Invalid as exc:
            return "refused: " + ",".join(sorted(exc.errors))
        return "refunded"

    assert at_once(2, refund) == Counter({"refunded": 1, "refused: amount": 1})
    committed.run_job("send-refunds")
    refunds = gateways.simulators["alipay"].refunds.values()
    assert [r.amount for r in refunds] == [Decimal("60.00")]
    assert_books_balance(committed)


@postgresql_only
def test_the_same_notification_ten_times_at_once_pays_once(committed, clock, gateway_keys):
    gateways = install(committed, clock, gateway_keys)
    who = buyer(committed)
    [number] = _orders(committed, who, 1)
    with committed.transaction(who.actor) as tx:
        step = tx.payments.pay(number, {"gateway": "unionpay"})
    gateways.open_cashier(who.actor, step.payment_number)
    gateways.simulators["unionpay"].pay(step.payment_number)
    [sent] = gateways.outbox
    answers = at_once(10, lambda n: gateways.deliver(sent).body.decode())
    assert answers == Counter({"ok": 10})
    with committed.transaction(who.actor) as tx:
        assert tx.orders.get(number).state == "awaiting_shipment"
        assert [t.state for t in tx.payments.tenders_of(number)] == ["captured"]
        events = tx._session.scalar(select(func.count()).select_from(GatewayEvent))
    assert events == 1
    assert_books_balance(committed)
