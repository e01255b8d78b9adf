"""The cart pages without JavaScript: add from the product page, the stepper, remove, select,
the header badge, bad quantities refused with a message, and the guest's cart merged at login."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from shop.data.models import Cart, Sku
from tests import factories
from tests.accounts_support import register_mobile, set_cookies, web_log_in
from tests.presentation.conftest import another_browser


@pytest.fixture
def shirt(system):
    """A published product with two sizes, 5 of each in stock."""
    factories.attributes(system)
    factories.category(system, "shirts")
    card = factories.product(system, "shirts", sizes=("s", "m"), stock=5)
    codes = list(system._session.scalars(select(Sku.code).where(Sku.product_id == card.id)
                                         .order_by(Sku.position)))
    return {"slug": card.slug, "codes": codes}


def add(web, shirt, quantity="1", sku=None, button="add", status=303):
    page = web.get(f"/p/{shirt['slug']}" + (f"?sku={sku}" if sku else ""))
    form = page.forms["add-to-cart"]
    form["quantity"] = quantity
    return form.submit(button, status=status)


def lines(page):
    return [(row["data-sku"], row.select_one(".quantity-input")["value"])
            for row in page.html.select(".cart-line")]


def line_form(page, line, action, kind=None):
    """The line's form posting to ``action``; ``kind`` tells the stepper's three apart."""
    return next(f for f in page.forms.values()
                if f.action.endswith(f"/cart/lines/{line}/{action}")
                and (kind is None or kind in (f.html.form.get("class") or [])))


def test_a_guest_adds_from_the_product_page_and_sees_the_badge(web, shirt):
    added = add(web, shirt, "2")
    assert f"/p/{shirt['slug']}" in added.location and "added=1" in added.location
    [cookie] = set_cookies(added, "shop_cart")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    product = added.follow()
    assert product.html.select_one("#cart-notice") is not None
    assert product.html.select_one("#cart-count").text == "1"
    assert product.headers["Cache-Control"] == "no-store"  # the header shows their cart
    cart = web.get("/cart")
    assert cart.headers["Cache-Control"] == "no-store"
    assert lines(cart) == [(shirt["codes"][0], "2")]
    assert cart.html.select_one("#selected-total").text == "¥198.00"


def test_buy_now_adds_and_goes_to_checkout(web, shirt):
    bought = add(web, shirt, "1", sku=shirt["codes"][1], button="buy")
    assert bought.location.endswith("/checkout")
    assert lines(web.get("/cart")) == [(shirt["codes"][1], "1")]


@pytest.mark.parametrize("quantity", ["0", "-1", "1000000000", "abc", "1e9", "1.5"])
def test_a_bad_quantity_gets_a_message_and_never_reaches_the_cart(web, shirt, quantity):
    refused = add(web, shirt, quantity, status=400)
    assert refused.html.select_one(".cart-error").text == "Enter a whole number from 1 to 99"
    assert not set_cookies(refused, "shop_cart")
    assert lines(web.get("/cart")) == []


@pytest.mark.parametrize("product", ["", "no-such-product"])
def test_a_refused_add_without_its_product_page_keeps_its_message(web, shirt, product):
    """A form posted without a product to return to (or one that is gone) shows the refusal on
    the cart page, not a 404 that loses it."""
    page = web.get(f"/p/{shirt['slug']}")
    form = page.forms["add-to-cart"]
    form["quantity"], form["product"] = "0", product
    refused = form.submit("add", status=400)
    assert refused.html.select_one(".cart-error").text == "Enter a whole number from 1 to 99"
    assert lines(refused) == []


def test_the_stepper_remove_and_select_work_as_plain_forms(web, shirt):
    add(web, shirt, "1")
    add(web, shirt, "1", sku=shirt["codes"][1])
    cart = web.get("/cart")
    first = cart.html.select(".cart-line")[0]["data-line-id"]
    step_up = line_form(cart, first, "quantity", "step-up")
    assert step_up.submit(status=303).location.endswith("/cart")
    cart = web.get("/cart")
    assert lines(cart)[0] == (shirt["codes"][0], "2")
    typed = line_form(cart, first, "quantity", "set-quantity")
    typed["quantity"] = "9"  # only 5 in stock
    refused = typed.submit(status=400)
    assert refused.html.select_one(".cart-error").text == "Only 5 left"
    deselect = line_form(cart, first, "select")
    deselect["selected"] = False
    deselect.submit(status=303)
    cart = web.get("/cart")
    assert cart.html.select_one("#selected-total").text == "¥100.00"  # the second line only
    remove = line_form(cart, first, "remove")
    remove.submit(status=303)
    assert lines(web.get("/cart")) == [(shirt["codes"][1], "1")]


def test_another_visitor_cannot_touch_a_guests_line(web, shirt):
    add(web, shirt, "1")
    line = web.get("/cart").html.select_one(".cart-line")["data-line-id"]
    stranger = another_browser(web)
    token = stranger.get("/").forms["language-form"]["csrf_token"].value
    for action in ("quantity", "remove", "select"):
        stranger.post(f"/cart/lines/{line}/{action}", {"csrf_token": token, "quantity": "3"},
                      status=404)
    assert lines(web.get("/cart")) == [(shirt["codes"][0], "1")]


def test_the_price_change_and_sold_out_are_shown(web, shirt, system):
    add(web, shirt, "1")
    add(web, shirt, "1", sku=shirt["codes"][1])
    system._session.execute(Sku.__table__.update().where(Sku.code == shirt["codes"][0])
                            .values(price=Decimal("80.00")))
    sku_id = system._session.scalar(select(Sku.id).where(Sku.code == shirt["codes"][1]))
    system._stock.adjust(sku_id, -5, "sold elsewhere")
    cart = web.get("/cart")
    changed, gone = cart.html.select(".cart-line")
    assert "from ¥99.00 to ¥80.00" in changed.select_one(".price-changed").text
    assert gone.select_one(".sold-out") is not None
    assert cart.html.select_one("#selected-total").text == "¥80.00"


def test_the_guest_cart_is_merged_at_login_and_its_cookie_cleared(web, shop, shirt):
    register_mobile(shop, "13900139000")
    add(web, shirt, "2")
    signed_in = web_log_in(web, "13900139000", status=303)
    [cleared] = set_cookies(signed_in, "shop_cart")
    assert "Max-Age=0" in cleared
    assert "shop_cart" not in web.cookies
    assert lines(web.get("/cart")) == [(shirt["codes"][0], "2")]
    assert web.get("/").html.select_one("#cart-count").text == "1"
    with shop.transaction() as tx:
        assert tx._session.scalar(select(Cart.customer_id)) is not None
        assert len(list(tx._session.scalars(select(Cart.id)))) == 1


@pytest.mark.parametrize("cookie", ["x" * 4000, "%00%ff", "not-issued-by-the-shop", ""])
def test_a_hostile_cart_cookie_is_no_cart(web, shirt, cookie):
    web.set_cookie("shop_cart", cookie)
    assert lines(web.get("/cart")) == []
    assert web.get("/").html.select_one("#cart-count") is None
    added = add(web, shirt, "1")  # a cart of its own, with a new token
    assert set_cookies(added, "shop_cart")


def test_the_cart_speaks_chinese(web, shirt):
    zh = {"Accept-Language": "zh-CN"}
    product = web.get(f"/p/{shirt['slug']}", headers=zh)
    assert product.html.select_one("#add-to-cart-button").text == "加入购物车"
    assert product.html.select_one("#buy-now-button").text == "立即购买"
    form = product.forms["add-to-cart"]
    form["quantity"] = "0"
    refused = form.submit("add", headers=zh, status=400)
    assert refused.html.select_one(".cart-error").text == "请输入 1 到 99 之间的整数"
    form["quantity"] = "2"
    form.submit("add", headers=zh, status=303)
    cart = web.get("/cart", headers=zh)
    assert cart.html.select_one("h1").text == "购物车"
    assert "已选 2 件" in cart.html.select_one("#cart-summary").text
