"""A listing page past its last one is the last page (a redirect), or nothing at all (404) when
the listing is empty; an empty listing without filters does not speak of filters."""

from __future__ import annotations

import pytest

from shop.application import PastLastPage
from tests import factories

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def catalog(system):
    made = factories.small_catalog(system, products=4)
    factories.category(system, "empty", parent="clothes")
    return made


@pytest.mark.parametrize("url, last", [
    ("/c/clothes?page=8", "/c/clothes"),
    ("/c/clothes?sort=price_asc&brand=acme&page=8", "/c/clothes?brand=acme&sort=price_asc"),
    ("/b/acme?page=3", "/b/acme"),
    ("/search?q=Product&page=5", "/search?q=Product&sort=sales"),
])
def test_a_page_past_the_last_goes_to_the_last(app, catalog, url, last):
    response = app.get(url, headers=ZH, status=303)
    assert response.location == f"http://localhost{last}"
    assert "第 8 页" not in app.get(last, headers=ZH).text


@pytest.mark.parametrize("url", ["/c/empty?page=2", "/search?q=nothing-like-it&page=2",
                                 "/c/clothes?color=red&fit=loose&size=l&page=2"])
def test_a_page_past_the_last_of_nothing_is_404(app, catalog, url):
    page = app.get(url, headers=ZH, status=404)
    assert page.html.select_one("#error-page h1").text == "页面不存在"


def test_an_empty_category_says_so_without_speaking_of_filters(app, catalog):
    page = app.get("/c/empty", headers=ZH)
    notice = page.html.select_one("#no-results").text
    assert "这里暂时还没有商品" in notice and "筛选" not in notice


def test_an_empty_filtered_page_still_offers_to_clear_the_filters(app, catalog):
    page = app.get("/c/clothes?color=red&fit=loose&size=l", headers={"Accept-Language": "en"})
    assert "No products match these filters." in page.html.select_one("#no-results").text


def test_integrators_meet_the_same_rule(system, catalog):
    with pytest.raises(PastLastPage) as past:
        system.catalog.category_page("clothes", {"page": ["8"], "sort": ["newest"]})
    assert past.value.last == (("sort", "newest"),)
