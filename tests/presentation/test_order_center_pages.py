"""The order center and an order's page: the tabs and their counts, older orders page by page,
cancel (the stock comes back), change where it goes, confirm receipt, and another shopper's
order never reached."""

from __future__ import annotations

from sqlalchemy import update

from shop.data.models import Order
from tests.ordering_support import BEIJING, prepare_shop, submit
from tests.presentation.conftest import another_browser
from tests.presentation.ordering_pages import (
    add,
    item,
    place_through_the_form,
    ready,
    signed_in,
)

ZH = {"Accept-Language": "zh-CN"}


def order_number(page):
    return page.request.path.rsplit("/", 1)[1]


def placed(shop, system, web, quantity="1"):
    who, shirt = ready(shop, system, web)
    add(web, shirt, quantity)
    return who, shirt, order_number(place_through_the_form(web))


def tab_counts(page):
    return {tab["data-tab"]: int(tab.select_one(".tab-count").text)
            if tab.select_one(".tab-count") else 0 for tab in page.html.select(".order-tab")}


def test_the_order_is_under_to_pay_with_its_counts(shop, system, web):
    _who, shirt, number = placed(shop, system, web)
    page = web.get("/orders?tab=unpaid")
    assert page.headers["Cache-Control"] == "no-store"
    [card] = page.html.select(".order-card")
    assert card["data-number"] == number
    assert card.select_one(".order-payable").text == "¥107.00"
    assert card.select_one(".order-item")["data-sku"] == shirt.sku
    assert tab_counts(page) == {"all": 1, "unpaid": 1, "unshipped": 0, "shipped": 0,
                                "completed": 0, "cancelled": 0}
    assert web.get("/orders?tab=cancelled").html.select(".order-card") == []
    assert web.get("/account").html.select_one('#account-nav a[href="/orders"]') is not None
    assert web.get("/").html.select_one("#orders-link")["href"] == "/orders"


def test_older_orders_come_page_by_page(shop, system, web):
    prepare_shop(system)
    who, shirt = signed_in(shop, web), item(system, stock=20)
    for _ in range(11):
        add(web, shirt)
        submit(shop, who)
    first = web.get("/orders")
    assert len(first.html.select(".order-card")) == 10
    second = first.click(linkid="older-orders")
    assert len(second.html.select(".order-card")) == 1
    assert second.html.select_one("#older-orders") is None
    shown = {c["data-number"] for page in (first, second) for c in page.html.select(".order-card")}
    assert len(shown) == 11  # each order once


def test_cancelling_gives_the_stock_back(shop, system, web):
    _who, shirt, number = placed(shop, system, web, "3")
    page = web.get(f"/orders/{number}")
    form = page.forms["cancel-form"]
    form["reason"] = "买错了"
    done = form.submit(status=303).follow()
    assert done.html.select_one("#order-notice") is not None
    assert done.html.select_one(".order-state")["data-state"] == "cancelled"
    assert "买错了" in done.html.select_one('.timeline-step[data-state="cancelled"]').text
    assert "cancel-form" not in done.forms
    assert web.get("/orders?tab=cancelled").html.select_one(".order-card")["data-number"] \
        == number
    product = web.get(f"/p/{shirt.slug}")
    assert "only" not in product.html.select_one("#stock-status").text  # all 10 back


def test_a_too_long_reason_is_named(shop, system, web):
    _who, _shirt, number = placed(shop, system, web)
    form = web.get(f"/orders/{number}").forms["cancel-form"]
    form["reason"] = "x" * 101
    refused = form.submit(status=400)
    assert refused.html.select_one("#reason-error") is not None
    assert refused.html.select_one(".order-state")["data-state"] == "awaiting_payment"


def test_the_delivery_changes_before_shipment(shop, system, web):
    who, _shirt, number = placed(shop, system, web)
    with shop.transaction(who.actor) as tx:
        other = tx.addresses.add({"recipient": "韩梅梅", "mobile": "13700137000",
                                  "street": "朝阳路 2 号", **BEIJING})
    form = web.get(f"/orders/{number}").forms["delivery-form"]
    form["address"] = str(other.id)
    form["remarks"] = "周末送"
    done = form.submit(status=303).follow()
    assert done.html.select_one("#delivery .recipient").text == "韩梅梅"
    assert done.html.select_one("#remarks").text == "周末送"
    assert [s.select_one(".step-label").text for s in done.html.select(".timeline-step")] == [
        "Awaiting payment", "Delivery details changed"]


def test_received_once_shipped(shop, system, web):
    _who, _shirt, number = placed(shop, system, web)
    page = web.get(f"/orders/{number}")
    assert "receipt-form" not in page.forms  # not on its way yet
    system._session.execute(update(Order).where(Order.number == number)
                            .values(state="shipped"))
    page = web.get(f"/orders/{number}")
    assert "delivery-form" not in page.forms and "cancel-form" not in page.forms
    done = page.forms["receipt-form"].submit(status=303).follow()
    assert done.html.select_one(".order-state")["data-state"] == "completed"
    assert tab_counts(web.get("/orders"))["completed"] == 1


def test_receipt_of_an_unshipped_order_is_refused_on_the_page(shop, system, web):
    _who, _shirt, number = placed(shop, system, web)
    token = web.get(f"/orders/{number}").forms["cancel-form"]["csrf_token"].value
    refused = web.post(f"/orders/{number}/receipt", {"csrf_token": token}, status=409)
    assert refused.html.select_one("#order-conflict") is not None


def test_another_shoppers_order_is_not_found(shop, system, web):
    _who, _shirt, number = placed(shop, system, web)
    stranger = another_browser(web)
    signed_in(shop, stranger)
    token = stranger.get("/orders").forms["language-form"]["csrf_token"].value
    assert stranger.get("/orders").html.select(".order-card") == []
    stranger.get(f"/orders/{number}", status=404)
    stranger.get(f"/orders?before={number}", status=404)
    for action in ("cancel", "delivery", "receipt"):
        stranger.post(f"/orders/{number}/{action}", {"csrf_token": token, "reason": "x"},
                      status=404)
    assert web.get(f"/orders/{number}").html.select_one(".order-state")["data-state"] \
        == "awaiting_payment"


def test_a_guest_is_sent_to_log_in(web):
    assert "/login" in web.get("/orders", status=303).location
    assert "/login" in web.get("/orders/12345678901234567890", status=303).location


def test_an_unknown_tab_or_number_is_not_found(shop, system, web):
    ready(shop, system, web)
    web.get("/orders?tab=nope", status=404)
    web.get("/orders/123", status=404)
    web.get("/orders/" + "9" * 20, status=404)


def test_the_order_center_speaks_chinese(shop, system, web):
    _who, _shirt, number = placed(shop, system, web)
    page = web.get("/orders", headers=ZH)
    labels = [t.contents[0].strip() for t in page.html.select(".order-tab")]
    assert labels == ["全部", "待付款", "待发货", "待收货", "已完成", "已取消"]
    detail = web.get(f"/orders/{number}", headers=ZH)
    assert detail.html.select_one(".order-state").text == "待付款"
    assert "在线支付" in detail.text


def test_the_pages_cost_the_same_queries_whatever_the_orders_and_lines(shop, system, web,
                                                                       queries):
    who, shirt, number = placed(shop, system, web)
    counts = {}
    for url in ("/orders", f"/orders/{number}"):
        web.get(url)
        queries.reset()
        web.get(url)
        counts[url] = queries.count
    more = [item(system) for _ in range(4)]
    for product in more:
        add(web, product)
    big = order_number(place_through_the_form(web))  # four lines
    for _ in range(3):
        add(web, shirt)
        submit(shop, who)
    for url in ("/orders", f"/orders/{big}"):
        queries.reset()
        page = web.get(url)
        assert queries.count == counts[url.replace(big, number)], queries.statements
        assert queries.count <= 12, queries.statements
    assert len(page.html.select(".order-item")) == 4
    assert len(web.get("/orders").html.select(".order-card")) == 5
