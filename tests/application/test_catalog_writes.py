"""What a product write keeps up to date: its price summary and the ready facet counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from shop.application import Invalid
from shop.application.catalog.schemas import PRICE_BANDS
from shop.data.models import ListingFacetCount
from shop.data.repositories.catalog import CatalogRepository
from tests import factories


def _ready_counts(session) -> set[tuple]:
    return set(session.execute(select(
        ListingFacetCount.scope_kind, ListingFacetCount.scope_id, ListingFacetCount.facet,
        ListingFacetCount.key, ListingFacetCount.count)).all())


def test_each_write_adjusts_the_ready_counts_to_what_a_full_recount_gives(system):
    factories.small_catalog(system, products=6)
    factories.category(system, "oxford", parent="shirts")
    factories.product(system, "oxford", "acme", colors=("red", "blue"), sizes=("s", "l"),
                      price="3000.00")
    factories.product(system, "oxford", None, fit=None, price="12.00")  # no brand, no fit
    factories.product(system, "jeans", "zenith", published=False)
    factories.product(system, "oxford", "zenith", colors=("black",), price="700.00")
    adjusted = _ready_counts(system.session)
    CatalogRepository(system.session).refresh_facet_counts(PRICE_BANDS)
    recounted = _ready_counts(system.session)
    assert adjusted == recounted
    assert ("c", system.catalog.reference().published_by_slug["oxford"].id, "total", 0, 3) \
        in recounted


def test_a_product_shows_its_cheapest_skus_price_and_that_skus_list_price(system):
    factories.small_catalog(system, products=2)  # other, cheaper products exist
    card = system.catalog.create_product({
        "slug": "trench-coat", "name_zh": "风衣", "name_en": "Trench coat",
        "description_html": "", "category": "shirts", "brand": "acme", "is_published": True,
        "values": [], "skus": [
            {"code": "TC-1", "price": "120.00", "list_price": "150.00", "stock_on_hand": 0,
             "values": ["color:red", "size:s"]},
            {"code": "TC-2", "price": "100.00", "list_price": "130.00", "stock_on_hand": 0,
             "values": ["color:red", "size:m"]},
            {"code": "TC-3", "price": "100.00", "list_price": "140.00", "stock_on_hand": 2,
             "values": ["color:red", "size:l"]},
        ]})
    assert (card.price, card.list_price, card.in_stock) == (
        Decimal("100.00"), Decimal("140.00"), True)


def test_an_unknown_attribute_value_is_named_not_a_crash(system):
    factories.small_catalog(system, products=1)
    with pytest.raises(Invalid) as raised:
        factories.product(system, "shirts", "acme", colors=("mauve",))
    assert "skus.0.values" in raised.value.errors
    assert "color:mauve" in raised.value.errors["skus.0.values"].interpolate()
