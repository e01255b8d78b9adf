"""Every storefront page makes a fixed number of SQL statements, whatever the catalog's size."""

from __future__ import annotations

import pytest

from tests import factories

#: Each page first reads the reference data's revision tokens (one statement): the category tree,
#: brands, facet attributes and base settings then come from the process's copy.
BUDGETS = {
    "/": 3,  # + the two shelves
    "/c/clothes": 3,  # + the ready counts, one page of products
    # + the live counts: the ready ones are read first, to count live only the values and
    # sub-categories the scope has at all.
    "/c/clothes?brand=acme&color=red&color=blue&fit=slim&price=0-500&sort=price_asc": 4,
    "/b/acme": 3,
    "/search?q=Product": 3,  # + one page of results, their total
}
#: Read once more by the first page after the catalog's reference data changed: categories,
#: brands, facet attributes.
CATALOG_RELOAD = 3
#: The first page of a process reads the base settings too, and the live campaigns (the
#: listing cards' tags come from them).
RELOAD = CATALOG_RELOAD + 2


def _grow(system, products):
    for i in range(products):
        factories.product(system, "shirts" if i % 2 else "jeans", "acme" if i % 3 else "zenith",
                          colors=(factories.COLORS[i % 3][0],), fit=factories.FITS[i % 2][0])


@pytest.mark.parametrize("url", BUDGETS)
def test_listing_pages_stay_within_budget_as_the_catalog_grows(app, system, queries, url):
    factories.small_catalog(system, products=4)
    app.get(url)  # the first page reads the reference data
    queries.reset()
    app.get(url)
    small = queries.count
    _grow(system, 50)  # a full 48-product page and more
    queries.reset()
    page = app.get(url + ("&" if "?" in url else "?") + "per_page=48")
    assert page.status_int == 200
    assert queries.count == small, queries.statements
    assert queries.count <= BUDGETS[url], queries.statements


def test_product_page_budget(app, system, queries):
    catalog = factories.small_catalog(system, products=12)
    slug = catalog["products"][0].slug
    app.get(f"/p/{slug}")
    queries.reset()
    app.get(f"/p/{slug}")
    # Tokens, the product with its brand and category, SKUs, their values, images, specs,
    # related products, the claimable coupons (for its 领券 link; a flash sale's quotas are
    # one more, read only when a flash sale covers the product).
    assert queries.count <= 8, queries.statements


def test_reference_data_is_read_again_only_after_it_changes(app, system, queries):
    factories.small_catalog(system, products=4)
    queries.reset()
    app.get("/c/clothes")
    cold = queries.count
    queries.reset()
    app.get("/c/clothes")
    assert queries.count == cold - RELOAD, queries.statements
    factories.product(system, "shirts", "acme")  # products are not reference data
    queries.reset()
    app.get("/c/clothes")
    assert queries.count == cold - RELOAD, queries.statements
    factories.category(system, "garden")
    queries.reset()
    page = app.get("/c/clothes")
    assert queries.count == cold - RELOAD + CATALOG_RELOAD, queries.statements
    assert page.html.select_one('a[href="/c/garden"]') is not None  # the header's navigation


def _add_to_cart(app, product) -> None:
    form = app.get(f"/p/{product.slug}").forms["add-to-cart"]
    form.submit("add", status=303)


def test_cart_page_budget_whatever_its_size(app, system, queries):
    catalog = factories.small_catalog(system, products=12)
    in_stock = [p for i, p in enumerate(catalog["products"]) if i % 5 != 4]
    _add_to_cart(app, in_stock[0])
    app.get("/cart")
    queries.reset()
    app.get("/cart")
    small = queries.count
    for product in in_stock[1:]:
        _add_to_cart(app, product)
    queries.reset()
    page = app.get("/cart")
    assert len(page.html.select(".cart-line")) == len(in_stock) > 1
    assert queries.count == small, queries.statements
    # Tokens, the cart, its lines with SKU and product, their variant values, their stock,
    # the header badge's count.
    assert queries.count <= 6, queries.statements


def test_the_header_badge_costs_one_query_and_none_without_a_cart(app, system, queries):
    catalog = factories.small_catalog(system, products=4)
    app.get("/")
    queries.reset()
    app.get("/")
    without = queries.count
    _add_to_cart(app, catalog["products"][0])
    queries.reset()
    page = app.get("/")
    assert page.html.select_one("#cart-count").text == "1"
    assert queries.count == without + 1, queries.statements
