"""Flash sales bought through the desk: the database lane (no Redis, as in ``make run``) and
the burst lane in front of it (tickets in Redis, orders written by the worker), with the same
rules in both, and the books that keep Redis following the database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from shop.application import Conflict, Invalid, NotFound, Shop
from shop.application.promotions.flash import worker
from shop.application.promotions.flash.lane import Sale
from shop.application.promotions.flash.redis_lane import RedisLane
from shop.data.models import FlashSaleItem, Order, OrderLine, Sku
from tests.flash_support import NO_REDIS, buy, flash_sku, redis_lane, ticket
from tests.ordering_support import buyer


@pytest.fixture
def lane(shop: Shop) -> Iterator[RedisLane]:
    for found in redis_lane():
        shop.flash_lane = found
        yield found
        shop.flash_lane = None


def sold(shop: Shop) -> int:
    with shop.transaction(shop.system_actor("tests")) as tx:
        return tx._session.scalar(select(FlashSaleItem.sold)) or 0


def orders(shop: Shop) -> list[tuple[str, Decimal, int]]:
    """Every order: its number, payable and units."""
    with shop.transaction(shop.system_actor("tests")) as tx:
        return [tuple(row) for row in tx._session.execute(
            select(Order.number, Order.payable, OrderLine.quantity)
            .join(OrderLine, OrderLine.order_id == Order.id).order_by(Order.id))]


def sale_of(shop: Shop) -> Sale:
    with shop.transaction(shop.system_actor("tests")) as tx:
        item = tx._session.execute(select(FlashSaleItem)).scalar_one()
        return Sale(item.promotion_id, item.sku_id)


# -- the database lane ------------------------------------------------------------------------

def test_without_redis_a_buy_places_the_order_at_the_flash_price_at_once(shop, clock):
    sku = flash_sku(shop, clock, quota=3)
    outcome = buy(shop, buyer(shop), sku)
    assert outcome.ticket is None and outcome.order is not None
    # ¥50 at the flash price and ¥12 express shipping.
    assert outcome.order.payable == Decimal("62.00") and outcome.order.can_pay
    assert sold(shop) == 1


def test_the_same_buy_form_twice_places_one_order(shop, clock):
    sku = flash_sku(shop, clock, quota=3, limit=None)
    who = buyer(shop)
    key = secrets.token_urlsafe(18)
    first = buy(shop, who, sku, idempotency_key=key)
    again = buy(shop, who, sku, idempotency_key=key)
    assert first.order.number == again.order.number and sold(shop) == 1


def test_one_shopper_gets_no_more_than_the_sale_allows_one_shopper(shop, clock):
    sku = flash_sku(shop, clock, quota=5, limit=1)
    who = buyer(shop)
    with pytest.raises(Invalid) as too_many:
        buy(shop, who, sku, quantity=2)
    assert "quantity" in too_many.value.errors
    buy(shop, who, sku)
    with pytest.raises(Conflict):
        buy(shop, who, sku)
    assert sold(shop) == 1


def test_the_quota_sold_out_refuses_before_anything_is_written(shop, clock):
    sku = flash_sku(shop, clock, quota=1)
    buy(shop, buyer(shop), sku)
    with pytest.raises(Conflict):
        buy(shop, buyer(shop), sku)
    assert len(orders(shop)) == 1 and sold(shop) == 1


def test_a_sale_not_on_an_unknown_item_and_a_foreign_address_are_refused(shop, clock):
    sku = flash_sku(shop, clock, quota=3, hours=1)
    who, other = buyer(shop), buyer(shop)
    with pytest.raises(NotFound):
        buy(shop, who, "NO-SUCH-SKU")
    with pytest.raises(Invalid) as foreign:
        buy(shop, who, sku, address=str(other.address_id))
    assert "address" in foreign.value.errors
    clock.advance(timedelta(hours=2))
    with pytest.raises(Conflict):
        buy(shop, who, sku)
    assert orders(shop) == []


def test_a_redis_that_does_not_answer_sends_buyers_to_the_database_lane(shop, clock):
    sku = flash_sku(shop, clock, quota=3)
    shop.flash_lane = RedisLane.from_url(NO_REDIS, prefix="down")
    first = buy(shop, buyer(shop), sku)
    second = buy(shop, buyer(shop), sku)  # the breaker is open: no second wait on Redis
    assert first.order is not None and second.order is not None and sold(shop) == 2


# -- the burst lane ----------------------------------------------------------------------------

def test_a_buy_is_queued_then_written_by_the_worker(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3)
    who = buyer(shop)
    outcome = buy(shop, who, sku)
    assert outcome.order is None and outcome.ticket
    assert ticket(shop, who, outcome.ticket).state == "queued"
    assert orders(shop) == [] and sold(shop) == 0  # nothing written in the buyer's request

    counts = worker.work(shop, until_idle=True, wait_seconds=0.1)
    assert (counts.written, counts.failed) == (1, 0)
    done = ticket(shop, who, outcome.ticket)
    assert done.state == "done"
    assert orders(shop) == [(done.order_number, Decimal("62.00"), 1)] and sold(shop) == 1


def test_the_lane_admits_exactly_the_quota_and_one_per_shopper(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3)
    buyers = [buyer(shop) for _ in range(5)]
    admitted, refused = [], 0
    for who in buyers:
        try:
            admitted.append(buy(shop, who, sku).ticket)
        except Conflict:
            refused += 1
    assert len(admitted) == 3 and refused == 2
    with pytest.raises(Conflict):  # the same shopper again, with a new form
        buy(shop, buyers[0], sku)
    worker.work(shop, until_idle=True, wait_seconds=0.1)
    assert len(orders(shop)) == 3 and sold(shop) == 3


def test_a_shopper_reads_only_their_own_tickets(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3)
    who, other = buyer(shop), buyer(shop)
    key = buy(shop, who, sku).ticket
    assert ticket(shop, other, key).state == "unknown"
    with pytest.raises(NotFound):
        ticket(shop, who, "not a key!")


def test_a_refused_order_gives_its_units_back_to_the_lane(shop, clock, lane):
    # One unit in stock for a quota of three: the second order is refused when written.
    sku = flash_sku(shop, clock, quota=3, stock=1)
    first, second = buyer(shop), buyer(shop)
    buy(shop, first, sku)
    key = buy(shop, second, sku).ticket
    counts = worker.work(shop, until_idle=True, wait_seconds=0.1)
    assert (counts.written, counts.failed) == (1, 1)
    refused = ticket(shop, second, key)
    assert refused.state == "failed" and "left" in refused.message.interpolate()
    books = lane.counts(sale_of(shop))
    assert (books.left, books.pending, books.written, books.failed) == (2, 0, 1, 1)


def test_tickets_lost_with_redis_go_back_on_sale_and_none_is_sold_twice(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3)
    early = [buyer(shop) for _ in range(2)]
    keys = [buy(shop, who, sku).ticket for who in early]
    # Redis restarts empty: the queue and the counters are gone, the database sold nothing.
    lane.client.delete(*lane.client.keys(f"{lane.prefix}:*"))
    states = [ticket(shop, who, key).state for who, key in zip(early, keys, strict=True)]
    assert states == ["unknown", "unknown"]
    late = [buyer(shop) for _ in range(4)]
    outcomes = []
    for who in [*early, *late]:
        try:
            outcomes.append(buy(shop, who, sku).ticket)
        except Conflict:
            outcomes.append(None)
    assert sum(1 for key in outcomes if key) == 3  # primed again from the database: 3 left
    worker.work(shop, until_idle=True, wait_seconds=0.1)
    assert len(orders(shop)) == 3 and sold(shop) == 3


def test_a_ticket_a_dead_worker_held_is_put_back_and_written_once(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3)
    who = buyer(shop)
    key = buy(shop, who, sku).ticket
    held = lane.next(0.1)  # a worker took it, then died
    assert held is not None and held.key == key
    assert worker.reconcile(shop)[0].pending == 1
    clock.advance(worker.STUCK_AFTER + timedelta(seconds=1))
    worker.reconcile(shop)
    worker.work(shop, until_idle=True, wait_seconds=0.1)
    worker.write(shop, lane, held, worker.WorkerCounts())  # the dead worker wakes up after all
    assert len(orders(shop)) == 1 and ticket(shop, who, key).state == "done"
    assert lane.counts(sale_of(shop)).pending == 0


def test_the_books_follow_the_database_and_close_the_lane_after_the_sale(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3, hours=1)
    who = buyer(shop)
    buy(shop, who, sku)
    worker.work(shop, until_idle=True, wait_seconds=0.1)
    # An order is called off meanwhile: its unit goes back in the database, and the books put
    # it back on sale in the lane.
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(orders(shop)[0][0], {"reason": "changed my mind"})
    [books] = worker.reconcile(shop)
    assert (books.sold, books.lane_left, books.closed) == (0, 3, False)
    clock.advance(timedelta(hours=2))
    [books] = worker.reconcile(shop)
    assert books.closed and books.written == 1
    assert lane.counts(sale_of(shop)) is None


# -- what a review found ----------------------------------------------------------------------

def test_a_sync_while_an_order_is_written_never_leaves_the_lane_a_unit_short(shop, clock,
                                                                              lane):
    sku = flash_sku(shop, clock, quota=3)
    first, second = buyer(shop), buyer(shop)
    buy(shop, first, sku)
    buy(shop, second, sku)
    taken = lane.next(0.1)
    lane.begin(taken, clock.now())  # a worker began the first ticket ...
    with shop.transaction(shop.system_actor("tests")) as tx:
        outcome, _give_back = tx.flash_sales.write(taken)  # ... and committed its order,
    worker.reconcile(shop)  # when the books ran (or another worker synced)
    lane.settle(taken, outcome, False)
    worker.work(shop, until_idle=True, wait_seconds=0.1)
    # Quota 3, two orders: one unit left in the database and in the lane.
    assert sold(shop) == 2 and lane.counts(sale_of(shop)).left == 1


def test_the_same_form_after_a_database_lane_order_takes_nothing_more(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3, limit=None)
    who = buyer(shop)
    key = secrets.token_urlsafe(18)
    shop.flash_lane = RedisLane.from_url(NO_REDIS, prefix="down")
    placed = buy(shop, who, sku, idempotency_key=key).order  # Redis away: the database lane
    shop.flash_lane = lane  # Redis is back; the form is posted again
    again = buy(shop, who, sku, idempotency_key=key)
    assert again.order.number == placed.number and again.ticket is None
    assert lane.counts(sale_of(shop)) is None  # the lane was not even primed


def test_a_buy_admitted_before_the_end_is_written_at_its_price_after_it(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3, hours=1)
    who, late = buyer(shop), buyer(shop)
    clock.advance(timedelta(minutes=40))
    stale = buy(shop, late, sku).ticket  # its worker will be gone for half an hour
    clock.advance(timedelta(minutes=18))
    key = buy(shop, who, sku).ticket
    clock.advance(timedelta(minutes=5))  # the sale ended while the tickets waited
    worker.work(shop, until_idle=True, wait_seconds=0.1)
    done = ticket(shop, who, key)
    assert done.state == "done" and [o[1] for o in orders(shop)] == [Decimal("62.00")]
    # Past desk.PRICE_HELD, a ticket is priced when it is written: the sale is over.
    assert ticket(shop, late, stale).state == "failed"


def test_an_order_the_floor_price_keeps_above_the_flash_price_is_refused(shop, clock):
    sku = flash_sku(shop, clock, quota=3)
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx._session.execute(update(Sku).where(Sku.code == sku).values(
            floor_price=Decimal("70.00")))
    with pytest.raises(Conflict):
        buy(shop, buyer(shop), sku)
    assert orders(shop) == []


def test_a_ticket_a_live_worker_just_took_is_not_put_back(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3)
    buy(shop, buyer(shop), sku)
    clock.advance(timedelta(minutes=5))  # it waited long in the queue
    taken = lane.next(0.1)
    lane.begin(taken, clock.now())
    assert lane.requeue_older_than(clock.now() - worker.STUCK_AFTER) == 0


def test_while_a_lane_runs_the_cart_sells_flash_skus_at_their_price(shop, clock, lane):
    sku = flash_sku(shop, clock, quota=3)
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        tx.cart.add({"sku": sku, "quantity": "1"})
        assert tx.checkout.prepare().breakdown.discount_total == Decimal("0.00")
