"""Catalog pages show what their read models decided, in the visitor's language."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def catalog(system):
    catalog = factories.small_catalog(system, products=4)
    factories.product(system, "shirts", "acme", price="6000.00")
    system.catalog.create_product({
        "slug": "rules", "name_zh": "规则", "category": "shirts", "is_published": True,
        "skus": [{"code": "R-LOW", "price": "80.00", "list_price": "100.00",
                  "stock_on_hand": 3, "values": ["color:red", "size:s"]},
                 {"code": "R-EVEN", "price": "90.00", "list_price": "90.00",
                  "stock_on_hand": 10, "values": ["color:red", "size:m"]}]})
    return catalog


@pytest.mark.parametrize(("language", "brand", "price", "top_band"), [
    ("zh-CN", "品牌", "价格", "¥5000 以上"),
    ("en", "Brand", "Price", "¥5000 and up"),
])
def test_facet_headings_and_price_bands_are_translated(app, catalog, language, brand, price,
                                                       top_band):
    page = app.get("/c/clothes", headers={"Accept-Language": language})
    heading = {f["data-facet"]: f.select_one("h2").text for f in page.html.select(".facet")}
    assert (heading["brand"], heading["price"]) == (brand, price)
    assert page.html.select("[data-facet=price] a")[-1].text.strip() == top_band
    assert heading["color"] == ("颜色" if language == "zh-CN" else "Colour")


@pytest.mark.parametrize(("sku", "status", "struck"), [
    ("R-LOW", "In stock · only 3 left", "¥100.00"),
    ("R-EVEN", "In stock", None),  # a list price equal to the price is not struck through
])
def test_product_page_shows_the_stock_status_and_list_price_it_is_given(app, catalog, sku,
                                                                        status, struck):
    page = app.get(f"/p/rules?sku={sku}", headers={"Accept-Language": "en"})
    assert " ".join(page.html.select_one("#stock-status").text.split()) == status
    struck_through = page.html.select_one("#sku-price del")
    assert (struck_through.text if struck_through else None) == struck
    card = next(c for c in app.get("/c/shirts").html.select(".product-card")
                if c.select_one("a")["href"] == "/p/rules")
    assert card.select_one("del").text == "¥100.00"  # the card shows the cheapest SKU's
