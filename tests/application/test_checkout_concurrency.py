"""Checkouts racing for stock, each in its own committed transaction on its own connection:
never oversold, the losers told "sold out" (never a server error), no deadlock whatever the
order of the lines."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from shop.application import Conflict, Shop
from shop.data.models import Order, StockLevel
from tests.concurrency import at_once, committed, postgresql_only
from tests.ordering_support import Buyer, buyers_with_carts, prepare_shop, sku_codes, submit

__all__ = ["committed"]  # the fixture, for pytest


def _stocked(shop: Shop, stock: int, count: int = 1) -> list[str]:
    with shop.transaction(shop.system_actor("tests")) as tx:
        prepare_shop(tx)
        return sku_codes(tx, stock=stock, price="10.00", sizes=("s", "m", "l")[:count])


def _race(shop: Shop, buyers: list[Buyer]) -> Counter[str]:
    def checkout(n: int) -> str:
        try:
            submit(shop, buyers[n])
        except Conflict:
            return "sold out"
        return "ordered"

    return at_once(len(buyers), checkout)


def _stock(shop: Shop) -> tuple[int, int, int]:
    with shop.transaction(shop.system_actor("tests")) as tx:
        on_hand, reserved = tx._session.execute(
            select(func.sum(StockLevel.on_hand), func.sum(StockLevel.reserved))).one()
        orders = tx._session.scalar(select(func.count()).select_from(Order))
    return int(on_hand), int(reserved), orders


def test_fifty_units_two_hundred_checkouts_exactly_fifty_orders(committed):
    # PostgreSQL: 200 threads on a pool of 30 connections; SQLite: one writer at a time,
    # each waiting within the busy timeout: no "database is locked" reaches a shopper.
    [sku] = _stocked(committed, 50)
    buyers = buyers_with_carts(committed, 200, {sku: 1})
    assert _race(committed, buyers) == Counter({"ordered": 50, "sold out": 150})
    assert _stock(committed) == (50, 50, 50)
    with committed.transaction() as tx:
        assert tx.inventory.available(tx._stock.repo.sku_ids_by_code([sku]).values()) \
            == {tx._stock.repo.sku_ids_by_code([sku])[sku]: 0}


@postgresql_only
def test_a_hundred_buyers_for_two_units(committed):
    [sku] = _stocked(committed, 2)
    buyers = buyers_with_carts(committed, 100, {sku: 1})
    assert _race(committed, buyers) == Counter({"ordered": 2, "sold out": 98})
    assert _stock(committed) == (2, 2, 2)


@postgresql_only
def test_orders_holding_two_skus_in_opposite_line_order_never_deadlock(committed):
    a, b = _stocked(committed, 100, count=2)
    buyers = (buyers_with_carts(committed, 4, {a: 1, b: 2})
              + buyers_with_carts(committed, 4, {b: 2, a: 1}))
    assert _race(committed, buyers) == Counter({"ordered": 8})
    assert _stock(committed) == (200, 24, 8)
