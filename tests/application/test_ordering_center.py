"""The order center: tabs with counts, keyset pages, a bounded number of queries."""

from __future__ import annotations

import pytest

from shop.application import NotFound
from shop.application.ordering.service import PAGE_SIZE
from tests.ordering_support import buyer, place, prepare_shop, sku_codes


@pytest.fixture
def skus(system):
    prepare_shop(system)
    return sku_codes(system, stock=99, price="10.00", sizes=("s", "m"))


def test_tabs_count_and_filter_the_shoppers_orders(shop, skus):
    who = buyer(shop)
    unpaid = place(shop, who, {skus[0]: 1})
    paid = place(shop, who, {skus[1]: 1})
    cancelled = place(shop, who, {skus[0]: 2})
    with shop.transaction(shop.system_actor("payments")) as tx:
        tx.orders.mark_paid(paid.number)
    with shop.transaction(who.actor) as tx:
        tx.orders.cancel(cancelled.number)
    place(shop, buyer(shop), {skus[0]: 1})  # another shopper's order counts nowhere here
    with shop.transaction(who.actor, locale="zh_CN") as tx:
        everything = tx.orders.page()
        assert {t.key: t.count for t in everything.tabs} == {
            "all": 3, "unpaid": 1, "unshipped": 1, "shipped": 0, "completed": 0,
            "cancelled": 1}
        assert [str(t.label) for t in everything.tabs][:2] == ["All", "To pay"]
        assert [o.number for o in everything.orders] == [cancelled.number, paid.number,
                                                         unpaid.number]
        assert [o.number for o in tx.orders.page("unpaid").orders] == [unpaid.number]
        assert [o.number for o in tx.orders.page("unshipped").orders] == [paid.number]
        assert [o.number for o in tx.orders.page("cancelled").orders] == [cancelled.number]
        with pytest.raises(NotFound):
            tx.orders.page("everything")


def test_pages_are_keyset_and_cost_the_same_however_many_orders(shop, skus, queries):
    who = buyer(shop)
    numbers = [place(shop, who, {skus[i % 2]: 1}).number for i in range(PAGE_SIZE + 3)]
    with shop.transaction(who.actor) as tx:
        queries.reset()
        first = tx.orders.page()
        first_cost = queries.count
        queries.reset()
        second = tx.orders.page(before=first.next_before)
        second_cost = queries.count
    assert [o.number for o in first.orders] == numbers[::-1][:PAGE_SIZE]
    assert [o.number for o in second.orders] == numbers[::-1][PAGE_SIZE:]
    assert second.next_before is None
    assert first_cost <= 4 and second_cost <= 5  # (actor's checks aside) orders, lines, counts
    with shop.transaction(who.actor) as tx:
        queries.reset()
        tx.orders.get(numbers[0])
        # The order, its lines, invoice and transitions, its shipments and their events.
        assert queries.count <= 6


def test_a_page_after_another_shoppers_order_is_not_found(shop, skus):
    who, other = buyer(shop), buyer(shop)
    theirs = place(shop, other, {skus[0]: 1})
    with shop.transaction(who.actor) as tx, pytest.raises(NotFound):
        tx.orders.page(before=theirs.number)


@pytest.mark.parametrize("tab", [[], {}, None, 7, "x" * 1000])
def test_a_tab_that_is_not_one_is_not_found(shop, skus, tab):
    who = buyer(shop)
    with shop.transaction(who.actor) as tx, pytest.raises(NotFound):
        tx.orders.page(tab)
