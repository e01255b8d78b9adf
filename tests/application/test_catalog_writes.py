"""Catalog writes: what they refuse (naming the field, writing nothing), who may make them, and
what a product write keeps up to date (its price summary and the ready facet counts)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from shop.application import ANONYMOUS, Actor, Forbidden, Invalid, NotFound, Permission
from shop.application.catalog.indexing import ListingIndex
from shop.application.catalog.schemas import PRICE_BANDS
from shop.data.models import AuditEntry, ListingFacetCount, Product, Sku
from shop.data.repositories.listing_index import ListingIndexRepository
from tests import factories

SHOPPER = Actor(kind="shopper", name="customer:1", id=1,
                permissions=frozenset({Permission.ACCOUNT_SELF}))
#: Staff who may look at the catalog but not change it.
VIEWER = Actor(kind="staff", name="staff:viewer", id=1,
               permissions=frozenset({Permission.ADMIN_ACCESS, Permission.CATALOG_VIEW}))


def _ready_counts(session) -> set[tuple]:
    return set(session.execute(select(
        ListingFacetCount.scope_kind, ListingFacetCount.scope_id, ListingFacetCount.facet,
        ListingFacetCount.key, ListingFacetCount.count)).all())


def _product(slug: str = "trench-coat", **changes: Any) -> dict[str, Any]:
    """A valid product in the small catalog; ``skus`` entries are merged into the two SKUs."""
    skus = [{"code": "TC-1", "price": "100.00", "list_price": "150.00", "stock_on_hand": 3,
             "barcode": "6901234567892", "values": ["color:red", "size:s"]},
            {"code": "TC-2", "price": "120.00", "stock_on_hand": 0, "barcode": "6901234567908",
             "values": ["color:red", "size:m"]}]
    for sku, change in zip(skus, changes.pop("skus", ()), strict=False):
        sku.update(change)
    return {"slug": slug, "name_zh": "风衣", "name_en": "Trench coat", "category": "shirts",
            "brand": "acme", "is_published": True, "values": ["fit:slim"], "skus": skus,
            **changes}


def _refused(system, data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(Invalid) as raised:
        system.catalog.create_product(data)
    return raised.value.errors


def test_each_write_adjusts_the_ready_counts_to_what_a_full_recount_gives(system):
    factories.small_catalog(system, products=6)
    factories.category(system, "oxford", parent="shirts")
    factories.product(system, "oxford", "acme", colors=("red", "blue"), sizes=("s", "l"),
                      price="3000.00")
    factories.product(system, "oxford", None, fit=None, price="12.00")  # no brand, no fit
    factories.product(system, "jeans", "zenith", published=False)
    factories.product(system, "oxford", "zenith", colors=("black",), price="700.00")
    adjusted = _ready_counts(system._session)
    ListingIndexRepository(system._session).refresh_facet_counts(PRICE_BANDS)
    recounted = _ready_counts(system._session)
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


def test_a_valid_product_is_written_whole_and_listed(system):
    factories.small_catalog(system, products=2)
    card = system.catalog.create_product(_product())
    assert (card.slug, card.price, card.list_price) == (
        "trench-coat", Decimal("100.00"), Decimal("150.00"))
    page = system.catalog.product_page("trench-coat", "TC-2")
    assert (page.sku.code, page.sku.barcode, page.specs) == (
        "TC-2", "6901234567908", (("Fit", "Slim"),))
    assert system.catalog.category_page("shirts", {}).pagination.total == 2


def test_an_unknown_attribute_value_is_named_not_a_crash(system):
    factories.small_catalog(system, products=1)
    with pytest.raises(Invalid) as raised:
        factories.product(system, "shirts", "acme", colors=("mauve",))
    assert "skus.0.values" in raised.value.errors
    assert "color:mauve" in raised.value.errors["skus.0.values"].interpolate()


@pytest.mark.parametrize(("changes", "field"), [
    ({"category": "no-such-category"}, "category"),
    ({"brand": "no-such-brand"}, "brand"),
    ({"values": ["fit:baggy"]}, "values"),
    ({"values": ["weight:heavy"]}, "values"),
    ({"values": ["fit"]}, "values"),
    ({"skus": [{}, {"values": ["size:xxl"]}]}, "skus.1.values"),
])
def test_unknown_references_are_refused_by_field(system, changes, field):
    factories.small_catalog(system, products=1)
    assert field in _refused(system, _product(**changes))


@pytest.mark.parametrize(("changes", "field"), [
    ({"slug": "taken"}, "slug"),
    ({"skus": [{"code": "TAKEN-1"}]}, "skus.0.code"),
    ({"skus": [{}, {"code": "TC-1"}]}, "skus.1.code"),
    ({"skus": [{"barcode": "6900000000017"}]}, "skus.0.barcode"),
    ({"skus": [{}, {"barcode": "6901234567892"}]}, "skus.1.barcode"),
])
def test_taken_keys_are_refused_by_field(system, changes, field):
    factories.small_catalog(system, products=1)
    system.catalog.create_product(_product("taken", skus=[
        {"code": "TAKEN-1", "barcode": "6900000000017"}, {"code": "TAKEN-2", "barcode": None}]))
    errors = _refused(system, _product(**changes))
    assert list(errors) == [field]


@pytest.mark.parametrize(("price", "list_price", "field"), [
    ("-1.00", None, "skus.0.price"),
    ("NaN", None, "skus.0.price"),
    ("Infinity", None, "skus.0.price"),
    ("1e20", None, "skus.0.price"),
    ("nineteen", None, "skus.0.price"),
    (19.99, None, "skus.0.price"),  # a float cannot hold a price exactly
    ("20.00", "19.99", "skus.0.list_price"),
    ("20.00", "-5", "skus.0.list_price"),
])
def test_bad_prices_are_refused(system, price, list_price, field):
    factories.small_catalog(system, products=1)
    errors = _refused(system, _product(skus=[{"price": price, "list_price": list_price}]))
    assert list(errors) == [field]


def test_prices_are_kept_to_the_fen_as_decimals(system):
    factories.small_catalog(system, products=1)
    system.catalog.create_product(_product(skus=[
        {"price": "19.9", "list_price": Decimal("25")}, {"price": 7}]))
    prices = system._session.execute(
        select(Sku.code, Sku.price, Sku.list_price).where(Sku.code.like("TC-%"))
        .order_by(Sku.code)).all()
    assert [tuple(p) for p in prices] == [("TC-1", Decimal("19.90"), Decimal("25.00")),
                                          ("TC-2", Decimal("7.00"), None)]
    assert all(type(p) is Decimal for _, p, _lp in prices)


def test_a_refused_product_leaves_nothing_behind(system):
    factories.small_catalog(system, products=1)
    counts, audited = _ready_counts(system._session), _audit_count(system)
    # The first SKU is fine; the second names a value that does not exist.
    _refused(system, _product(skus=[{}, {"values": ["color:red", "size:xxl"]}]))
    assert system._session.scalar(select(func.count()).select_from(Product)) == 1
    assert system._session.scalar(select(func.count()).select_from(Sku).where(
        Sku.code.like("TC-%"))) == 0
    assert (_ready_counts(system._session), _audit_count(system)) == (counts, audited)
    with pytest.raises(NotFound):
        system.catalog.product_page("trench-coat")
    system.catalog.create_product(_product())  # the same slug and codes are still free


def _audit_count(system) -> int:
    return system._session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("actor", [ANONYMOUS, SHOPPER, VIEWER], ids=lambda a: a.kind)
@pytest.mark.parametrize(("write", "data"), [
    ("create_product", _product("forbidden")),
    ("create_category", {"slug": "forbidden", "name_zh": "禁止"}),
    ("create_brand", {"slug": "forbidden", "name_zh": "禁止"}),
    ("create_attribute", {"code": "forbidden", "name_zh": "禁止",
                          "values": [{"code": "a", "name_zh": "甲"}]}),
])
def test_only_staff_who_may_change_the_catalog_write_it(shop, system, actor, write, data):
    factories.small_catalog(system, products=1)
    before = _audit_count(system)
    with shop.transaction(actor=actor) as tx, pytest.raises(Forbidden):
        getattr(tx.catalog, write)(data)
    assert _audit_count(system) == before
    with pytest.raises(NotFound):
        system.catalog.product_page("forbidden")
    assert "forbidden" not in system.catalog.reference().published_by_slug


@pytest.mark.parametrize("actor", [ANONYMOUS, SHOPPER, VIEWER], ids=lambda a: a.kind)
def test_the_listing_index_is_no_public_hook(shop, system, actor):
    """Rebuilding the index rewrites every listing row: no shopper or visitor may start it."""
    factories.small_catalog(system, products=2)
    with shop.transaction(actor=actor) as tx:
        assert not hasattr(tx.catalog, "reindex")
        with pytest.raises(Forbidden):
            ListingIndex(tx).rebuild()
    assert system.catalog.category_page("clothes", {}).pagination.total == 2
