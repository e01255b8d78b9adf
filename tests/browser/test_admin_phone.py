"""The back office on a phone (390 x 844), with JavaScript off: the side menu is folded away
behind the menu button and opens from it, and a list shows each row as a card of
"label: value" lines; on a desktop the same page keeps its table and its menu."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from shop.application import Actor
from tests import staff_factories
from tests.browser.conftest import screenshot
from tests.coupons_support import orders as bare_orders
from tests.shoppers import new_customer

PHONE = {"width": 390, "height": 844}
USERNAME = "browser_phone_service"


@pytest.fixture
def phone(browser: object) -> Iterator[object]:
    # No JavaScript: the menu must open by the checkbox and its label alone.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False,
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _log_in(page, base: str) -> None:
    page.goto(base + "/admin/login")
    page.fill("#login-form [name=username]", USERNAME)
    page.fill("#login-form [name=password]", staff_factories.PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin$"))


@pytest.fixture
def service_agent(live_shop):
    """A customer-service agent, and a few shoppers (one with an order) for the lists."""
    shop = live_shop["shop"]
    with shop.transaction(actor=shop.system_actor("browser-tests")) as tx:
        staff_factories.staff(tx, ["customer_service"], username=USERNAME, name="林晓")
    ids = [new_customer(shop, name=name, mobile=mobile) for name, mobile in (
        ("王小明", "+8613900139001"), ("李娜", "+8613900139002"), ("张伟", None))]
    bare_orders(shop, Actor(kind="shopper", name="browser", id=ids[0]), count=2)
    return live_shop["url"]


def test_on_a_phone_the_menu_folds_away_and_lists_become_cards(phone, page, service_agent):
    base = service_agent
    _log_in(phone, base)
    nav = phone.locator("#admin-nav")
    button = phone.locator("#admin-menu-button")
    expect(button).to_be_visible()
    expect(nav).to_be_hidden()
    button.click()
    expect(nav).to_be_visible()
    expect(nav.locator("a[data-area=admin_customers]")).to_be_visible()
    button.click()
    expect(nav).to_be_hidden()
    # A keyboard opens it too: the checkbox behind the button takes focus and the space bar.
    phone.focus("#admin-menu-toggle")
    phone.keyboard.press("Space")
    expect(nav).to_be_visible()

    phone.goto(base + "/admin/orders")
    table = phone.locator("#order-table")
    expect(table.locator("thead")).to_be_hidden()
    first = table.locator("tr.order-row").first
    expect(first).to_be_visible()
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    cell = first.locator("td[data-label]").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label.strip('"') == cell.get_attribute("data-label") and label.strip('"')
    # Each card fits the screen: nothing scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    phone.goto(base + "/admin/customers")
    expect(phone.locator("#customer-table thead")).to_be_hidden()
    assert phone.locator("tr.customer-row").first.evaluate(
        "row => getComputedStyle(row).display") == "block"
    expect(phone.locator("tr.customer-row").first).to_be_in_viewport()
    screenshot(phone, "admin-phone")

    # The desktop keeps its side menu and its table.
    _log_in(page, base)
    page.goto(base + "/admin/orders")
    expect(page.locator("#admin-nav")).to_be_visible()
    expect(page.locator("#admin-menu-button")).to_be_hidden()
    expect(page.locator("#order-table thead")).to_be_visible()
    assert page.locator("tr.order-row").first.evaluate(
        "row => getComputedStyle(row).display") == "table-row"
