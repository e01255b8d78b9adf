"""Shoppers meet the demo's promotions: the home page's campaigns, the flash sale's landing page
and product page (its countdown ticking), a coupon claimed in the coupon center, the checkout's
coupon select repricing the order as soon as it changes; and the exclusive flash sale beside the
tiered 双十二满减 in one cart, the checkout showing the combination and the order keeping it; and
the flash sale bought with 立即抢购 through the burst lane, its ticket page waiting for the
worker."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shop.application.demo.promotions import FLASH_SKU
from shop.application.promotions.flash import worker
from shop.data.models import Product, Sku
from tests.accounts_support import STRONG_PASSWORD, register_mobile
from tests.browser.conftest import screenshot
from tests.coupons_support import MARKETER, template_data
from tests.flash_support import redis_lane
from tests.ordering_support import BEIJING

MOBILE = "13900139088"
SECOND_MOBILE = "13900139188"
THIRD_MOBILE = "13900139288"
COUNTDOWN = re.compile(r"^[0-9]{2,}:[0-5][0-9]:[0-5][0-9]$")


def _ready(shop) -> None:
    """A claimable ¥5 coupon on everything that stacks with the campaigns, and a shopper with
    an address."""
    with shop.transaction(MARKETER) as tx:
        tx.coupons.create_template(template_data(
            name_zh="全场5元券", name_en="5 off", amount="5.00", min_spend="0.00",
            claimable=True, total_quantity=100, stacking={"mode": "stackable"}))
    signed_in = register_mobile(shop, MOBILE)
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(signed_in.customer_id)
    with shop.transaction(actor) as tx:
        tx.addresses.add({"recipient": "李雷", "mobile": "13800138000",
                          "street": "建国路 1 号", **BEIJING})


def test_flash_sale_coupon_center_and_the_checkouts_coupon(page, live_shop):
    base = live_shop["url"]
    _ready(live_shop["shop"])
    page.goto(base + "/account/login")
    page.fill("input[name=identifier]", MOBILE)
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#orders-link")).to_be_visible()

    # The home page's strip leads to the flash sale's landing page, and on to its product.
    page.goto(base + "/")
    page.click("#campaign-strip a[data-campaign=flash-sale]")
    expect(page).to_have_url(re.compile(r"/campaigns/flash-sale$"))
    expect(page.locator("#campaign-name")).to_have_text("限时秒杀")
    product = page.locator(".product-card a.product-name").first.get_attribute("href")
    page.goto(base + f"{product}?sku={FLASH_SKU}")
    expect(page.locator("#flash-price")).to_be_visible()
    left = page.locator("#flash-sale .countdown-left")
    expect(left).to_have_text(COUNTDOWN)  # the script follows the server's end time
    first = left.text_content()
    expect(left).not_to_have_text(first, timeout=3000)  # and ticks
    expect(page.locator("#flash-progress")).to_have_attribute("value", "0")
    screenshot(page, "flash-sale")
    page.click("#add-to-cart-button")
    expect(page.locator("#cart-count")).to_be_visible()

    # 领券: the product page links to the coupon center, where one claim is one coupon.
    page.click("#claim-coupons-link")
    expect(page).to_have_url(re.compile(r"/coupons$"))
    page.locator(".center-coupon", has_text="全场5元券").locator(".claim-button").click()
    expect(page.locator("#coupon-notice")).to_be_visible()
    screenshot(page, "coupon-center")

    # Something else too, which the flash sale (exclusive) leaves to the coupon.
    page.goto(base + "/campaigns/double-12")
    other = next(href for href in page.locator(".product-card a.product-name").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))") if href != product)
    page.goto(base + other)
    page.click("#add-to-cart-button")

    # At checkout the coupon is chosen; choosing none reprices the page at once.
    page.goto(base + "/checkout")
    coupon = page.locator("#coupon")
    chosen = coupon.input_value()
    assert chosen, page.locator("#coupon-choices").inner_text()
    with_coupon = page.locator("#payable").text_content()
    page.select_option("#coupon", "")
    expect(page.locator("#coupon")).to_have_value("")
    expect(page.locator("#payable")).not_to_have_text(with_coupon)
    page.select_option("#coupon", chosen)
    expect(page.locator("#payable")).to_have_text(with_coupon)
    expect(page.locator(".applied-coupon")).to_have_text("全场5元券")
    page.click("#place-order")
    expect(page).to_have_url(re.compile(r"/orders/[0-9]{20}/pay\?done=placed$"))
    page.goto(base + "/account/coupons?tab=used")
    expect(page.locator(".my-coupon .coupon-name")).to_have_text("全场5元券")


def _flash_and_dear(shop) -> tuple[str, str, str]:
    """The flash sale's product slug, and a product in stock at ¥200 or more outside men's
    shirts (so only the 满减 applies to it): its slug and SKU."""
    with shop.transaction(actor=shop.system_actor("browser-tests"), locale="en") as tx:
        flash_slug = tx._session.scalar(select(Product.slug).join(
            Sku, Sku.product_id == Product.id).where(Sku.code == FLASH_SKU))
        for top in tx.catalog.navigation():
            for card in tx.catalog.category_page(top.slug, {"sort": ["price_desc"]}).products:
                product = tx.catalog.product_page(card.slug)
                if (product.sku.price >= Decimal("200.00") and product.sku.available > 2
                        and product.category.slug != "men-shirts"):
                    return flash_slug, product.slug, product.sku.code
    raise AssertionError("the demo shop has nothing at ¥200 or more in stock")


def test_a_flash_sale_and_a_tiered_spend_and_save_in_one_cart(page, live_shop):
    base, shop = live_shop["url"], live_shop["shop"]
    flash_slug, dear_slug, dear_sku = _flash_and_dear(shop)
    customer_id = register_mobile(shop, SECOND_MOBILE).customer_id
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer_id)
    with shop.transaction(actor) as tx:
        tx.addresses.add({"recipient": "韩梅梅", "mobile": SECOND_MOBILE, "province": "110000",
                          "city": "110100", "district": "110105", "street": "朝阳路 66 号"})

    page.goto(base + "/account/login")
    page.fill("input[name=identifier]", SECOND_MOBILE)
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#orders-link")).to_be_visible()

    page.goto(base + f"/p/{flash_slug}?sku={FLASH_SKU}")
    expect(page.locator("#flash-sale")).to_be_visible()
    expect(page.locator("#product-campaigns")).to_contain_text("双十二满减")
    page.click("#add-to-cart-button")
    page.goto(base + f"/p/{dear_slug}?sku={dear_sku}")
    page.click("#add-to-cart-button")

    page.goto(base + "/cart")
    expect(page.locator(".cart-group-name").first).to_be_visible()
    expect(page.locator("#cart-promotions")).to_contain_text("限时秒杀")
    screenshot(page, "cart-promotions")

    page.goto(base + "/checkout")
    expect(page.locator("#breakdown")).to_contain_text("限时秒杀")
    expect(page.locator("#breakdown")).to_contain_text("双十二满减")
    with shop.transaction(actor) as tx:
        view = tx.checkout.prepare()
    # The flash line is half price and out of the 满减, which counts the dear item alone.
    applied = {a.name: a.amount for a in view.promotions.applied}
    assert {"限时秒杀", "双十二满减"} <= set(applied)  # and a new customer's coupon
    flash_line = next(i for i in view.items if i.sku_code == FLASH_SKU)
    assert flash_line.discount_share == applied["限时秒杀"]
    expect(page.locator("#breakdown")).to_contain_text(f"{view.breakdown.payable:,.2f}")
    screenshot(page, "checkout-promotions")
    page.click("#place-order")
    expect(page).to_have_url(re.compile(r"/orders/[0-9]{20}/pay"))
    number = re.search(r"/orders/([0-9]{20})/", page.url).group(1)
    page.goto(base + f"/orders/{number}")
    expect(page.locator("#breakdown")).to_contain_text("限时秒杀")
    expect(page.locator("#breakdown")).to_contain_text(f"{view.breakdown.discount_total:,.2f}")
    expect(page.locator("#breakdown")).to_contain_text(f"{view.breakdown.payable:,.2f}")


@pytest.fixture
def burst_lane(live_shop):
    """The served shop's flash sales through a burst lane on the test Redis."""
    for lane in redis_lane():
        live_shop["shop"].flash_lane = lane
        yield lane
        live_shop["shop"].flash_lane = None


def test_a_flash_sale_bought_through_the_burst_lane(page, live_shop, burst_lane):
    base, shop = live_shop["url"], live_shop["shop"]
    flash_slug = _flash_and_dear(shop)[0]
    customer_id = register_mobile(shop, THIRD_MOBILE).customer_id
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer_id)
    with shop.transaction(actor) as tx:
        tx.addresses.add({"recipient": "王芳", "mobile": THIRD_MOBILE, "street": "长安街 8 号",
                          **BEIJING})
    page.goto(base + "/account/login")
    page.fill("input[name=identifier]", THIRD_MOBILE)
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#orders-link")).to_be_visible()

    page.goto(base + f"/p/{flash_slug}?sku={FLASH_SKU}")
    page.click("#flash-buy-link")
    expect(page).to_have_url(re.compile(rf"/flash-sales/flash-sale/{FLASH_SKU}$"))
    expect(page.locator("#flash-limit")).to_have_text("每人限购 1 件")
    screenshot(page, "flash-buy")
    page.click("#flash-buy")
    # Queued: the page waits (reloading itself) until the worker has written the order.
    expect(page.locator("#flash-ticket")).to_have_attribute("data-state", "queued")
    stop = threading.Event()
    writer = threading.Thread(target=worker.work, args=(shop,),
                              kwargs={"stop": stop, "wait_seconds": 0.2})
    writer.start()
    try:
        expect(page).to_have_url(re.compile(r"/orders/[0-9]{20}/pay\?done=placed$"),
                                 timeout=10_000)
    finally:
        stop.set()
        writer.join()
    number = re.search(r"/orders/([0-9]{20})/", page.url).group(1)
    page.goto(base + f"/orders/{number}")
    expect(page.locator("#breakdown")).to_contain_text("限时秒杀")
