"""A shopper's first visit: home, language, category, brand filter, product, variant."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_browse_filter_and_choose_a_variant(page, live_shop):
    page.goto(live_shop["url"] + "/")
    expect(page.locator("h2#new-arrivals")).to_have_text("新品上架")
    screenshot(page, "storefront-home-zh")

    # Switch language; JavaScript submits the form on change, and the choice sticks.
    page.select_option("#locale-select", "en")
    expect(page.locator("h2#new-arrivals")).to_have_text("New arrivals")
    page.goto(live_shop["url"] + "/")
    expect(page.locator("h2#new-arrivals")).to_have_text("New arrivals")

    page.click("nav a:text('Category clothes')")
    expect(page).to_have_url(re.compile(r"/c/clothes$"))
    expect(page.locator("#result-count")).to_have_text("25 products")

    page.click("[data-facet=brand] a:text('Brand acme')")
    expect(page.locator("[data-facet=brand] a.selected")).to_have_text(re.compile("Brand acme"))
    expect(page.locator("#result-count")).to_have_text("13 products")
    assert "brand=acme" in page.url
    screenshot(page, "storefront-category")

    page.goto(live_shop["url"] + "/p/" + live_shop["variant_product"].slug)
    expect(page.locator("#product-name")).to_have_text("Oxford shirt")
    first_code = page.locator("#sku-code").inner_text()
    page.click(".variant-axis a.variant-option:text('Blue')")
    expect(page.locator(".variant-option.selected").first).to_have_text("Blue")
    assert page.locator("#sku-code").inner_text() != first_code
    expect(page.locator("#stock-status")).to_contain_text("In stock")
    screenshot(page, "storefront-product")


def test_pages_work_without_javascript(browser, live_shop):
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto(live_shop["url"] + "/c/shirts")
    page.click("#locale-submit")  # the plain form button does what the script does
    expect(page.locator("#result-count")).to_have_text(re.compile("products"))
    context.close()
