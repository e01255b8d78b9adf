"""A shopper's first order: two products in the cart (one by 立即购买), a quantity changed,
checkout with a new address and a company invoice, the order under 待付款, then cancelled, and
its stock for sale again."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import expect

from tests.accounts_support import STRONG_PASSWORD, register_mobile
from tests.browser.conftest import screenshot

MOBILE = "13900139077"
#: The stock the first product is left with for the journey: few enough for its page to say
#: how many are left, so the page shows what an order holds and what its cancelling gives back.
STOCK = 6
USCC = "91350100M000100Y43"


@dataclass(frozen=True)
class Products:
    first: str  # its slug; bought twice, with STOCK on hand
    second: str


def _products(shop) -> Products:
    """Two demo products in stock, the first brought down to ``STOCK``."""
    with shop.transaction(actor=shop.system_actor("browser-tests"), locale="en") as tx:
        found = []
        for card in tx.catalog.category_page(tx.catalog.navigation()[0].slug, {}).products:
            product = tx.catalog.product_page(card.slug)
            if product.sku.in_stock and product.sku.available > STOCK:
                found.append(product)
            if len(found) == 2:
                break
        first = found[0]
        tx.inventory.adjust(first.sku.code, STOCK - first.sku.available, "browser journey")
        return Products(first.slug, found[1].slug)


def test_check_out_see_the_order_and_cancel_it(page, live_shop):
    base = live_shop["url"]
    products = _products(live_shop["shop"])
    register_mobile(live_shop["shop"], MOBILE)

    page.goto(base + "/account/login")
    page.fill("input[name=identifier]", MOBILE)
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#orders-link")).to_have_text("我的订单")

    page.goto(base + f"/p/{products.first}")
    expect(page.locator("#stock-status")).to_contain_text(f"仅剩 {STOCK} 件")
    page.click("#add-to-cart-button")
    page.goto(base + f"/p/{products.second}")
    page.click("#buy-now-button")  # 立即购买: straight to checkout
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.locator(".order-item")).to_have_count(2)

    # Two of the first product, on the cart page (its script submits a typed quantity).
    page.click("#back-to-cart")
    first_line = page.locator(".cart-line").first
    first_line.locator(".quantity-input").fill("2")
    first_line.locator(".quantity-input").dispatch_event("change")
    expect(page.locator(".cart-line").first.locator(".quantity-input")).to_have_value("2")
    page.click("#checkout-button")
    expect(page).to_have_url(re.compile(r"/checkout$"))

    # A new address: the region selects are filled by the script as each is chosen.
    if page.locator("#new-address[open]").count() == 0:  # open already with no address yet
        page.click("#new-address summary")
    page.fill("#recipient", "王小明")
    page.fill("#mobile", "13700137000")
    page.select_option("#province", "110000")
    expect(page.locator("#city option[value='110100']")).to_be_attached()
    page.select_option("#city", "110100")
    expect(page.locator("#district option[value='110105']")).to_be_attached()
    page.select_option("#district", "110105")
    page.fill("#street", "建国门外大街 1 号")
    page.click("#save-address")
    expect(page).to_have_url(re.compile(r"/checkout\?address=[0-9]+$"))
    expect(page.locator("input[name=address]:checked + label")).to_contain_text("王小明")

    # A plain invoice to a company.
    page.check("#invoice-kind-plain")
    page.check("#invoice-title_kind-company")
    page.fill("#invoice-title", "示例科技有限公司")
    page.fill("#invoice-tax_code", USCC)
    page.fill("#remarks", "工作日送货")
    expect(page.locator("#place-order")).to_be_enabled()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "checkout")

    page.click("#place-order")
    expect(page).to_have_url(re.compile(r"/orders/[0-9]{20}/pay\?done=placed$"))
    number = re.search(r"/orders/([0-9]{20})", page.url).group(1)
    expect(page.locator("#pay-due")).to_be_visible()
    page.click("#order-link")
    expect(page.locator(".order-state")).to_have_text("待付款")
    expect(page.locator("#pay-by")).to_be_visible()
    expect(page.locator("#invoice-title")).to_have_text("示例科技有限公司")
    screenshot(page, "order-detail")

    # The order holds two of the first product.
    page.goto(base + f"/p/{products.first}")
    expect(page.locator("#stock-status")).to_contain_text(f"仅剩 {STOCK - 2} 件")

    page.click("#orders-link")
    page.click(".order-tab[data-tab=unpaid]")
    expect(page.locator(f".order-card[data-number='{number}']")).to_be_visible()
    expect(page.locator(".order-tab[data-tab=unpaid] .tab-count")).to_have_text("1")
    screenshot(page, "order-center")

    page.click(f".order-card[data-number='{number}'] a.order-number")
    page.fill("#cancel-reason", "地址写错了")
    page.click("#cancel-order")
    expect(page.locator(".order-state")).to_have_text("已取消")

    # Cancelled: what it held is for sale again.
    page.goto(base + f"/p/{products.first}")
    expect(page.locator("#stock-status")).to_contain_text(f"仅剩 {STOCK} 件")
