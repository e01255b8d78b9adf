"""Two back-office journeys, in Chinese: a merchandiser puts a new product on sale (30 SKUs from
the variant generator, an image, published, found on its category page); a customer-service
agent takes a shopper's return from request to refund, and the administrator's dashboard then
shows the day's sale."""

from __future__ import annotations

import re
import struct
import zlib
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from shop.data.models import Order, OrderLine
from tests import staff_factories
from tests.browser.conftest import screenshot
from tests.ordering_support import buyer, place
from tests.payments_support import pay, top_up, wallet
from tests.rma_support import ask, deliver

COLOURS = ("black", "white", "red", "blue", "green")
SIZES = ("xs", "s", "m", "l", "xl", "xxl")
SLUG = "linen-shirt-2027"


def _png(width: int = 240, height: int = 240) -> bytes:
    """A small gradient PNG (no imaging library needed)."""
    rows = b"".join(b"\x00" + bytes(
        channel for x in range(width) for channel in (
            40 + x * 150 // width, 90 + y * 100 // height, 160)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _log_in(page, base: str, username: str) -> None:
    page.goto(base + "/admin/login")
    page.fill("#login-form [name=username]", username)
    page.fill("#login-form [name=password]", staff_factories.PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin$"))


def test_a_merchandiser_puts_a_new_product_with_30_skus_on_sale(page, live_shop):
    base, shop = live_shop["url"], live_shop["shop"]
    with shop.transaction(actor=shop.system_actor("browser-tests")) as tx:
        staff_factories.staff(tx, ["merchandiser"], username="browser_merchandiser",
                              name="陈静")
    _log_in(page, base, "browser_merchandiser")

    # A new product, hidden for now, with its first SKU (black, XS).
    page.goto(base + "/admin/catalog/products/new")
    page.fill("#product-form-slug", SLUG)
    page.fill("#product-form-name_zh", "青木 亚麻休闲衬衫")
    page.fill("#product-form-name_en", "Qingmu linen shirt")
    page.fill("#product-form-description_html", "<p>透气亚麻，四季可穿。</p>")
    page.select_option("#product-form-category", "men-shirts")
    page.select_option("#product-form-brand", "qingmu")
    sku = page.locator("#product-form-skus .deform-seq-item").first
    sku.locator("[name=code]").fill(f"{SLUG}-black-xs")
    sku.locator("[name=price]").fill("199.00")
    sku.locator("[name=stock_on_hand]").fill("20")
    sku.locator("select[name=values]").select_option(["color:black", "size:xs"])
    page.click("#product-formsubmit")
    expect(page).to_have_url(re.compile(r"/admin/catalog/products/[0-9]+\?saved=1$"))
    expect(page.locator("#state-hidden")).to_be_visible()
    product_id = re.search(r"/products/([0-9]+)", page.url).group(1)

    # 5 colours x 6 sizes: previewed (29 new, the first SKU kept), then created at once.
    page.click("#variants-link")
    expect(page).to_have_url(re.compile(rf"/admin/catalog/products/{product_id}/variants$"))
    page.select_option("#variants-form-values",
                       [f"color:{c}" for c in COLOURS] + [f"size:{s}" for s in SIZES])
    page.fill("#variants-form-pattern", "{product}-{color}-{size}")
    page.fill("#variants-form-price", "199.00")
    page.fill("#variants-form-list_price", "259.00")
    page.fill("#variants-form-stock_on_hand", "20")
    page.fill("#variants-form-weight_grams", "300")
    page.click("#variants-formsubmit")
    expect(page.locator("#preview tr.planned")).to_have_count(30)
    expect(page.locator("#preview tr.planned.new")).to_have_count(29)
    expect(page.locator(f"#preview tr.kept[data-code='{SLUG}-black-xs']")).to_have_count(1)
    page.click("#variants-formgenerate")
    expect(page).to_have_url(re.compile(rf"/admin/catalog/products/{product_id}\?saved=1$"))

    # An image in the gallery: the first is the cover.
    page.set_input_files("#field-image", files=[{
        "name": "shirt.png", "mimeType": "image/png", "buffer": _png()}])
    page.fill("#image-form [name=alt_zh]", "亚麻衬衫正面")
    page.click("#upload")
    expect(page.locator("#gallery figure.image.cover")).to_have_count(1)
    expect(page.locator("#gallery figure.image img")).to_have_js_property("naturalWidth", 240)

    page.click("#publish")
    expect(page.locator("#state-shown")).to_be_visible()
    codes = page.locator("#product-form-skus [name=code]")
    expect(codes).to_have_count(30)
    assert set(codes.evaluate_all("inputs => inputs.map(i => i.value)")) == {
        f"{SLUG}-{c}-{s}" for c in COLOURS for s in SIZES}
    # The last of the 30 SKUs and the gallery below them in one view, zoomed out (Ctrl -).
    page.evaluate("document.documentElement.style.zoom = '60%'")
    page.locator("#product-form-skus .deform-seq-item").last.evaluate(
        "item => window.scrollBy(0, item.getBoundingClientRect().top - 8)")
    screenshot(page, "admin-product-editor")

    # In the shop: on its category page (the newest first), its cover the uploaded image.
    page.goto(base + "/c/men-shirts?sort=newest")
    card = page.locator(".product-card", has=page.locator(f"a[href='/p/{SLUG}']"))
    expect(card.first).to_be_visible()
    expect(card.first).to_contain_text("亚麻休闲衬衫")
    expect(card.first.locator("img")).to_have_attribute("src", re.compile(r"^/media/products/"))
    page.goto(base + f"/p/{SLUG}")
    expect(page.locator("body")).to_contain_text("青木 亚麻休闲衬衫")


def _delivered_order(shop) -> tuple[object, str, int]:
    """A shopper's paid (from their balance) and delivered order of two units of a demo
    product in stock; the shopper, the order's number and its line's id."""
    with shop.transaction(actor=shop.system_actor("browser-tests"), locale="en") as tx:
        chosen = None
        for card in tx.catalog.category_page("men-tshirts", {"sort": ["price_asc"]}).products:
            product = tx.catalog.product_page(card.slug)
            if product.sku.available > 5:
                chosen = product.sku.code
                break
    assert chosen, "the demo shop has no T-shirt in stock"
    who = buyer(shop)
    top_up(shop, who, "2000.00")
    number = place(shop, who, {chosen: 2}, shipping_method="sf").number
    with shop.transaction(who.actor) as tx:
        due = tx.payments.options(number).due
    assert pay(shop, who, number, balance=str(due)).paid
    deliver(shop, who, number)
    with shop.transaction(shop.system_actor("browser-tests")) as tx:
        line = tx._session.scalar(select(OrderLine.id).join(
            Order, Order.id == OrderLine.order_id).where(Order.number == number))
    return who, number, line


def test_customer_service_approves_receives_and_refunds_a_return(page, live_shop):
    base, shop = live_shop["url"], live_shop["shop"]
    who, number, line = _delivered_order(shop)
    made = ask(shop, who, number, "return", "quality", {line: 1},
               description="领口开线，申请退货。")
    balance_before = wallet(shop, who)[0]
    with shop.transaction(actor=shop.system_actor("browser-tests")) as tx:
        staff_factories.staff(tx, ["customer_service"], username="browser_service",
                              name="李娜")
        staff_factories.staff(tx, ["administrator"], username="browser_owner", name="王芳")
    _log_in(page, base, "browser_service")

    page.goto(base + "/admin/rma")
    row = page.locator(f"#rma-queue tr.rma[data-number='{made.number}']")
    expect(row).to_have_attribute("data-state", "requested")
    row.locator(f"a[href$='/admin/rma/{made.number}']").first.click()
    expect(page).to_have_url(re.compile(rf"/admin/rma/{made.number}$"))
    expect(page.locator("#rma-order")).to_have_text(number)
    due = Decimal(page.locator("#rma-refund-due").inner_text().replace("¥", "")
                  .replace(",", "").strip())
    assert due > 0

    page.fill("#step-approve [name=message]", "请寄回北京仓库，运费由我们承担。")
    page.click("#rma-approvesubmit")
    expect(page.locator("#rma-state")).to_have_attribute("data-state", "approved")
    page.check("#step-receive input[value=restock]")
    page.click("#rma-receivesubmit")
    expect(page.locator("#rma-state")).to_have_attribute("data-state", "received")
    page.click("#rma-refundsubmit")
    expect(page.locator("#rma-state")).to_have_attribute("data-state", "refunded")
    expect(page.locator("#rma-refunded")).to_contain_text(f"{due:,.2f}")
    expect(page.locator("#rma-steps li")).to_have_count(4)
    screenshot(page, "admin-rma")

    # The order: its payment partly refunded, and the shopper's balance has the money back.
    page.goto(base + f"/admin/orders/{number}")
    payment = page.locator("#order-payments .order-payment")
    expect(payment).to_have_count(1)  # the balance paid it all
    expect(payment.locator(".tender-state")).to_have_text("已付款")
    expect(payment.locator("td").last).to_have_text(f"¥{due:,.2f}")  # the 已退款 column
    expect(page.locator("#order-shipments")).to_contain_text("顺丰速运")
    screenshot(page, "admin-order-detail")
    assert wallet(shop, who)[0] == balance_before + due
    with shop.transaction(who.actor) as tx:
        seen = tx.rma.get(made.number)
    assert seen.summary.state == "refunded"
    assert seen.summary.refund_total == due

    # The administrator's dashboard: today's sales have the order in them.
    page.context.clear_cookies()
    _log_in(page, base, "browser_owner")
    expect(page.locator("body")).to_contain_text("王芳")
    screenshot(page, "admin-dashboard")
