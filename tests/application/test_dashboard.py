"""The dashboard's numbers against orders placed and paid through the real services: today
against yesterday in the shop's time zone with the clock moved, the week's trend, the to-dos,
who sees which block, and a query count that does not grow with the orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from shop.application import Forbidden
from shop.data.models import Order
from tests import staff_factories as sf
from tests.ordering_support import buyer, place, prepare_shop, sku_codes
from tests.rma_support import ask, sold, stock_up

#: 10:00 in Shanghai on 1 December 2026 (02:00 UTC).
MORNING = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def shop_ready(system, clock):
    clock.set(MORNING - timedelta(days=1))
    prepare_shop(system)
    low = sku_codes(system, stock=3, price="50.00")
    plenty = sku_codes(system, stock=100, price="80.00")
    return {"low": low[0], "plenty": plenty[0]}


def paid_order(shop, who, sku, quantity=1):
    placed = place(shop, who, {sku: quantity})
    with shop.transaction(shop.system_actor("payments")) as tx:
        tx.orders.mark_paid(placed.number, "test payment")
    return placed


def overview(shop, roles=("administrator",)):
    with shop.transaction(shop.system_actor("tests")) as tx:
        member = sf.staff(tx, roles)
    with shop.transaction() as tx:
        actor = tx.staff.actor_for(member.id)
    with shop.transaction(actor, locale="en") as tx:
        return tx.dashboard.overview()


def figures(view):
    return {c.key: (c.today, c.yesterday, c.change, c.percent) for c in view.comparisons}


def test_today_against_yesterday_with_the_clock_moved(shop, clock, shop_ready):
    who = buyer(shop)
    yesterday = paid_order(shop, who, shop_ready["plenty"])
    clock.set(MORNING)
    first = paid_order(shop, who, shop_ready["plenty"], 2)
    second = paid_order(shop, who, shop_ready["low"])
    place(shop, who, {shop_ready["plenty"]: 1})  # placed, never paid: not a sale

    view = overview(shop)
    assert view.today.isoformat() == "2026-12-01"
    today_total = first.payable + second.payable
    sales = figures(view)["sales"]
    assert sales[:3] == (today_total, yesterday.payable, today_total - yesterday.payable)
    assert sales[3] == ((today_total - yesterday.payable) * 100 / yesterday.payable
                        ).quantize(Decimal("0.1"))
    assert figures(view)["orders"] == (2, 1, 1, Decimal("100.0"))

    # A day later, today's sales are yesterday's and today has none yet.
    clock.advance(days=1)
    later = figures(overview(shop))
    assert later["sales"][:2] == (Decimal("0.00"), today_total)
    assert later["orders"][:3] == (0, 2, -2)


def test_days_are_the_shops_days_not_utc_days(shop, clock, shop_ready):
    who = buyer(shop)
    # 23:30 on 30 November in Shanghai is 15:30 UTC; 00:30 on 1 December is 16:30 UTC, still
    # 30 November in UTC: it belongs to 1 December all the same.
    clock.set(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    late = paid_order(shop, who, shop_ready["plenty"])
    clock.set(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    early = paid_order(shop, who, shop_ready["plenty"], 2)
    clock.set(MORNING)
    view = overview(shop)
    assert figures(view)["sales"][:2] == (early.payable, late.payable)
    by_day = {f.day.isoformat(): (f.sales, f.orders) for f in view.trend}
    assert by_day["2026-11-30"] == (late.payable, 1)
    assert by_day["2026-12-01"] == (early.payable, 1)


def test_the_trend_is_seven_days_oldest_first_with_empty_days(shop, clock, shop_ready):
    who = buyer(shop)
    clock.set(MORNING - timedelta(days=6))
    old = paid_order(shop, who, shop_ready["plenty"])
    clock.set(MORNING - timedelta(days=7))
    paid_order(shop, who, shop_ready["plenty"])  # eight days ago: outside the week
    clock.set(MORNING)
    trend = overview(shop).trend
    assert [f.day.isoformat() for f in trend] == [
        f"2026-11-{d}" for d in range(25, 31)] + ["2026-12-01"]
    assert (trend[0].sales, trend[0].orders) == (old.payable, 1)
    assert all((f.sales, f.orders) == (Decimal("0.00"), 0) for f in trend[1:])


def test_todos_count_unshipped_orders_and_low_stock(shop, clock, shop_ready):
    who = buyer(shop)
    clock.set(MORNING)
    paid_order(shop, who, shop_ready["plenty"])
    paid_order(shop, who, shop_ready["plenty"])
    place(shop, who, {shop_ready["plenty"]: 1})  # unpaid: not awaiting shipment
    todos = {t.key: t.count for t in overview(shop).todos}
    # The low SKU holds 3 (at or below 5); the other 100, less what was sold.
    assert todos == {"awaiting_shipment": 2, "awaiting_review": 0, "after_sales": 0,
                     "low_stock": 1}


def test_todos_count_orders_waiting_for_review_and_open_after_sales_requests(shop, clock):
    skus = stock_up(shop)
    first, second = sold(shop, skus), sold(shop, skus, delivered=False)
    ask(shop, first.who, first.number, "return", "no_reason", {first.lines[0]: 1})
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx._session.execute(update(Order).where(Order.number == second.number)
                            .values(review="held"))
    todos = {t.key: t.count for t in overview(shop).todos}
    assert (todos["awaiting_review"], todos["after_sales"]) == (1, 1)


def test_the_low_stock_threshold_is_a_setting(shop, shop_ready):
    shop.settings["shop.low_stock_threshold"] = "2"
    assert {t.key: t.count for t in overview(shop).todos}["low_stock"] == 0
    shop.settings["shop.low_stock_threshold"] = "100"
    view = overview(shop)
    assert view.low_stock_threshold == 100
    assert {t.key: t.count for t in view.todos}["low_stock"] == 2


@pytest.mark.parametrize(("role", "sales", "visitors", "todos"), [
    ("administrator", True, True, {"awaiting_shipment", "awaiting_review", "after_sales",
                                   "low_stock"}),
    ("customer_service", True, True, {"awaiting_shipment", "awaiting_review", "after_sales"}),
    ("warehouse", True, True, {"awaiting_shipment", "awaiting_review", "after_sales",
                               "low_stock"}),
    ("purchasing", False, False, {"low_stock"}),
    ("merchandiser", False, False, set()),
    ("marketing", False, False, set()),
])
def test_each_block_shows_only_to_whom_may_see_it(shop, shop_ready, role, sales, visitors,
                                                  todos):
    view = overview(shop, [role])
    assert view.shows_sales is sales
    assert view.shows_visitors is visitors
    assert {t.key for t in view.todos} == todos
    if not (sales or visitors):
        assert view.trend == ()
    elif not sales:
        assert all(f.sales is None and f.orders is None for f in view.trend)


def test_a_custom_role_with_customers_only_sees_visitors_not_sales(shop, system):
    system.roles.create_role({"code": "crm_reader", "name_zh": "客", "name_en": "CRM",
                              "permissions": ["admin:dashboard:view", "crm:customer:view"]})
    view = overview(shop, ["crm_reader"])
    assert view.shows_visitors and not view.shows_sales
    assert all(f.sales is None and f.visitors == 0 for f in view.trend)


def test_the_dashboard_needs_the_back_office(shop):
    with shop.transaction() as tx, pytest.raises(Forbidden):
        tx.dashboard.overview()


def test_visitors_are_counted_once_a_day_and_added_in_batches(shop, clock):
    clock.set(MORNING)
    with shop.transaction() as tx:
        first = tx.visits.note(None, browser="198.51.100.1|Firefox")
        token = first.partition(".")[0]
        assert first.endswith(".20261201")
        assert tx.visits.note(first, browser="198.51.100.1|Firefox") is None  # counted today
        tx.visits.note(None, browser="198.51.100.1|Firefox")  # no cookie kept: known anyway
        tx.visits.note(None, browser="198.51.100.2|Chrome")
    assert shop.visit_tally.pending(MORNING.date()) == 2
    assert shop.flush_visits() == 0  # not due yet: a batch gathers for a minute
    clock.advance(seconds=61)
    assert shop.flush_visits() == 2
    assert overview(shop).trend[-1].visitors == 2

    clock.advance(days=1)
    with shop.transaction() as tx:
        again = tx.visits.note(first, browser="198.51.100.1|Firefox")
    assert again == f"{token}.20261202"  # the same visitor, counted on their new day
    assert shop.flush_visits(force=True) == 1
    trend = overview(shop).trend
    assert (trend[-2].visitors, trend[-1].visitors) == (2, 1)
    assert figures(overview(shop))["visitors"][:3] == (1, 2, -1)


def test_visitors_not_yet_added_are_shown_by_the_process_that_counted_them(shop, clock):
    clock.set(MORNING)
    with shop.transaction() as tx:
        tx.visits.note(None, browser="198.51.100.7|Safari")
    assert overview(shop).trend[-1].visitors == 1


def test_the_dashboard_costs_a_bounded_number_of_queries(shop, clock, shop_ready, queries):
    who = buyer(shop)
    clock.set(MORNING)

    def counted():
        with shop.transaction(shop.system_actor("tests")) as tx:
            member = sf.staff(tx, ["administrator"])
        with shop.transaction() as tx:
            actor = tx.staff.actor_for(member.id)
        queries.reset()
        with shop.transaction(actor, locale="en") as tx:
            tx.dashboard.overview()
        return queries.count

    paid_order(shop, who, shop_ready["plenty"])
    few = counted()
    for _ in range(4):
        paid_order(shop, who, shop_ready["plenty"])
        clock.advance(days=-1)
    assert counted() == few
    # The people counts, the trend, yesterday and today, and one count per to-do.
    assert few <= 12, queries.statements
