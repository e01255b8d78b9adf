"""Buyers racing for a flash sale, each in a committed transaction of their own (PostgreSQL:
real row locks under real concurrency): the burst lane admits exactly the quota, the worker
writes exactly that many orders, and the database lane alone sells exactly the quota too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from shop.application import Conflict, Shop
from shop.application.promotions.flash import worker
from shop.application.promotions.flash.redis_lane import RedisLane
from shop.data.models import DiscountUse, FlashSaleItem, Order
from tests.concurrency import at_once, committed, postgresql_only
from tests.flash_support import buy, flash_sku, redis_lane
from tests.ordering_support import buyers_with_carts

__all__ = ["committed"]  # the fixture, for pytest


@pytest.fixture
def lane(committed: Shop) -> Iterator[RedisLane]:
    for found in redis_lane():
        committed.flash_lane = found
        yield found
        committed.flash_lane = None


def _race(shop: Shop, count: int, sku: str) -> Counter[str]:
    buyers = buyers_with_carts(shop, count, {})

    def attempt(n: int) -> str:
        try:
            outcome = buy(shop, buyers[n], sku)
        except Conflict:
            return "refused"
        return "queued" if outcome.ticket else "placed"

    return at_once(count, attempt)


def _books(shop: Shop) -> tuple[int, int, int]:
    with shop.transaction(shop.system_actor("tests")) as tx:
        session = tx._session
        return (session.scalar(select(func.count()).select_from(Order)) or 0,
                session.scalar(select(FlashSaleItem.sold)) or 0,
                session.scalar(select(func.sum(DiscountUse.units))) or 0)


@postgresql_only
def test_two_hundred_buyers_through_the_lane_get_exactly_ten_orders(committed, clock, lane):
    sku = flash_sku(committed, clock, quota=10)
    outcomes = _race(committed, 200, sku)
    assert outcomes == Counter({"queued": 10, "refused": 190}), outcomes
    assert _books(committed) == (0, 0, 0)  # the crowd wrote nothing
    counts = worker.work(committed, until_idle=True, wait_seconds=0.1)
    assert (counts.written, counts.failed) == (10, 0)
    assert _books(committed) == (10, 10, 10)


@postgresql_only
def test_sixty_buyers_through_the_database_lane_get_exactly_ten_orders(committed, clock):
    sku = flash_sku(committed, clock, quota=10)
    outcomes = _race(committed, 60, sku)
    assert outcomes == Counter({"placed": 10, "refused": 50}), outcomes
    assert _books(committed) == (10, 10, 10)
