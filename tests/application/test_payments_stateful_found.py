"""What the stateful payments test (``test_payments_stateful.py``) found, each pinned to the
shortest sequence that shows it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shop.application import Shop
from shop.data.repositories.ledger import LedgerRepository
from tests.gateway_support import install
from tests.ordering_support import buyer, place, prepare_shop, sku_codes
from tests.payments_support import (
    assert_books_balance,
    gift_card,
    grant_points,
    order_state,
    pay,
    top_up,
    wallet,
)

#: + 12.00 express below 199.00
PRICES = ("33.33", "57.01", "188.87")


@pytest.fixture
def skus(system: Any) -> list[str]:
    prepare_shop(system)
    return [sku_codes(system, stock=10, price=price)[0] for price in PRICES]


def test_a_hold_and_a_capture_that_add_up_only_to_the_fen_pay_the_order(shop, clock, skus,
                                                                        gateway_keys):
    """5.05 + 561.56 is 566.6099999999999 in a float (SQLite's NUMERIC): the sale of 566.61
    was refused as an overdraft and the notification failed."""
    gateways = install(shop, clock, gateway_keys)
    who = buyer(shop)
    top_up(shop, who, "5.05")
    number = place(shop, who, {skus[2]: 3}).number  # 566.61, shipping free
    result = pay(shop, who, number, balance="5.05", gateway="alipay")
    gateways.open_cashier(who.actor, result.payment_number)
    gateways.simulators["alipay"].pay(result.payment_number)
    assert [answer.body for answer in gateways.flush()] == [b"success"]
    assert order_state(shop, who, number) == "awaiting_shipment"
    assert_books_balance(shop)


def test_refunds_that_add_up_only_to_the_fen_refund_the_whole_tender(shop, system, skus):
    """0.01 + 1.12 is 1.1300000000000001 in a float: the second refund's claim was refused."""
    who = buyer(shop)
    top_up(shop, who, "1.13")
    card = gift_card(shop, "44.20")
    number = place(shop, who, {skus[0]: 1}).number  # 45.33
    assert pay(shop, who, number, balance="1.13", gift_card_code=card.code,
               gift_card_pin=card.pin).paid
    for amount in ("0.01", "1.12"):
        system.payments.refund(number, {"amount": amount, "reason": "RMA"})
    assert wallet(shop, who)[0] == Decimal("1.13")


def test_points_given_back_take_their_worth_out_of_the_order(shop, skus):
    """The points and their worth in CNY went back under one reference, so the CNY never
    moved: the order's account kept it."""
    who = buyer(shop)
    grant_points(shop, who, 1000)
    number = place(shop, who, {skus[0]: 1}).number
    pay(shop, who, number, points="500")
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(number)
    assert wallet(shop, who)[1] == 1000
    with shop.transaction() as tx:
        assert LedgerRepository(tx._session).by_code(f"order:{number}").balance == 0


def test_a_payment_refunded_as_late_earns_no_points(shop, clock, skus, gateway_keys):
    """A trade paid at Alipay whose notification came after the order was paid by WeChat Pay
    is refunded; the order earned points for both."""
    gateways = install(shop, clock, gateway_keys)
    who = buyer(shop)
    number = place(shop, who, {skus[1]: 1}).number  # 69.01
    first = pay(shop, who, number, gateway="alipay")
    gateways.open_cashier(who.actor, first.payment_number)
    gateways.simulators["alipay"].pay(first.payment_number)
    late = gateways.outbox.pop()
    second = pay(shop, who, number, gateway="wechat")
    gateways.open_cashier(who.actor, second.payment_number)
    gateways.simulators["wechat"].pay(second.payment_number)
    gateways.flush()
    assert gateways.deliver(late).status == 200
    shop.run_job("dispatch-events")
    assert wallet(shop, who)[1] == 69


def test_a_refund_of_less_than_a_point_goes_to_the_balance(connection, settings, clock, skus):
    """With a point worth 0.07, a share of 0.05 is no whole point: the points part moved 0.00,
    which the journal refuses, and the refund failed."""
    shop = Shop(connection, settings | {"shop.points.value": "0.07"}, clock=clock)
    who = buyer(shop)
    grant_points(shop, who, 100)
    top_up(shop, who, "38.33")
    number = place(shop, who, {skus[0]: 1}).number  # 45.33: 7.00 by points
    assert pay(shop, who, number, points="100", balance="38.33").paid
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.payments.refund(number, {"amount": "38.38", "reason": "RMA"})
    assert wallet(shop, who)[:2] == (Decimal("38.38"), 0)
    assert_books_balance(shop)


def test_a_late_payment_for_an_order_paid_then_cancelled_is_refunded(shop, clock, skus,
                                                                      gateway_keys):
    """Paid by WeChat Pay while an Alipay trade for the same order was paid but not yet
    notified; cancelled (WeChat Pay refunded); then Alipay's notification comes. An order that
    was paid once is not revived (its sale was booked and refunded): the late payment is
    refunded, and the order's account ends empty."""
    gateways = install(shop, clock, gateway_keys)
    who = buyer(shop)
    number = place(shop, who, {skus[1]: 1}).number
    first = pay(shop, who, number, gateway="alipay")
    gateways.open_cashier(who.actor, first.payment_number)
    gateways.simulators["alipay"].pay(first.payment_number)
    late = gateways.outbox.pop()
    second = pay(shop, who, number, gateway="wechat")
    gateways.open_cashier(who.actor, second.payment_number)
    gateways.simulators["wechat"].pay(second.payment_number)
    gateways.flush()
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(number)
    gateways.deliver(late)
    shop.run_job("send-refunds")
    assert order_state(shop, who, number) == "cancelled"
    with shop.transaction() as tx:
        assert LedgerRepository(tx._session).by_code(f"order:{number}").balance == 0
    assert_books_balance(shop)
