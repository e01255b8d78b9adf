"""Paying with the internal means (balance, points, gift cards), alone and together, and giving
every one of them back exactly when the order is cancelled or closed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shop.application import Conflict, Forbidden, Invalid
from shop.application.security.throttle import Throttled
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
from tests.staff_factories import acting, staff


@pytest.fixture
def sku(system):
    prepare_shop(system)
    return sku_codes(system, stock=5, price="88.00")[0]  # + 12.00 express: 100.00 payable


def test_an_order_paid_by_balance_alone_is_paid_and_the_balance_debited(shop, sku):
    who = buyer(shop)
    top_up(shop, who, "150.00")
    number = order_of(shop, who, sku)
    assert pay(shop, who, number, balance="100.00").paid
    assert order_state(shop, who, number) == "awaiting_shipment"
    assert wallet(shop, who)[0] == Decimal("50.00")
    assert_books_balance(shop)


def test_gift_card_then_points_then_balance_pay_one_order(shop, sku):
    who = buyer(shop)
    top_up(shop, who, "80.00")
    grant_points(shop, who, 3000)
    card = gift_card(shop, "30.00")
    number = order_of(shop, who, sku)
    result = pay(shop, who, number, gift_card_code=card.code, gift_card_pin=card.pin,
                 points="2000", balance="50.00")
    assert result.paid  # 30.00 + 20.00 (2,000 points) + 50.00 = 100.00
    assert wallet(shop, who) == (Decimal("30.00"), 1000, [Decimal("0.00")])
    with shop.transaction(who.actor) as tx:
        tenders = tx.payments.tenders_of(number)
    assert [(t.method, t.amount, t.state) for t in tenders] == [
        ("gift_card", Decimal("30.00"), "captured"), ("points", Decimal("20.00"), "captured"),
        ("balance", Decimal("50.00"), "captured")]
    assert_books_balance(shop)


def test_cancelling_a_paid_order_gives_every_means_back_exactly(shop, sku):
    who = buyer(shop)
    top_up(shop, who, "80.00")
    grant_points(shop, who, 3000)
    card = gift_card(shop, "30.00")
    before = wallet(shop, who)
    number = order_of(shop, who, sku)
    pay(shop, who, number, gift_card_code=card.code, gift_card_pin=card.pin, points="2000",
        balance="50.00")
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(number)
    assert wallet(shop, who) == (before[0], before[1], [Decimal("30.00")])
    assert_books_balance(shop)


def test_holds_of_an_unpaid_order_go_back_when_it_closes(shop, sku, clock):
    who = buyer(shop)
    top_up(shop, who, "40.00")
    number = order_of(shop, who, sku)
    assert not pay(shop, who, number, balance="40.00").paid  # 60.00 still due
    assert wallet(shop, who)[0] == Decimal("0.00")
    with shop.transaction(who.actor) as tx:
        assert tx.payments.options(number).due == Decimal("60.00")
    clock.advance(timedelta(days=2))
    assert shop.run_job("close-unpaid-orders")["closed"] == 1
    assert wallet(shop, who)[0] == Decimal("40.00")
    assert_books_balance(shop)


def test_a_refused_means_leaves_no_hold_behind(shop, sku):
    who = buyer(shop)
    top_up(shop, who, "30.00")
    grant_points(shop, who, 1000)
    number = order_of(shop, who, sku)
    with pytest.raises(Invalid) as refused:
        pay(shop, who, number, points="1000", balance="50.00")  # only 30.00 on the balance
    assert set(refused.value.errors) == {"balance"}
    assert wallet(shop, who)[:2] == (Decimal("30.00"), 1000)
    with pytest.raises(Invalid) as refused:
        pay(shop, who, number, balance="120.00")
    assert set(refused.value.errors) == {"balance"}  # more than is due
    assert_books_balance(shop)


def test_points_pay_at_most_their_share_of_the_order(shop, sku):
    who = buyer(shop)
    grant_points(shop, who, 100000)
    number = order_of(shop, who, sku)
    with shop.transaction(who.actor) as tx:
        assert tx.payments.options(number).points_usable == 5000  # 50% of 100.00 at 0.01
    with pytest.raises(Invalid) as refused:
        pay(shop, who, number, points="5001")
    assert set(refused.value.errors) == {"points"}
    pay(shop, who, number, points="3000")
    with pytest.raises(Invalid):
        pay(shop, who, number, points="2001")  # the share counts what is held already
    pay(shop, who, number, points="2000")


def test_points_expire_by_the_policy_and_are_never_spent_expired(shop, sku, clock):
    who = buyer(shop)
    grant_points(shop, who, 500)
    clock.advance(timedelta(days=400))
    grant_points(shop, who, 300, "second-lot")
    assert wallet(shop, who)[1] == 800
    clock.advance(timedelta(days=400))  # the first lot is 24 months old after ~730 days
    clock.advance(timedelta(days=-70))
    assert wallet(shop, who)[1] == 800  # 730 days: not yet
    clock.advance(timedelta(days=5))
    assert wallet(shop, who)[1] == 300  # the first lot expired, the second is left
    assert_books_balance(shop)


def test_points_given_back_after_their_lot_expired_expire_at_once(shop, sku, clock):
    who = buyer(shop)
    grant_points(shop, who, 2000)
    number = order_of(shop, who, sku)
    pay(shop, who, number, points="1500")
    top_up(shop, who, "85.00")
    pay(shop, who, number, balance="85.00")
    clock.advance(timedelta(days=800))  # past the lot's 24 months
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(number)
    assert wallet(shop, who)[:2] == (Decimal("85.00"), 0)  # the balance comes back, not them
    with shop.transaction(who.actor) as tx:
        kinds = [line.kind for line in tx.wallet.mine().points_history]
    assert kinds[:2] == ["points_expire", "points_refund"]
    assert_books_balance(shop)


def test_an_expired_gift_card_is_refunded_to_the_balance(shop, sku, clock):
    who = buyer(shop)
    card = gift_card(shop, "100.00", expires_on=(clock.now() + timedelta(days=10))
                     .date().isoformat())
    number = order_of(shop, who, sku)
    assert pay(shop, who, number, gift_card_code=card.code, gift_card_pin=card.pin).paid
    clock.advance(timedelta(days=30))
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(number)
    balance, _points, cards = wallet(shop, who)
    assert (balance, cards) == (Decimal("100.00"), [Decimal("0.00")])
    assert_books_balance(shop)


def test_a_gift_card_belongs_to_whoever_used_it_first(shop, sku):
    first, second = buyer(shop), buyer(shop)
    card = gift_card(shop, "50.00")
    with shop.transaction(first.actor) as tx:
        view = tx.gift_cards.add_to_account({"code": card.code.lower(), "pin": card.pin})
    assert view.balance == Decimal("50.00") and view.masked_code.endswith(card.code[-4:])
    number = order_of(shop, second, sku)
    with pytest.raises(Invalid) as refused:
        pay(shop, second, number, gift_card_code=card.code, gift_card_pin=card.pin)
    assert set(refused.value.errors) == {"gift_card_code"}  # the payment form's field
    number = order_of(shop, first, sku)
    assert not pay(shop, first, number, gift_card=str(view.id)).paid  # no PIN: it is mine
    assert wallet(shop, first)[2] == [Decimal("0.00")]


def test_guessing_gift_card_pins_is_throttled(shop, sku):
    who = buyer(shop)
    card = gift_card(shop)
    for n in range(20):
        with shop.transaction(who.actor) as tx, pytest.raises(Invalid):
            tx.gift_cards.add_to_account({"code": card.code, "pin": f"{n:06d}x"})
    with shop.transaction(who.actor) as tx, pytest.raises(Throttled):
        tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin})


def test_staff_top_up_needs_finance_rights_and_is_audited(shop, system):
    who = buyer(shop)
    clerk = staff(system, ())
    with pytest.raises(Forbidden):
        acting(system, clerk).wallet.top_up(who.actor.id, {"amount": "10.00", "reason": "x"})
    with pytest.raises(Invalid) as refused:
        system.wallet.top_up(who.actor.id, {"amount": "-1", "reason": ""})
    assert set(refused.value.errors) == {"amount", "reason"}
    system.wallet.top_up(who.actor.id, {"amount": "10.00", "reason": "compensation #42"})
    entry = system.audit_log.page({"action": "payments.balance.top_up"}).rows[0].entry
    assert entry.after["reason"] == "compensation #42" and entry.actor_name == "system:tests"


def test_a_partial_refund_goes_to_the_means_in_order(shop, sku, system):
    who = buyer(shop)
    top_up(shop, who, "60.00")
    card = gift_card(shop, "40.00")
    number = order_of(shop, who, sku)
    pay(shop, who, number, gift_card_code=card.code, gift_card_pin=card.pin, balance="60.00")
    tenders = system.payments.refund(number, {"amount": "70.00", "reason": "RMA 1"})
    assert {t.method: t.refunded for t in tenders} == {"balance": Decimal("60.00"),
                                                      "gift_card": Decimal("10.00")}
    with pytest.raises(Invalid):
        system.payments.refund(number, {"amount": "30.01", "reason": "too much"})
    assert wallet(shop, who)[0] == Decimal("60.00")
    assert_books_balance(shop)


def test_a_paid_order_is_not_paid_twice(shop, sku):
    who = buyer(shop)
    top_up(shop, who, "300.00")
    number = order_of(shop, who, sku)
    pay(shop, who, number, balance="100.00")
    with pytest.raises(Conflict):
        pay(shop, who, number, balance="100.00")
    assert wallet(shop, who)[0] == Decimal("200.00")


def test_the_journal_refuses_update_and_delete(shop, sku):
    who = buyer(shop)
    top_up(shop, who, "10.00")
    for statement in ("UPDATE ledger_entry SET amount = 1000", "DELETE FROM ledger_entry"):
        with shop.transaction(shop.system_actor("tests")) as tx, pytest.raises(DBAPIError), \
                tx._session.begin_nested():
            tx._session.execute(text(statement))


def test_the_same_payment_form_sent_twice_holds_once(shop, sku):
    who = buyer(shop)
    top_up(shop, who, "80.00")
    number = order_of(shop, who, sku)
    with shop.transaction(who.actor) as tx:
        key = tx.payments.options(number).request_key
    for _ in range(2):  # a double click
        assert not pay(shop, who, number, balance="40.00", request_key=key).paid
    assert wallet(shop, who)[0] == Decimal("40.00")
    with shop.transaction(who.actor) as tx:
        assert tx.payments.options(number).due == Decimal("60.00")
        assert tx.payments.options(number).request_key != key  # each form its own


def test_a_gift_card_batch_form_sent_twice_issues_once(system):
    form = {"name": "新年卡", "value": "50.00", "quantity": "3", "expires_on": "2099-01-01",
            "request_key": "form-7"}
    assert len(system.gift_cards.issue(form).cards) == 3
    with pytest.raises(Conflict):
        system.gift_cards.issue(form)
    assert [batch.quantity for batch in system.gift_cards.batches()] == [3]
