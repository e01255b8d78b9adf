"""The checkout page without JavaScript: a guest logs in first, the defaults chosen, an order
placed through the form once however often it is sent, refusals shown on the page with
everything typed kept, a new address added on the way, 立即购买 and 去结算 leading here."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from shop.data.models import Order, OrderInvoice
from tests.accounts_support import STRONG_PASSWORD, latest_code
from tests.ordering_support import BEIJING, prepare_shop
from tests.presentation.conftest import another_browser
from tests.presentation.ordering_pages import (
    add,
    item,
    order_count,
    place_through_the_form,
    place_to_pay,
    ready,
)

ZH = {"Accept-Language": "zh-CN"}
USCC = "91350100M000100Y43"


@pytest.fixture
def bought(shop, system, web):
    """A signed-in shopper with one shirt (¥99) in the cart."""
    who, shirt = ready(shop, system, web)
    add(web, shirt)
    return who, shirt


def checked(page, name):
    return [field["value"] for field in page.html.select(f'input[name="{name}"][checked]')]


def test_a_guest_is_sent_to_log_in_and_back(web):
    refused = web.get("/checkout", status=303)
    assert "/login" in refused.location
    assert "came_from=/checkout" in unquote(refused.location)


def test_the_page_chooses_the_default_address_and_the_cheapest_method(web, bought):
    who, shirt = bought
    page = web.get("/checkout")
    assert page.headers["Cache-Control"] == "no-store"
    [line] = page.html.select(".order-item")
    assert line["data-sku"] == shirt.sku
    assert line.select_one(".item-total").text == "¥99.00"
    assert checked(page, "address") == [str(who.address_id)]
    assert checked(page, "shipping_method") == ["economy"]  # ¥8 against express's ¥12
    assert checked(page, "payment_method") == ["online"]
    assert page.html.select_one("#shipping-fee").text == "¥8.00"
    assert page.html.select_one("#payable").text == "¥107.00"
    form = page.forms["checkout-form"]
    assert form["expected_payable"].value == "107.00"
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", form["idempotency_key"].value)
    assert page.html.select_one("#place-order").get("disabled") is None
    assert page.html.select_one("#back-to-cart")["href"] == "/cart"


def test_another_method_is_shown_with_its_fee_without_losing_what_was_typed(shop, web,
                                                                           bought):
    form = web.get("/checkout").forms["checkout-form"]
    form["shipping_method"] = "express"
    form["remarks"] = "请放门卫"
    form["kind"] = "plain"
    updated = form.submit("update", status=200)
    assert checked(updated, "shipping_method") == ["express"]
    assert updated.html.select_one("#payable").text == "¥111.00"
    assert updated.forms["checkout-form"]["remarks"].value == "请放门卫"
    assert checked(updated, "kind") == ["plain"]
    assert not updated.html.select("#form-errors")
    assert order_count(shop) == 0  # an update places nothing


def test_an_order_is_placed_through_the_form_and_shown(shop, web, bought):
    who, _shirt = bought
    to_pay = place_to_pay(web, remarks="工作日送货", kind="plain", title_kind="company",
                          title="示例科技有限公司", tax_code=USCC)
    assert re.fullmatch(r"/orders/[0-9]{20}/pay", to_pay.request.path)
    assert to_pay.html.select_one("#pay-notice") is not None  # "Your order is placed …"
    assert to_pay.html.select_one("#pay-due").text == "¥107.00"
    shown = to_pay.click(linkid="order-link")
    assert shown.html.select_one(".order-state")["data-state"] == "awaiting_payment"
    assert "Awaiting payment" in shown.html.select_one(".order-state").text
    assert shown.html.select_one("#pay-by") is not None
    assert shown.html.select_one("#remarks").text == "工作日送货"
    assert shown.html.select_one("#invoice-title").text == "示例科技有限公司"
    assert shown.html.select_one("#payable").text == "¥107.00"
    assert web.get("/cart").html.select(".cart-line") == []  # the bought line left the cart
    with shop.transaction() as tx:
        order = tx._session.scalar(select(Order))
        assert order.customer_id == who.actor.id and order.remarks == "工作日送货"
        assert tx._session.scalar(select(OrderInvoice.tax_code)) == USCC


def test_the_pay_by_time_is_in_the_shops_time_zone(shop, web, bought, clock):
    shown = place_through_the_form(web)
    with shop.transaction() as tx:
        pay_by = tx._session.scalar(select(Order.pay_by))
        zone = tx.settings.current().zone
    assert pay_by.astimezone(zone).strftime("%Y-%m-%d %H:%M") in shown.html.select_one(
        "#pay-by").text


def test_a_form_sent_twice_places_one_order(shop, web, bought):
    form = web.get("/checkout").forms["checkout-form"]
    first = form.submit(status=303)
    again = form.submit(status=303)
    assert first.location == again.location
    assert order_count(shop) == 1


def test_bad_invoice_fields_are_named_and_nothing_typed_is_lost(shop, web, bought):
    form = web.get("/checkout").forms["checkout-form"]
    form["remarks"] = "请放门卫"
    form["kind"] = "vat"
    form["title"] = "示例科技有限公司"
    form["tax_code"] = "91350100M000100Y44"  # one character off
    refused = form.submit(status=400)
    errors = {e["data-field"] for e in refused.html.select(".field-error")}
    assert {"tax_code", "bank_name", "bank_account"} <= errors
    again = refused.forms["checkout-form"]
    assert again["title"].value == "示例科技有限公司"
    assert again["tax_code"].value == "91350100M000100Y44"
    assert again["remarks"].value == "请放门卫"
    assert checked(refused, "kind") == ["vat"]
    assert order_count(shop) == 0


def test_too_long_remarks_are_named(shop, web, bought):
    form = web.get("/checkout").forms["checkout-form"]
    form["remarks"] = "长" * 201
    refused = form.submit(status=400)
    assert refused.html.select_one("#remarks-error").text == "At most 200 characters"
    assert refused.forms["checkout-form"]["remarks"].value == "长" * 201
    assert order_count(shop) == 0


def test_a_missing_choice_is_named(shop, web, bought):
    form = web.get("/checkout").forms["checkout-form"]
    token = form["csrf_token"].value
    refused = web.post("/checkout", {"csrf_token": token,
                                     "idempotency_key": form["idempotency_key"].value,
                                     "shipping_method": "economy", "payment_method": "online"},
                       status=400)
    assert refused.html.select_one("#address-error").text == "Choose a shipping address"
    assert order_count(shop) == 0


def test_sold_out_meanwhile_shows_the_conflict_and_writes_nothing(shop, system, web, bought):
    _who, shirt = bought
    form = web.get("/checkout").forms["checkout-form"]
    form["remarks"] = "尽快发货"
    system.inventory.adjust(shirt.sku, -10, "sold elsewhere")
    refused = form.submit(status=409)
    assert refused.html.select_one("#checkout-conflict") is not None
    assert refused.forms["checkout-form"]["remarks"].value == "尽快发货"
    assert refused.html.select_one(".item-short") is not None
    assert refused.html.select_one("#place-order").get("disabled") is not None
    assert order_count(shop) == 0
    assert len(web.get("/cart").html.select(".cart-line")) == 1  # the cart is as it was


def test_a_changed_amount_is_a_conflict(shop, system, web, bought):
    _who, _shirt = bought
    form = web.get("/checkout").forms["checkout-form"]
    form["expected_payable"] = "100.00"
    refused = form.submit(status=409)
    assert "¥107.00" in refused.html.select_one("#checkout-conflict").text
    assert order_count(shop) == 0


def test_a_short_line_disables_the_submit(system, web, bought):
    _who, shirt = bought
    add(web, shirt)  # two in the cart
    system.inventory.adjust(shirt.sku, -9, "count")
    page = web.get("/checkout")
    assert page.html.select_one(".item-short").text.strip() == "Only 1 left"
    assert page.html.select_one("#short-items") is not None
    assert page.html.select_one("#place-order").get("disabled") is not None


def test_a_new_address_is_added_and_chosen(shop, web, bought):
    page = web.get("/checkout")
    form = page.forms["address-form"]
    form["recipient"] = "李雷"
    form["mobile"] = "13900139000"
    form["province"] = BEIJING["province"]
    step = form.submit("choose_region", status=200)  # without JavaScript: the city list
    form = step.forms["address-form"]
    assert form["recipient"].value == "李雷"
    form["city"] = BEIJING["city"]
    form = form.submit("choose_region", status=200).forms["address-form"]
    form["district"] = BEIJING["district"]
    form["street"] = "朝阳路 2 号"
    saved = form.submit(status=303)
    new_id = re.search(r"address=([0-9]+)", saved.location).group(1)
    page = saved.follow()
    assert checked(page, "address") == [new_id]
    assert "朝阳路 2 号" in page.html.select_one(f'label[for="address-{new_id}"]').text


def test_a_bad_new_address_is_shown_with_its_messages(shop, web, bought):
    form = web.get("/checkout").forms["address-form"]
    form["recipient"] = "李雷"
    form["mobile"] = "12345"
    refused = form.submit(status=400)
    fields = {e["data-field"] for e in refused.html.select("#address-form .field-error")}
    assert {"mobile", "province", "street"} <= fields
    assert refused.forms["address-form"]["recipient"].value == "李雷"
    assert refused.html.select_one("#new-address").has_attr("open")


def test_buy_now_goes_to_checkout_and_the_cart_links_here(shop, system, web):
    _who, shirt = ready(shop, system, web)
    bought = add(web, shirt, button="buy")
    assert bought.location.endswith("/checkout")
    assert [i["data-sku"] for i in bought.follow().html.select(".order-item")] == [shirt.sku]
    assert web.get("/cart").html.select_one("#checkout-button")["href"] == "/checkout"


def test_a_guest_buying_now_logs_in_and_comes_back(shop, system, web):
    prepare_shop(system)
    shirt = item(system)
    guest = another_browser(web)
    bought = add(guest, shirt, button="buy")
    assert bought.location.endswith("/checkout")
    assert "/login" in guest.get("/checkout", status=303).location


def test_a_guest_who_registers_by_sms_comes_back_to_checkout_with_the_cart(shop, system, web):
    prepare_shop(system)
    shirt = item(system)
    guest = another_browser(web)
    add(guest, shirt, button="buy")
    login = guest.get(guest.get("/checkout", status=303).location)
    register = guest.get(login.html.select_one("#login-register-link")["href"])
    form = register.forms["register-form"]
    form["mobile"] = "13900139000"
    form = form.submit().forms["register-confirm-form"]
    assert form["came_from"].value == "/checkout"
    form["code"] = latest_code(shop, "+8613900139000")
    form["password"] = STRONG_PASSWORD
    back = form.submit(status=303)
    assert back.location.endswith("/checkout")
    page = back.follow()
    assert page.html.select_one("#checkout-empty") is None  # the guest's cart came along


def test_an_empty_checkout_says_so(shop, system, web):
    ready(shop, system, web)
    page = web.get("/checkout")
    assert page.html.select_one("#checkout-empty") is not None
    assert "checkout-form" not in page.forms


def test_the_checkout_speaks_chinese(web, bought):
    page = web.get("/checkout", headers=ZH)
    assert page.html.select_one("h1").text == "确认订单"
    assert page.html.select_one("#place-order").text == "提交订单"
    assert "在线支付" in page.html.select_one('label[for="payment-online"]').text
    assert page.html.select_one("#payable").find_previous("dt").text == "应付金额"


def test_the_page_costs_the_same_queries_whatever_the_lines(shop, system, web, bought,
                                                            queries):
    web.get("/checkout")
    queries.reset()
    web.get("/checkout")
    one_line = queries.count
    for _ in range(4):
        add(web, item(system))
    queries.reset()
    page = web.get("/checkout")
    assert len(page.html.select(".order-item")) == 5
    assert queries.count == one_line, queries.statements
    # Tokens, the login session, the cart and its lines, variant values, stock, the address
    # book, the shipping methods, the saved invoice titles, the header's badge; the shopper's
    # coupons and whether they are a new customer (for 新人价).
    assert queries.count <= 16, queries.statements
