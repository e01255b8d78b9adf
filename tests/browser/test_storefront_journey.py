"""A shopper's first visit: home, language, category, brand filter, product, variant."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


@dataclass(frozen=True)
class Journey:
    """What the demo shop offers along the way, read through the application tier."""

    category_slug: str
    category_total: int
    brand: str
    brand_count: int
    product_slug: str
    product_name: str
    other_variant: str


def _journey(shop) -> Journey:
    with shop.transaction(writes=False, locale="en") as tx:
        top = tx.catalog.navigation()[0]
        listing = tx.catalog.category_page(top.slug, {})
        brand = next(f for f in listing.facets if f.name == "brand").options[0]
        for card in listing.products:
            product = tx.catalog.product_page(card.slug)
            other = next((o.label for axis in product.axes for o in axis.options
                          if not o.selected and o.available and o.sku_code), None)
            if other and product.sku.in_stock:
                return Journey(top.slug, listing.pagination.total, brand.label, brand.count,
                               product.slug, product.name, other)
    raise AssertionError("the demo shop has no product with a second variant in stock")


def test_browse_filter_and_choose_a_variant(page, live_shop):
    journey = _journey(live_shop["shop"])
    page.goto(live_shop["url"] + "/")
    expect(page.locator("h2#new-arrivals")).to_have_text("新品上架")
    screenshot(page, "storefront-home-zh")

    # Switch language; JavaScript submits the form on change, and the choice sticks.
    page.select_option("#locale-select", "en")
    expect(page.locator("h2#new-arrivals")).to_have_text("New arrivals")
    page.goto(live_shop["url"] + "/")
    expect(page.locator("h2#new-arrivals")).to_have_text("New arrivals")

    page.click(f"nav a[href='/c/{journey.category_slug}']")
    expect(page).to_have_url(re.compile(rf"/c/{journey.category_slug}$"))
    expect(page.locator("#result-count")).to_have_text(f"{journey.category_total} products")

    page.click(f"[data-facet=brand] a:text-is('{journey.brand}')")
    expect(page.locator("[data-facet=brand] a.selected")).to_contain_text(journey.brand)
    expect(page.locator("#result-count")).to_have_text(f"{journey.brand_count} products")
    assert "brand=" in page.url
    screenshot(page, "storefront-category")

    page.goto(live_shop["url"] + "/p/" + journey.product_slug)
    expect(page.locator("#product-name")).to_have_text(journey.product_name)
    first_code = page.locator("#sku-code").inner_text()
    page.click(f".variant-axis a.variant-option:text-is('{journey.other_variant}')")
    expect(page.locator(".variant-option.selected", has_text=journey.other_variant)).to_be_visible()
    assert page.locator("#sku-code").inner_text() != first_code
    expect(page.locator("#stock-status")).to_contain_text("In stock")
    screenshot(page, "storefront-product")


def test_pages_work_without_javascript(browser, live_shop):
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto(live_shop["url"] + f"/c/{_journey(live_shop['shop']).category_slug}")
    page.click("#locale-submit")  # the plain form button does what the script does
    expect(page.locator("#result-count")).to_have_text(re.compile("products"))
    context.close()
