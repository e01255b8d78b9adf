"""The flash-sale buy page and the page a queued buy waits on: the product page's link, the
order placed at once without Redis, the ticket that turns into a payment page with it, the
refusals shown at their field or on top, and the page's query count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from shop.application.promotions.flash import worker
from shop.application.promotions.flash.redis_lane import RedisLane
from shop.data.models import FlashSaleItem, Order
from tests.application.test_checkout_promotions import start
from tests.flash_support import NO_REDIS, redis_lane
from tests.presentation.conftest import another_browser
from tests.presentation.ordering_pages import order_count, ready


@pytest.fixture
def shopper(shop, clock, system, web):
    """A signed-in shopper, and a shirt (¥99) on the flash sale ``flash`` at ¥59, 4 units,
    one per shopper."""
    who, shirt = ready(shop, system, web)
    start(shop, clock, "flash", "flash_sale", {"items": f"{shirt.sku}:59.00:4"},
          per_customer_limit=1)
    return who, shirt


@pytest.fixture
def lane(shop):
    for found in redis_lane():
        shop.flash_lane = found
        yield found
        shop.flash_lane = None


def buy_page(web, shirt, **params):
    return web.get(f"/flash-sales/flash/{shirt.sku}", params=params)


def payable(shop) -> Decimal:
    with shop.transaction() as tx:
        return tx._session.scalar(select(Order.payable))


def test_the_product_page_links_to_the_buy_page(web, shopper):
    _who, shirt = shopper
    link = web.get(f"/p/{shirt.slug}").html.select_one("#flash-buy-link")
    assert link["href"] == f"/flash-sales/flash/{shirt.sku}"


def test_a_guest_is_sent_to_log_in_first(web, shopper):
    _who, shirt = shopper
    guest = another_browser(web)
    found = guest.get(f"/flash-sales/flash/{shirt.sku}", status=303)
    assert "/login" in found.location


def test_without_redis_the_buy_places_the_order_and_goes_to_pay(shop, web, shopper):
    who, shirt = shopper
    page = buy_page(web, shirt)
    assert page.html.select_one("#flash-price").text == "¥59.00"
    assert page.html.select_one("#payable").text == "¥67.00"  # ¥59 and ¥8 economy, the cheapest
    assert page.html.select_one(f"#address-{who.address_id}").has_attr("checked")
    placed = page.forms["flash-form"].submit(status=303)
    assert placed.location.endswith("/pay?done=placed")
    assert payable(shop) == Decimal("67.00")
    # The same form again (a double-click): the same order.
    assert page.forms["flash-form"].submit(status=303).location == placed.location
    assert order_count(shop) == 1


def test_with_redis_the_buy_waits_on_its_ticket_until_the_order_is_written(shop, web,
                                                                          shopper, lane):
    _who, shirt = shopper
    queued = buy_page(web, shirt).forms["flash-form"].submit(status=303)
    assert "/flash-sales/tickets/" in queued.location
    waiting = queued.follow()
    assert waiting.html.select_one("#flash-ticket")["data-state"] == "queued"
    refresh = waiting.html.select_one('meta[http-equiv="refresh"]')["content"]
    assert refresh.startswith("1;url=/flash-sales/tickets/") and refresh.endswith("waited=1")
    assert order_count(shop) == 0
    worker.work(shop, until_idle=True, wait_seconds=0.1)
    paid = web.get(queued.location, status=303)
    assert paid.location.endswith("/pay?done=placed") and order_count(shop) == 1
    # Another shopper cannot read the ticket.
    assert another_browser(web).get(queued.location, status=303).location.endswith(
        "/login?came_from=" + queued.location.split("localhost")[-1].replace("/", "%2F"))


def test_a_quantity_past_the_limit_is_named_at_its_field(shop, web, shopper):
    _who, shirt = shopper
    form = buy_page(web, shirt).forms["flash-form"]
    form["quantity"].force_value("2")
    refused = form.submit(status=400)
    assert refused.html.select_one("#quantity-error").text == "At most 1 per shopper at this price"
    assert order_count(shop) == 0


def test_sold_out_is_said_on_top_and_nothing_is_written(shop, system, web, shopper):
    _who, shirt = shopper
    page = buy_page(web, shirt)
    system._session.execute(update(FlashSaleItem).values(sold=4))
    refused = page.forms["flash-form"].submit(status=409)
    assert refused.html.select_one("#flash-conflict").text == "Sold out at the flash sale price"
    assert order_count(shop) == 0


@pytest.mark.parametrize("path", [
    "/flash-sales/flash/NO-SUCH-SKU",
    "/flash-sales/no-such-sale/SKU",
    "/flash-sales/flash/%00",
    "/flash-sales/tickets/short",
    "/flash-sales/tickets/AAAAAAAAAAAAAAAAAAAAAAAA",
])
def test_hostile_paths_get_a_4xx(web, shopper, path):
    found = web.get(path, expect_errors=True)
    assert 400 <= found.status_int < 500 or (
        found.status_int == 200 and "flash-ticket" in found.text), found.status


def test_hostile_fields_get_a_4xx(web, shopper):
    _who, shirt = shopper
    form = buy_page(web, shirt).forms["flash-form"]
    for name, value in (("quantity", "1e9"), ("idempotency_key", "x"), ("address", "-1"),
                        ("shipping_method", "\u0000")):
        fields = dict(form.submit_fields())
        fields[name] = value
        found = web.post(f"/flash-sales/flash/{shirt.sku}", fields, expect_errors=True)
        assert 400 <= found.status_int < 500, (name, found.status)


def test_the_buy_page_costs_a_bounded_number_of_statements(web, shopper, queries):
    _who, shirt = shopper
    buy_page(web, shirt)
    queries.reset()
    buy_page(web, shirt)
    assert queries.count <= 16, queries.statements


def test_while_redis_does_not_answer_the_ticket_page_waits_then_says_so(shop, web, shopper,
                                                                      lane):
    _who, shirt = shopper
    queued = buy_page(web, shirt).forms["flash-form"].submit(status=303)
    shop.flash_lane = RedisLane.from_url(NO_REDIS, prefix="down")
    waiting = web.get(queued.location)
    assert waiting.html.select_one("#flash-ticket")["data-state"] == "unconfirmed"
    assert waiting.html.select_one('meta[http-equiv="refresh"]') is not None
    given_up = web.get(queued.location, params={"waited": "60"})
    assert given_up.html.select_one("#flash-ticket")["data-state"] == "unknown"
    assert given_up.html.select_one('meta[http-equiv="refresh"]') is None
