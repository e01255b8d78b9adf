"""Every storefront page makes a fixed number of SQL statements, whatever the catalog's size."""

from __future__ import annotations

import pytest

from tests import factories

#: Each page also reads the base settings once (the shop's name in the header and title).
BUDGETS = {
    # Top categories (shared with the header navigation), their children, two shelves, base
    # settings.
    "/": 5,
    "/c/clothes": 9,
    # One more than the unfiltered page: the ready counts are read first, to count live only
    # the values and sub-categories the scope has at all.
    "/c/clothes?brand=acme&color=red&color=blue&fit=slim&price=0-500&sort=price_asc": 11,
    "/b/acme": 8,
    "/search?q=Product": 4,
}


def _grow(system, products):
    for i in range(products):
        factories.product(system, "shirts" if i % 2 else "jeans", "acme" if i % 3 else "zenith",
                          colors=(factories.COLORS[i % 3][0],), fit=factories.FITS[i % 2][0])


@pytest.mark.parametrize("url", BUDGETS)
def test_listing_pages_stay_within_budget_as_the_catalog_grows(app, system, queries, url):
    factories.small_catalog(system, products=4)
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
    queries.reset()
    app.get(f"/p/{slug}")
    assert queries.count <= 10, queries.statements
