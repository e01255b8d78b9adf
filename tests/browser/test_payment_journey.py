"""Paying an order in the browser as a shopper would: a gift card, points and the Alipay
simulator's cashier for the rest, then cancelling it and seeing every balance back in the
wallet; and paying another by scanning the WeChat Pay QR code with the simulator's "phone"."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from tests.accounts_support import STRONG_PASSWORD, register_mobile
from tests.browser.conftest import screenshot


def _in_stock_sku(shop) -> str:
    with shop.transaction(actor=shop.system_actor("browser-tests"), locale="en") as tx:
        for card in tx.catalog.category_page(tx.catalog.navigation()[0].slug, {}).products:
            product = tx.catalog.product_page(card.slug)
            if product.sku.in_stock and product.sku.available > 2:
                return product.sku.code
    raise AssertionError("the demo shop has nothing in stock")


def _shopper_with_an_order(shop, mobile: str) -> tuple[int, str]:
    """A shopper (signed up with ``mobile``) with an address and an online order to pay."""
    sku = _in_stock_sku(shop)
    customer_id = register_mobile(shop, mobile).customer_id
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer_id)
    with shop.transaction(actor) as tx:
        address = tx.addresses.add({"recipient": "李雷", "mobile": mobile, "province": "110000",
                                    "city": "110100", "district": "110105",
                                    "street": "建国路 88 号"})
        tx.cart.add({"sku": sku, "quantity": "1"})
        view = tx.checkout.prepare({"address": str(address.id)})
        placed = tx.checkout.place({
            "idempotency_key": view.idempotency_key, "address": str(address.id),
            "shipping_method": view.shipping_method, "payment_method": "online"})
    return customer_id, placed.number


def _log_in(page, base: str, mobile: str) -> None:
    page.goto(base + "/account/login")
    page.fill("input[name=identifier]", mobile)
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#orders-link")).to_be_visible()


def test_pay_with_gift_card_points_and_alipay_then_cancel_and_get_it_all_back(page, live_shop):
    base, shop = live_shop["url"], live_shop["shop"]
    mobile = "1390013" + f"{secrets.randbelow(10000):04d}"
    customer_id, number = _shopper_with_an_order(shop, mobile)
    with shop.transaction(shop.system_actor("browser-tests")) as tx:
        card = tx.gift_cards.issue({"name": "浏览器测试卡", "value": "20.00", "quantity": "1",
                                    "expires_on": "2099-12-31"}).cards[0]
        tx.payments._points.grant(customer_id, 1000, "registration_gift", f"browser:{mobile}")
    shop.run_job("dispatch-events")  # the registration gift (100 points) is in before paying
    _log_in(page, base, mobile)
    page.goto(base + "/account/wallet")
    expect(page.locator("#wallet-points")).to_have_text("1100")

    page.goto(base + f"/orders/{number}/pay")
    page.fill("#gift-card-code", card.code)
    page.fill("#gift-card-pin", card.pin)
    page.fill("#points", "1000")
    page.check("#gateway-alipay")
    screenshot(page, "payment")
    page.click("#pay-submit")

    expect(page.get_by_text("确认付款")).to_be_visible()  # the Alipay simulator's cashier
    screenshot(page, "alipay-simulator")
    page.get_by_text("确认付款").click()
    expect(page).to_have_url(re.compile(rf"/orders/{number}"))
    expect(page.locator(".order-state").first).to_have_attribute("data-state",
                                                                 "awaiting_shipment")

    page.goto(base + f"/orders/{number}")
    page.fill("#cancel-reason", "不想要了")
    page.click("#cancel-order")
    expect(page.locator(".order-state").first).to_have_attribute("data-state", "cancelled")
    shop.run_job("send-refunds")  # the Alipay part is refunded after the commit

    page.goto(base + "/account/wallet")
    expect(page.locator("#wallet-points")).to_have_text("1100")  # the points are back
    expect(page.locator(".gift-card")).to_contain_text("¥20.00")  # and the card's value
    expect(page.locator("#wallet-balance")).to_have_text("¥0.00")  # nothing went elsewhere
    screenshot(page, "wallet")


def test_pay_by_scanning_the_wechat_pay_code(page, live_shop, browser):
    base, shop = live_shop["url"], live_shop["shop"]
    mobile = "1390014" + f"{secrets.randbelow(10000):04d}"
    _customer_id, number = _shopper_with_an_order(shop, mobile)
    _log_in(page, base, mobile)

    page.goto(base + f"/orders/{number}/pay")
    page.check("#gateway-wechat")
    page.click("#pay-submit")
    expect(page.locator("#qr-code svg")).to_be_visible()
    screenshot(page, "wechat-qr")

    scan = page.locator("#simulator-scan").get_attribute("href")  # the simulator's "phone"
    phone = browser.new_page()
    phone.goto(base + scan if scan.startswith("/") else scan)
    phone.get_by_text("确认支付").click()
    phone.close()
    # The QR page polls the order and moves on by itself once the payment arrived.
    expect(page).to_have_url(re.compile(rf"/orders/{number}"), timeout=15_000)
    expect(page.locator(".order-state").first).to_have_attribute("data-state",
                                                                 "awaiting_shipment")
