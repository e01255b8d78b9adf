"""Browsing the catalog through the service: listings, facets, sorting, pages, product detail."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.application import Invalid, NotFound
from tests import factories


@pytest.fixture
def catalog(system):
    return factories.small_catalog(system, products=12)


def test_category_lists_its_whole_subtree(system, catalog):
    page = system.catalog.category_page("clothes", {})
    assert page.pagination.total == 12
    assert [s.category.slug for s in page.subcategories] == ["shirts", "jeans"]
    assert [s.count for s in page.subcategories] == [6, 6]
    assert [c.name for c in page.breadcrumbs] == ["Category clothes"]


def test_unpublished_products_and_categories_are_not_found(system, catalog):
    hidden = factories.product(system, "shirts", published=False)
    with pytest.raises(NotFound):
        system.catalog.product_page(hidden.slug)
    with pytest.raises(NotFound):
        system.catalog.category_page("no-such-category", {})
    assert system.catalog.category_page("shirts", {}).pagination.total == 6


def test_facets_count_each_option_under_the_other_filters(system, catalog):
    page = system.catalog.category_page("clothes", {"brand": ["acme"]})
    assert page.pagination.total == 6
    brand = next(f for f in page.facets if f.name == "brand")
    # Disjunctive: choosing acme still shows what zenith would add.
    assert {(o.label, o.count, o.selected) for o in brand.options} == {
        ("Brand acme", 6, True), ("Brand zenith", 6, False)}
    color = next(f for f in page.facets if f.name == "color")
    assert sum(o.count for o in color.options) == 6


def test_unfiltered_counts_equal_live_counts(system, catalog):
    """The ready counts kept for an unfiltered page agree with counting on the fly."""
    ready = system.catalog.category_page("clothes", {})
    live = system.catalog.category_page("clothes", {"price": ["0-100000"]})
    def shape(page):
        return {(f.name, o.label, o.count) for f in page.facets if f.name != "price"
                for o in f.options}
    assert shape(ready) == shape(live)
    assert ready.pagination.total == live.pagination.total


def test_filters_combine_and_within_an_attribute_or(system, catalog):
    red_or_blue = system.catalog.category_page("clothes", {"color": ["red", "blue"]})
    assert red_or_blue.pagination.total == 8
    narrowed = system.catalog.category_page(
        "clothes", {"color": ["red", "blue"], "fit": ["slim"], "price": ["0-100"]})
    assert narrowed.pagination.total == len(narrowed.products)
    assert all(p.price <= Decimal("100") for p in narrowed.products)


def test_sorting_by_price_both_ways(system, catalog):
    ascending = system.catalog.category_page("clothes", {"sort": ["price_asc"]}).products
    descending = system.catalog.category_page("clothes", {"sort": ["price_desc"]}).products
    prices = [p.price for p in ascending]
    assert prices == sorted(prices)
    assert [p.id for p in descending] == [p.id for p in reversed(ascending)]


def test_pages_are_bounded_and_cover_everything_once(system, catalog):
    seen = []
    pages = system.catalog.category_page("clothes", {"per_page": ["24"]}).pagination.pages
    for number in range(1, pages + 1):
        page = system.catalog.category_page(
            "clothes", {"per_page": ["24"], "page": [str(number)], "sort": ["newest"]})
        seen += [p.id for p in page.products]
    assert len(seen) == len(set(seen)) == 12
    with pytest.raises(Invalid) as error:
        system.catalog.category_page("clothes", {"per_page": ["1000"]})
    assert "per_page" in error.value.errors


@pytest.mark.parametrize("params, field", [
    ({"page": ["abc"]}, "page"), ({"page": ["0"]}, "page"), ({"page": ["100000"]}, "page"),
    ({"price": ["cheap"]}, "price"), ({"price": ["500-100"]}, "price"),
    ({"sort": ["random"]}, "sort"),
])
def test_garbage_in_the_query_names_the_field(system, catalog, params, field):
    with pytest.raises(Invalid) as error:
        system.catalog.category_page("clothes", params)
    assert field in error.value.errors


def test_unknown_facets_and_values_are_ignored(system, catalog):
    page = system.catalog.category_page(
        "clothes", {"nonsense": ["1"], "color": ["ultraviolet"], "brand": ["nobody"]})
    assert page.pagination.total == 12
    assert page.active_filters == ()


def test_brand_page_lists_the_brand_with_top_categories(system, catalog):
    page = system.catalog.brand_page("acme", {})
    assert page.pagination.total == 6
    assert [(s.category.slug, s.count) for s in page.subcategories] == [("clothes", 6)]


def test_product_page_selects_variants_by_attribute(system, catalog):
    product = factories.product(system, "shirts", "acme", colors=("red", "blue"),
                                sizes=("s", "m"), stock=5)
    page = system.catalog.product_page(product.slug)
    assert page.sku.code.endswith("-0")
    color = next(a for a in page.axes if a.label == "Colour")
    blue = next(o for o in color.options if o.label == "Blue")
    moved = system.catalog.product_page(product.slug, blue.sku_code)
    assert "Blue" in moved.sku.label
    chosen_size = next(o for o in next(a for a in moved.axes if a.label == "Size").options
                       if o.selected)
    assert chosen_size.label == "S"  # the other axis stays where it was
    assert [b.slug for b in page.breadcrumbs] == ["clothes", "shirts"]
    assert page.specs == (("Fit", "Slim"),)


def test_out_of_stock_variant_is_marked_and_not_preselected(system, catalog):
    product = factories.product(system, "shirts", colors=("red", "blue"), stock=0)
    page = system.catalog.product_page(product.slug)
    assert not page.sku.in_stock
    assert all(not o.available for a in page.axes for o in a.options)


def test_unknown_sku_parameter_falls_back_to_the_default(system, catalog):
    slug = catalog["products"][0].slug
    assert system.catalog.product_page(slug, "no-such-sku").sku.code.startswith("T")


def test_home_page_shelves(system, catalog):
    home = system.catalog.home_page()
    assert [n.category.slug for n in home.categories] == ["clothes"]
    assert [c.slug for c in home.categories[0].children] == ["shirts", "jeans"]
    assert len(home.new_arrivals) == 8 and len(home.best_sellers) == 8


def test_search_finds_every_word(system, catalog):
    factories.product(system, "shirts", name_en="Linen summer shirt")
    page = system.catalog.search_page({"q": ["linen shirt"]})
    assert [p.name for p in page.products] == ["Linen summer shirt"]
    assert system.catalog.search_page({"q": ["zzzz"]}).pagination.total == 0


def test_names_follow_the_locale(shop, catalog, system):
    with shop.transaction(locale="zh_CN", writes=False) as tx:
        assert tx.catalog.category_page("clothes", {}).title == "分类clothes"


def _priced_product(system) -> str:
    """Three SKUs: struck-through list price and low stock, list price at the price and plenty,
    no list price and none left."""
    system.catalog.create_product({
        "slug": "rules", "name_zh": "规则", "category": "shirts", "is_published": True,
        "skus": [
            {"code": "R-LOW", "price": "80.00", "list_price": "100.00", "stock_on_hand": 3,
             "values": ["color:red", "size:s"]},
            {"code": "R-MANY", "price": "90.00", "list_price": "90.00", "stock_on_hand": 10,
             "values": ["color:red", "size:m"]},
            {"code": "R-NONE", "price": "95.00", "stock_on_hand": 0,
             "values": ["color:red", "size:l"]},
        ]})
    return "rules"


def test_the_stock_status_and_the_struck_list_price_are_decided_here(system, catalog):
    """Templates only show them: the low-stock threshold and the strike-through condition."""
    slug = _priced_product(system)
    shown = {code: system.catalog.product_page(slug, code).sku
             for code in ("R-LOW", "R-MANY", "R-NONE")}
    assert {code: (sku.stock_status, sku.show_list_price) for code, sku in shown.items()} == {
        "R-LOW": ("low", True), "R-MANY": ("in_stock", False), "R-NONE": ("out", False)}
    assert [sku.in_stock for sku in shown.values()] == [True, True, False]
    card = next(c for c in system.catalog.category_page("shirts", {}).products if c.slug == slug)
    assert (card.price, card.list_price, card.show_list_price) == (
        Decimal("80.00"), Decimal("100.00"), True)
    assert not any(c.show_list_price for c in system.catalog.category_page(
        "jeans", {}).products)  # the factories' products have no list price


def test_fixed_facet_labels_are_translation_strings(shop, catalog, system):
    """Translated by the page, like every other message; not pairs of literals in code."""
    factories.product(system, "shirts", "acme", price="6000.00")
    with shop.transaction(locale="zh_CN", writes=False) as tx:
        facets = {f.name: f for f in tx.catalog.category_page("clothes", {}).facets}
    assert (facets["brand"].label.interpolate(), facets["price"].label.interpolate()) == (
        "Brand", "Price")
    assert facets["price"].translate_options and not facets["brand"].translate_options
    assert facets["price"].options[-1].label.interpolate() == "¥5000 and up"
    assert facets["color"].label == "颜色"  # an attribute's own name, in the page's language
