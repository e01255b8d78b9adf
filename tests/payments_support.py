"""Shared steps of the payments tests: money in a shopper's accounts, an order to pay, and the
books' invariants checked after every step."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shop.application import Shop
from shop.data.repositories.ledger import LedgerRepository
from tests.ordering_support import Buyer, place


def top_up(shop: Shop, who: Buyer, amount: str) -> None:
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.wallet.top_up(who.actor.id, {"amount": amount, "reason": "test money"})


def grant_points(shop: Shop, who: Buyer, points: int, reference: str = "") -> None:
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.payments._points.grant(who.actor.id, points, "registration_gift",
                                 reference or f"test-grant:{who.actor.id}:{points}")


def gift_card(shop: Shop, value: str = "100.00", expires_on: str = "2099-12-31") -> Any:
    """One card of a new batch: (code, pin)."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        batch = tx.gift_cards.issue({"name": "Test cards", "value": value, "quantity": "1",
                                     "expires_on": expires_on})
    return batch.cards[0]


def order_of(shop: Shop, who: Buyer, sku: str, quantity: int = 1) -> str:
    return place(shop, who, {sku: quantity}).number


def pay(shop: Shop, who: Buyer, number: str, **data: Any) -> Any:
    with shop.transaction(who.actor) as tx:
        return tx.payments.pay(number, data)


def wallet(shop: Shop, who: Buyer) -> tuple[Decimal, int, list[Decimal]]:
    """(balance, points, gift card balances) as the shopper sees them."""
    with shop.transaction(who.actor) as tx:
        mine = tx.wallet.mine()
    return mine.balance, mine.points, [card.balance for card in mine.gift_cards]


def order_state(shop: Shop, who: Buyer, number: str) -> str:
    with shop.transaction(who.actor) as tx:
        return tx.orders.get(number).state


def assert_books_balance(shop: Shop) -> None:
    """Money is conserved (each unit's entries sum to zero), every running balance equals its
    entries, and no account that may not go negative did."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        ledger = LedgerRepository(tx._session)
        assert all(total == 0 for total in ledger.totals_by_unit().values()), \
            ledger.totals_by_unit()
        assert list(ledger.drifted()) == []
