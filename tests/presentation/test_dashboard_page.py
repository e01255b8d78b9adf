"""The dashboard page through the real app: the blocks each role sees, the numbers as drawn
(figures, the chart's accessible text and table, the to-dos), visitors counted by the
storefront without a write per page view, and a bounded query count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shop.data.models import VisitDay
from tests import staff_factories as sf
from tests.ordering_support import buyer, place, prepare_shop, sku_codes

EN = {"Accept-Language": "en"}
MORNING = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def signed_in(app, system, roles):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


@pytest.fixture
def sales(shop, system, clock):
    """One order paid yesterday, two today, in the shop's time zone."""
    clock.set(MORNING - timedelta(days=1))
    prepare_shop(system)
    sku = sku_codes(system, stock=3, price="50.00")[0]
    who = buyer(shop)
    paid = []
    for when in (MORNING - timedelta(days=1), MORNING, MORNING):
        clock.set(when)
        placed = place(shop, who, {sku: 1})
        with shop.transaction(shop.system_actor("payments")) as tx:
            tx.orders.mark_paid(placed.number)
        paid.append(placed)
    return paid


def test_the_administrator_sees_every_block(app, system, sales):
    signed_in(app, system, ["administrator"])
    page = app.get("/admin", headers=EN)
    html = page.html
    assert html.select_one('[data-figure="orders"] .figure-today').text == "2"
    assert html.select_one('[data-figure="orders"] .figure-yesterday').text == "1"
    assert html.select_one('[data-figure="orders"] .figure-change')["data-change"] == "1"
    assert "(100.0%)" in html.select_one('[data-figure="orders"] .figure-change').text
    today_total = sales[1].payable + sales[2].payable
    assert html.select_one('[data-figure="sales"] .figure-today').text == f"¥{today_total}"
    # The chart says what it shows, and the numbers are in a table too.
    chart = html.select_one("svg#trend-chart")
    assert chart["role"] == "img" and chart.select_one("title").text.startswith("Paid amount")
    assert f"12-01: ¥{today_total}" in chart.select_one("desc").text
    assert len(chart.select("rect")) == 7
    row = html.select_one('#trend-table tr[data-day="2026-12-01"]')
    assert row.select_one(".trend-orders").text == "2"
    assert row.select_one(".trend-sales").text == f"¥{today_total}"
    todos = {t["data-todo"]: t.select_one(".todo-count").text for t in html.select("[data-todo]")}
    assert todos == {"awaiting_shipment": "3", "awaiting_review": "0", "after_sales": "0",
                     "low_stock": "1"}
    # The order list and the after-sales queue take their to-dos there; no stock page yet.
    assert [a["href"] for a in html.select("[data-todo] a")] == [
        "/admin/orders?state=awaiting_shipment", "/admin/orders?review=queue",
        "/admin/rma?state=open"]
    assert html.select_one('[data-todo="low_stock"] a') is None


def test_a_merchandiser_sees_no_sales_and_no_todos(app, system, sales):
    signed_in(app, system, ["merchandiser"])
    html = app.get("/admin", headers=EN).html
    assert html.select_one("#today") is None and html.select_one("#trend") is None
    assert html.select_one("#todos") is None
    assert html.select_one('[data-count="products"]') is not None


def test_purchasing_sees_low_stock_only(app, system, sales):
    signed_in(app, system, ["purchasing"])
    html = app.get("/admin", headers=EN).html
    assert html.select_one("#today") is None
    assert [t["data-todo"] for t in html.select("[data-todo]")] == ["low_stock"]


def test_a_todo_links_to_its_queue_once_the_queue_exists(wsgi_app, app, system, sales):
    """The order list (``admin_orders``) now exists: the awaiting-shipment count opens it."""
    assert wsgi_app.registry.introspector.get("routes", "admin_orders") is not None
    signed_in(app, system, ["administrator"])
    link = app.get("/admin", headers=EN).html.select_one('[data-todo="awaiting_shipment"] a')
    assert link["href"] == "/admin/orders?state=awaiting_shipment"
    queue = app.get(link["href"], headers=EN).html
    assert {row["data-state"] for row in queue.select("tr.order-row")} == {"awaiting_shipment"}


def test_the_dashboard_costs_a_bounded_number_of_queries(app, system, sales, queries):
    signed_in(app, system, ["administrator"])
    app.get("/admin", headers=EN)
    queries.reset()
    app.get("/admin", headers=EN)
    assert queries.count <= 16, "\n".join(queries.statements)


def test_storefront_visitors_are_counted_once_a_day(web, shop, clock):
    clock.set(MORNING)
    first = web.get("/")
    assert "shop_visitor" in first.headers.get("Set-Cookie", "")
    again = web.get("/")
    assert "shop_visitor" not in again.headers.get("Set-Cookie", "")
    assert shop.visit_tally.pending(MORNING.date()) == 1
    # The back office and static files are not visits.
    web.get("/admin/login")
    assert shop.visit_tally.pending(MORNING.date()) == 1
    clock.advance(seconds=61)
    web.get("/")  # a page after the batch is due adds it, after the response
    with shop.transaction() as tx:
        rows = tx._session.execute(select(VisitDay.day, VisitDay.visitors)).all()
    assert [(day.isoformat(), n) for day, n in rows] == [("2026-12-01", 1)]


def test_robots_are_not_visitors(web, shop, clock):
    clock.set(MORNING)
    response = web.get("/", headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    assert "shop_visitor" not in response.headers.get("Set-Cookie", "")
    assert shop.visit_tally.pending(MORNING.date()) == 0


def test_the_storefront_counts_without_writing_per_page_view(web, shop, clock, queries):
    clock.set(MORNING)
    web.get("/")
    queries.reset()
    web.get("/")
    web.get("/")
    writes = [s for s in queries.statements
              if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
