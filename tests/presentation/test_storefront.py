"""Storefront pages through the real app: they render, escape, translate and fail politely."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def catalog(system):
    return factories.small_catalog(system, products=12)


def test_home_page(app, catalog):
    page = app.get("/", headers={"Accept-Language": "en"})
    assert "New arrivals" in page.text and "Best sellers" in page.text
    assert page.html.select_one("nav a[href='/c/clothes']") is not None


def test_category_page_with_facets_and_breadcrumbs(app, catalog):
    page = app.get("/c/shirts", headers={"Accept-Language": "en"})
    assert page.html.select_one("#result-count").text.strip() == "6 products"
    assert page.html.select("[data-facet=brand] a")
    assert "Category clothes" in page.html.select_one(".breadcrumb").text


def test_filter_links_round_trip(app, catalog):
    page = app.get("/c/clothes", headers={"Accept-Language": "en"})
    link = page.html.select_one("[data-facet=brand] a")["href"]
    filtered = app.get(link, headers={"Accept-Language": "en"})
    assert filtered.html.select_one("[data-facet=brand] a.selected") is not None
    assert filtered.html.select_one("#result-count").text.strip() == "6 products"


def test_product_page_and_variant_links(app, system, catalog):
    product = factories.product(system, "shirts", "acme", colors=("red", "blue"))
    page = app.get(f"/p/{product.slug}", headers={"Accept-Language": "en"})
    assert page.html.select_one("#product-name").text == product.name
    option = next(a for a in page.html.select("a.variant-option"))
    chosen = app.get(option["href"], headers={"Accept-Language": "en"})
    assert chosen.html.select_one("#sku-code").text != page.html.select_one("#sku-code").text
    # A product without pictures shows the placeholder rather than an empty column.
    picture = page.html.select_one(".col-md-5 img")
    assert picture["src"].endswith("placeholder.svg") and picture["alt"] == product.name


@pytest.mark.parametrize("url", ["/p/nope", "/c/nope", "/b/nope", "/no/such/page"])
def test_unknown_things_are_404(app, catalog, url):
    page = app.get(url, status=404)
    assert page.html.select_one("#error-page")["data-status"] == "404"
    assert page.html.select_one("#error-page h1").text == "页面不存在"  # the default language


def test_unpublished_product_is_404(app, system, catalog):
    hidden = factories.product(system, "shirts", published=False)
    app.get(f"/p/{hidden.slug}", status=404)


@pytest.mark.parametrize("query, english, chinese", [
    ("page=abc", "Page: ", "页码："), ("price=-5-x", "Price: ", "价格："),
    ("sort=evil", "Sort order: ", "排序方式："),
    ("per_page=5000", "Products per page: ", "每页商品数："),
])
def test_garbage_query_is_400_naming_the_field(app, catalog, query, english, chinese):
    """By its label, in the visitor's language: a parameter's name means nothing to a shopper."""
    page = app.get(f"/c/clothes?{query}", status=400, headers={"Accept-Language": "en"})
    assert page.html.select_one("h1").text == "That request could not be understood"
    assert any(m.text.startswith(english) for m in page.html.select(".error-message"))
    page = app.get(f"/c/clothes?{query}", status=400, headers={"Accept-Language": "zh-CN"})
    assert page.html.select_one("#error-page h1").text == "请求无法识别"
    messages = [m.text for m in page.html.select(".error-message")]
    assert any(m.startswith(chinese) for m in messages)
    assert not any(m.startswith(("page", "price", "sort", "per_page")) for m in messages)


def test_unknown_facets_are_ignored(app, catalog):
    app.get("/c/clothes?colour=zzz&bogus=1&brand=nobody", status=200)


def test_user_text_is_escaped(app, system, catalog):
    evil = factories.product(system, "shirts", name_en="<script>alert(1)</script>")
    page = app.get(f"/p/{evil.slug}", headers={"Accept-Language": "en"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    search = app.get("/search", {"q": "<b>bold</b>"})
    assert "<b>bold</b>" not in search.text


def test_language_switch_is_remembered(app, catalog):
    assert "首页" in app.get("/c/shirts").text  # the shop's default is Simplified Chinese
    form = app.get("/c/shirts").forms["language-form"]
    form["locale"] = "en"
    response = form.submit(status=303)
    assert response.location.endswith("/c/shirts")
    page = response.follow()
    assert "Home" in page.text and "首页" not in page.text


def test_language_switch_refuses_offsite_redirects(app, catalog):
    form = app.get("/").forms["language-form"]
    form["came_from"] = "//evil.example/"
    assert form.submit(status=303).location in ("http://localhost/", "/")


def test_prices_are_yuan_with_two_decimals(app, system, catalog):
    product = factories.product(system, "shirts", price="1234.5")
    page = app.get(f"/p/{product.slug}")
    assert "¥1,234.50" in page.html.select_one("#sku-price").text


def test_security_headers_on_every_response(app, catalog):
    for url, status in (("/", 200), ("/nope", 404)):
        headers = app.get(url, status=status).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_post_without_csrf_token_is_refused(app, catalog):
    app.post("/locale", {"locale": "en"}, status=400)
