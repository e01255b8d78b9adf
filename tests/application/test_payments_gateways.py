"""Paying through Alipay, WeChat Pay and UnionPay, end to end against their simulators: the
notification counted once however often it comes, racing the shopper's return, refused when
its amount or signature is wrong, a payment after the order ended, refunds and reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shop.application import Invalid
from shop.application.payments.calls import check_payment
from shop.application.payments.gateways.port import GatewayUnavailable, HttpRequest
from shop.data.models import GatewayEvent, OutboxMessage, PaymentAlert
from tests.gateway_support import NAMES, install
from tests.ordering_support import buyer, prepare_shop, sku_codes
from tests.payments_support import (
    assert_books_balance,
    gift_card,
    grant_points,
    order_of,
    order_state,
    pay,
    top_up,
    wallet,
)

#: Per gateway: a notification of the paid trade that is validly signed but claims another
#: amount, and one whose signature does not match what it says.
WRONG_AMOUNT = {
    "alipay": lambda sim, no: sim.notification(no, total_amount="0.01"),
    "wechat": lambda sim, no: sim.notification(no, resource={"amount": {
        "total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"}}),
    "unionpay": lambda sim, no: sim.notification(no, txnAmt="1"),
}
BAD_SIGNATURE = {
    "alipay": lambda sim, no: sim.notification(no, tamper={"total_amount": "0.01"}),
    "wechat": lambda sim, no: sim.notification(no, corrupt_signature=True),
    "unionpay": lambda sim, no: sim.notification(no, tamper={"txnAmt": "1"}),
}


@pytest.fixture
def sku(system):
    prepare_shop(system)
    return sku_codes(system, stock=3, price="88.00")[0]  # + 12.00 express: 100.00 payable


@pytest.fixture
def gateways(shop, clock, gateway_keys):
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # 10:00 in Beijing
    return install(shop, clock, gateway_keys)


def _start(shop, gateways, who, number, name, **means):
    result = pay(shop, who, number, gateway=name, **means)
    gateways.open_cashier(who.actor, result.payment_number)
    return result.payment_number


def _paid_at_gateway(shop, gateways, who, number, name, **means):
    payment = _start(shop, gateways, who, number, name, **means)
    gateways.simulators[name].pay(payment)
    return payment


def _notify_again(shop, gateways, name, payment):
    """The gateway's retry of its notification, signed as of now (WeChat Pay refuses a
    signature five minutes old)."""
    gateways.outbox.clear()
    headers, body = gateways.simulators[name].notification(payment)
    with shop.transaction() as tx:
        return tx.payments.notify(name, HttpRequest(headers, body))


def _count(shop, model, *where):
    with shop.transaction() as tx:
        return tx._session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("name", NAMES)
def test_the_same_notification_ten_times_pays_the_order_once(shop, gateways, sku, name):
    who = buyer(shop)
    number = order_of(shop, who, sku)
    _paid_at_gateway(shop, gateways, who, number, name)
    [sent] = gateways.outbox
    answers = [gateways.deliver(sent) for _ in range(10)]
    assert len({(a.status, a.body) for a in answers}) == 1 and answers[0].status < 300
    assert order_state(shop, who, number) == "awaiting_shipment"
    assert _count(shop, GatewayEvent) == 1
    shop.run_job("dispatch-events")
    assert _count(shop, OutboxMessage, OutboxMessage.subject == "付款成功") == 1  # one message
    with shop.transaction(who.actor) as tx:
        [tender] = tx.payments.tenders_of(number)
    assert (tender.method, tender.amount, tender.state) == (name, Decimal("100.00"), "captured")
    assert_books_balance(shop)


@pytest.mark.parametrize("name", ["alipay", "unionpay"])
def test_the_shoppers_return_before_the_notification_still_pays_once(shop, gateways, sku, name):
    who = buyer(shop)
    number = order_of(shop, who, sku)
    payment = _start(shop, gateways, who, number, name)
    simulator = gateways.simulators[name]
    if name == "alipay":
        back = simulator.pay(payment)
        query = dict(__import__("urllib.parse").parse.parse_qsl(back.partition("?")[2]))
        request = HttpRequest({}, b"", query)
    else:
        simulator.pay(payment)
        headers, body = simulator.notification(payment)  # the front notify the browser posts
        request = HttpRequest(headers, body)
    with shop.transaction(who.actor) as tx:
        back = tx.payments.returned(name, request)
    assert (back.order_number, back.pending) == (number, True)
    assert check_payment(shop, back.payment_number, who.actor) == "captured"  # the gateway: paid
    assert order_state(shop, who, number) == "awaiting_shipment"
    assert all(answer.status < 300 for answer in gateways.flush())  # then the notification
    with shop.transaction(who.actor) as tx:
        assert [t.state for t in tx.payments.tenders_of(number)] == ["captured"]
    assert_books_balance(shop)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("spoiled", "alert"), [(WRONG_AMOUNT, "amount_mismatch"),
                                                (BAD_SIGNATURE, "bad_signature")])
def test_a_wrong_amount_or_signature_is_refused_flagged_and_credits_nothing(
        shop, gateways, sku, name, spoiled, alert):
    who = buyer(shop)
    number = order_of(shop, who, sku)
    payment = _paid_at_gateway(shop, gateways, who, number, name)
    gateways.outbox.clear()
    headers, body = spoiled[name](gateways.simulators[name], payment)
    with shop.transaction() as tx:
        answer = tx.payments.notify(name, HttpRequest(headers, body))
    assert answer.status >= 400 or answer.body in (b"failure", b"fail")
    assert order_state(shop, who, number) == "awaiting_payment"
    assert _count(shop, PaymentAlert, PaymentAlert.kind == alert) == 1
    assert _count(shop, GatewayEvent) == (alert == "amount_mismatch")  # a valid one is kept
    assert_books_balance(shop)


def test_an_unreachable_gateway_leaves_the_order_payable_and_charges_once(shop, gateways, sku):
    who = buyer(shop)
    grant_points(shop, who, 1000)
    number = order_of(shop, who, sku)
    result = pay(shop, who, number, points="1000", gateway="wechat")
    gateways.simulators["wechat"].unreachable = True
    with pytest.raises(GatewayUnavailable):
        gateways.open_cashier(who.actor, result.payment_number)
    assert order_state(shop, who, number) == "awaiting_payment"
    assert wallet(shop, who)[1] == 0  # the points stay set aside for this order
    gateways.simulators["wechat"].unreachable = False
    again = pay(shop, who, number, gateway="wechat")  # the shopper tries again: same trade
    assert again.payment_number == result.payment_number
    gateways.open_cashier(who.actor, again.payment_number)
    gateways.simulators["wechat"].pay(again.payment_number)
    gateways.flush()
    assert order_state(shop, who, number) == "awaiting_shipment"
    assert list(gateways.simulators["wechat"].trades) == [result.payment_number]


@pytest.mark.parametrize("name", NAMES)
def test_split_tender_cancelled_gives_everything_back(shop, gateways, sku, name):
    who = buyer(shop)
    grant_points(shop, who, 2000)
    card = gift_card(shop, "30.00")
    before = wallet(shop, who)
    number = order_of(shop, who, sku)
    _paid_at_gateway(shop, gateways, who, number, name, gift_card_code=card.code,
                     gift_card_pin=card.pin, points="2000")
    gateways.flush()
    assert order_state(shop, who, number) == "awaiting_shipment"
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(number)
    shop.run_job("send-refunds")  # the refund is sent after the commit
    gateways.flush()  # UnionPay confirms its refunds by notification
    assert wallet(shop, who) == (before[0], before[1], [Decimal("30.00")])
    with shop.transaction(who.actor) as tx:
        tenders = {t.method: t for t in tx.payments.tenders_of(number)}
    assert tenders[name].refunded == Decimal("50.00")
    simulator_refunded = _refunded_at(gateways.simulators[name])
    assert simulator_refunded == Decimal("50.00")
    assert_books_balance(shop)


def _refunded_at(simulator):
    """What the simulator says it refunded, in yuan."""
    refunds = simulator.refunds
    if isinstance(refunds, list):  # UnionPay: transactions in fen
        return sum((Decimal(t.amount) / 100 for t in refunds if t.state == "paid"),
                   Decimal("0.00"))
    if hasattr(simulator, "misstate"):  # WeChat Pay: refunds in fen
        return sum((Decimal(r.refund) / 100 for r in refunds.values()
                    if r.status == "SUCCESS"), Decimal("0.00"))
    return sum((r.amount for r in refunds.values() if r.done), Decimal("0.00"))


@pytest.mark.parametrize("name", NAMES)
def test_a_payment_after_the_order_closed_completes_it_when_stock_remains(
        shop, gateways, sku, clock, name):
    who = buyer(shop)
    number = order_of(shop, who, sku)
    payment = _paid_at_gateway(shop, gateways, who, number, name)
    clock.advance(timedelta(hours=1))  # the order closes before the notification comes
    shop.run_job("close-unpaid-orders")
    assert order_state(shop, who, number) == "closed"
    _notify_again(shop, gateways, name, payment)
    assert order_state(shop, who, number) == "awaiting_shipment"
    assert _count(shop, PaymentAlert, PaymentAlert.kind == "late_payment_completed") == 1
    assert_books_balance(shop)


def test_a_late_payment_is_refunded_when_the_stock_is_gone(shop, gateways, sku, clock):
    who, other = buyer(shop), buyer(shop)
    number = order_of(shop, who, sku, 3)  # all three units
    payment = _paid_at_gateway(shop, gateways, who, number, "alipay")
    clock.advance(timedelta(hours=1))
    shop.run_job("close-unpaid-orders")
    order_of(shop, other, sku, 3)  # someone else took them meanwhile
    _notify_again(shop, gateways, "alipay", payment)
    assert order_state(shop, who, number) == "closed"
    shop.run_job("send-refunds")
    assert _refunded_at(gateways.simulators["alipay"]) == Decimal("264.00")  # free shipping
    assert _count(shop, PaymentAlert, PaymentAlert.kind == "late_payment_refunded") == 1
    assert_books_balance(shop)


def test_a_refund_that_could_not_reach_the_gateway_is_sent_later_once(shop, gateways, sku):
    who = buyer(shop)
    number = order_of(shop, who, sku)
    _paid_at_gateway(shop, gateways, who, number, "alipay")
    gateways.flush()
    gateways.simulators["alipay"].unreachable = True
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(number)
    assert shop.run_job("send-refunds") == {"succeeded": 0, "pending": 1, "failed": 0}
    assert _refunded_at(gateways.simulators["alipay"]) == 0
    gateways.simulators["alipay"].unreachable = False
    for _ in range(2):
        shop.run_job("send-refunds")
    assert _refunded_at(gateways.simulators["alipay"]) == Decimal("100.00")
    assert_books_balance(shop)


@pytest.mark.parametrize("name", NAMES)
def test_reconciliation_flags_a_planted_mismatch(shop, gateways, sku, clock, system, name):
    who = buyer(shop)
    numbers = [order_of(shop, who, sku) for _ in range(2)]
    payments = [_paid_at_gateway(shop, gateways, who, number, name) for number in numbers]
    gateways.flush()
    simulator = gateways.simulators[name]
    if name == "unionpay":
        simulator.plant_statement_mismatch(payments[1], amount=1)
    elif name == "wechat":
        simulator.misstate(payments[1], 1)
    else:
        simulator.plant_statement_mismatch(payments[1], Decimal("0.01"))
    clock.advance(timedelta(days=1))
    report = system.payments.reconcile(name, datetime(2026, 12, 1).date())
    assert report.matched == 1
    assert [(m.number, m.problem) for m in report.mismatches] == [
        (payments[1], "amount_differs")]


def test_the_same_form_sent_twice_starts_one_trade(shop, gateways, sku):
    who = buyer(shop)
    number = order_of(shop, who, sku)
    first = pay(shop, who, number, gateway="wechat", request_key="form-1")
    again = pay(shop, who, number, gateway="wechat", request_key="form-1")
    assert again.payment_number == first.payment_number
    steps = [gateways.open_cashier(who.actor, first.payment_number) for _ in range(2)]
    assert steps[0].qr_text == steps[1].qr_text  # started twice: one trade
    assert list(gateways.simulators["wechat"].trades) == [first.payment_number]


def test_a_trade_the_shop_closed_is_closed_at_its_gateway_after_the_commit(shop, gateways, sku):
    who = buyer(shop)
    top_up(shop, who, "10.00")
    number = order_of(shop, who, sku)
    first = _start(shop, gateways, who, number, "alipay")
    pay(shop, who, number, balance="10.00")  # a means added: the trade of 100.00 is stale
    assert shop.run_job("check-pending-payments")["closed"] == 1
    assert gateways.simulators["alipay"].trades[first].status == "TRADE_CLOSED"
    assert shop.run_job("check-pending-payments")["closed"] == 0  # told once


def test_alipay_installments_are_offered_with_their_fees_and_refused_below_the_minimum(
        shop, gateways, system, sku):
    who = buyer(shop)
    small = order_of(shop, who, sku)  # 100.00: at the minimum
    with shop.transaction(who.actor) as tx:
        plans = tx.payments.options(small).installment_plans
    assert [(p.periods, p.fee, p.total) for p in plans] == [
        (3, Decimal("2.30"), Decimal("102.30")), (6, Decimal("4.50"), Decimal("104.50")),
        (12, Decimal("7.50"), Decimal("107.50"))]
    top_up(shop, who, "10.00")
    with pytest.raises(Invalid) as refused:  # 90.00 left: below the minimum
        pay(shop, who, small, balance="10.00", gateway="alipay", installments="3")
    assert set(refused.value.errors) == {"installments"}
    assert wallet(shop, who)[0] == Decimal("10.00")  # nothing held
    result = pay(shop, who, small, gateway="alipay", installments="6")
    step = gateways.open_cashier(who.actor, result.payment_number)
    assert '"hb_fq_num":"6"' in step.fields["biz_content"].replace(" ", "")
