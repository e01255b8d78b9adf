"""Stock under real concurrency (committed transactions, many connections): never oversold or
negative, on PostgreSQL as on SQLite, and no deadlock between owners that hold the same SKUs
(PostgreSQL, where rows are locked one by one; SQLite has one writer at a time)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from shop.application import Conflict, Shop
from shop.application.inventory.stock import Owner, StockLine
from shop.data.models import Sku, StockLevel, StockMovement, StockReservation
from tests import factories
from tests.concurrency import at_once, committed, postgresql_only

__all__ = ["committed"]  # the fixture, for pytest


def _stocked(shop: Shop, *stocks: int) -> list[int]:
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        factories.attributes(tx)
        factories.category(tx, "shirts")
        card = factories.product(tx, "shirts", sizes=("s", "m", "l")[:len(stocks)], stock=0)
        ids = list(tx._session.scalars(select(Sku.id).where(Sku.product_id == card.id)
                                       .order_by(Sku.position)))
        for sku_id, stock in zip(ids, stocks, strict=True):
            tx._stock.adjust(sku_id, stock, "test stock")
        return ids


def _level(shop: Shop, sku_id: int) -> tuple[int, int]:
    with shop.transaction(actor=shop.system_actor("tests")) as tx:
        row = tx._session.execute(select(StockLevel.on_hand, StockLevel.reserved)
                                  .where(StockLevel.sku_id == sku_id)).one()
        return row.on_hand, row.reserved


def test_fifty_units_two_hundred_buyers_exactly_fifty_reserve(committed):
    [sku] = _stocked(committed, 50)
    expires = committed.clock.now() + timedelta(minutes=30)
    lowest: list[int] = []
    running = threading.Event()
    running.set()

    def watch() -> None:  # what a reader sees while the buyers race: never below zero
        while running.is_set():
            with committed.transaction(writes=False) as tx:
                lowest.append(tx.inventory.available([sku])[sku])

    def buy(n: int) -> str:
        try:
            with committed.transaction(actor=committed.system_actor(f"buyer-{n}")) as tx:
                tx._stock.reserve(Owner("order", f"R{n:04d}"), [StockLine(sku, 1)], expires)
        except Conflict:
            return "sold out"
        return "reserved"

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outcomes = at_once(200, buy)
    finally:
        running.clear()
        watcher.join()
    assert outcomes == Counter({"reserved": 50, "sold out": 150})
    assert _level(committed, sku) == (50, 50)
    assert lowest and min(lowest) >= 0
    with committed.transaction(actor=committed.system_actor("tests")) as tx:
        assert tx.inventory.available([sku]) == {sku: 0}
        assert tx._session.scalar(select(func.count()).select_from(StockReservation)) == 50
        assert tx._session.scalar(select(func.sum(StockMovement.reserved_delta))) == 50


@postgresql_only
def test_owners_holding_two_skus_in_opposite_order_never_deadlock(committed):
    a, b = _stocked(committed, 1000, 1000)
    expires = committed.clock.now() + timedelta(minutes=30)
    rounds = 15

    def hold_and_give_back(n: int) -> str:
        pair = [StockLine(a, 1), StockLine(b, 1)]
        lines = pair if n % 2 else pair[::-1]
        for turn in range(rounds):
            owner = Owner("order", f"R{n:02d}-{turn:02d}")
            with committed.transaction(actor=committed.system_actor(f"buyer-{n}")) as tx:
                tx._stock.reserve(owner, lines, expires)
            with committed.transaction(actor=committed.system_actor(f"buyer-{n}")) as tx:
                tx._stock.release(owner)
        return "done"

    assert at_once(8, hold_and_give_back) == Counter({"done": 8})
    assert _level(committed, a) == _level(committed, b) == (1000, 0)
