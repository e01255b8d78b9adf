"""Checkouts racing to spend one account's value, each in its own committed transaction on its
own connection: an account is debited at most what it holds, the losers are refused with the
field named (never a server error), and the books still balance."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from shop.application import Invalid
from tests.concurrency import at_once, committed, postgresql_only
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
