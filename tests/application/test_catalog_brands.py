"""Brands as staff keep them (``uow.brands``): list with counts, create, edit, hide and show;
refusals name the field and write nothing; every write is audited; a hidden brand has no page,
is no filter, and product pages stop naming it, while its products stay listed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.application import Forbidden, Invalid, NotFound, Shop
from shop.data.models import AuditEntry, Brand
from tests import factories
from tests import staff_factories as sf


def _audit(system, prefix: str = "catalog.brand") -> list[tuple]:
    return [tuple(row) for row in system._session.execute(
        select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)).all()]


def _snapshot(system) -> list[tuple]:
    return [tuple(row) for row in system._session.execute(
        select(Brand.id, Brand.slug, Brand.name_zh, Brand.name_en, Brand.position,
               Brand.is_published).order_by(Brand.id)).all()]


def _brand_facet(shop: Shop, slug: str = "clothes") -> list[str]:
    with shop.transaction(writes=False, locale="en") as reader:
        page = reader.catalog.category_page(slug, {})
        facet = next((f for f in page.facets if f.name == "brand"), None)
        return [option.label for option in facet.options] if facet else []


def test_the_list_shows_every_brand_with_its_product_count(system):
    factories.small_catalog(system, products=5)  # acme ×3, zenith ×2
    factories.brand(system, "newcomer")
    rows = system.brands.brands()
    assert [(r.slug, r.products, r.is_published) for r in rows] == [
        ("acme", 3, True), ("zenith", 2, True), ("newcomer", 0, True)]
    assert system.brands.brand(rows[0].id).name == "Brand acme"


def test_create_and_edit_are_audited_and_the_storefront_follows(system, shop):
    factories.small_catalog(system, products=2)
    row = system.brands.create({"slug": "lumen", "name_zh": "流明", "name_en": "Lumen"})
    assert (row.slug, row.name, row.products) == ("lumen", "Lumen", 0)
    acme = system.brands.brands()[0]
    system.brands.update(acme.id, {"slug": "acme-co", "name_zh": "艾克米", "name_en": "Acme"})
    assert "Acme" in _brand_facet(shop)
    with shop.transaction(writes=False) as reader:
        assert reader.catalog.brand_page("acme-co", {}).products
        with pytest.raises(NotFound):
            reader.catalog.brand_page("acme", {})
    actions = _audit(system)
    assert [a[0] for a in actions][-2:] == ["catalog.brand.create", "catalog.brand.update"]
    assert actions[-1][2] == {"slug": "acme", "name_zh": "品牌acme", "name_en": "Brand acme"}
    assert actions[-1][3] == {"slug": "acme-co", "name_zh": "艾克米", "name_en": "Acme"}


@pytest.mark.parametrize(("data", "field"), [
    ({"slug": "zenith"}, "slug"), ({"slug": "Bad Slug"}, "slug"), ({"name_zh": ""}, "name_zh"),
    ({"name_en": "x" * 121}, "name_en"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_written(system, data, field):
    factories.small_catalog(system, products=0)
    acme = system.brands.brands()[0]
    before, audited = _snapshot(system), _audit(system)
    for write in (lambda d: system.brands.create(d),
                  lambda d: system.brands.update(acme.id, d)):
        with pytest.raises(Invalid) as raised:
            write({"slug": "fresh", "name_zh": "新", "name_en": "New", **data})
        assert field in raised.value.errors
    assert _snapshot(system) == before and _audit(system) == audited


def test_hiding_a_brand_takes_its_page_and_filter_away_but_not_its_products(system, shop):
    catalog = factories.small_catalog(system, products=4)
    acme = system.brands.brands()[0]
    product = next(p for p in catalog["products"] if p.brand_id == acme.id)
    assert "Brand acme" in _brand_facet(shop)
    assert system.brands.hide(acme.id).is_published is False
    assert _brand_facet(shop) == ["Brand zenith"]
    with shop.transaction(writes=False) as reader:
        with pytest.raises(NotFound):
            reader.catalog.brand_page("acme", {})
        # A filter naming it is dropped, not applied.
        filtered = reader.catalog.category_page("clothes", {"brand": ["acme"]})
        assert len(filtered.products) == 4
        assert product.slug in {c.slug for c in reader.catalog.category_page("clothes",
                                                                           {}).products}
        assert reader.catalog.product_page(product.slug).brand is None
    system.brands.show(acme.id)
    assert "Brand acme" in _brand_facet(shop)
    with shop.transaction(writes=False) as reader:
        assert reader.catalog.product_page(product.slug).brand.slug == "acme"
    assert [(a[0], a[3]) for a in _audit(system, "catalog.brand.")][-2:] == [
        ("catalog.brand.hide", {"is_published": False}),
        ("catalog.brand.show", {"is_published": True})]
    system.brands.show(acme.id)  # already shown: nothing to audit
    assert len(_audit(system, "catalog.brand.show")) == 1


def test_permissions(system):
    factories.small_catalog(system, products=0)
    key = system.brands.brands()[0].id
    marketing = sf.acting(system, sf.staff(system, ["marketing"]))
    assert len(marketing.brands.brands()) == 2
    before = _snapshot(system)
    for write in (lambda: marketing.brands.create({"slug": "x", "name_zh": "x"}),
                  lambda: marketing.brands.update(key, {"slug": "x", "name_zh": "x"}),
                  lambda: marketing.brands.hide(key),
                  lambda: marketing.catalog.create_brand({"slug": "x", "name_zh": "x"})):
        with pytest.raises(Forbidden):
            write()
    finance = sf.acting(system, sf.staff(system, ["finance"]))
    with pytest.raises(Forbidden):
        finance.brands.brands()
    merchandiser = sf.acting(system, sf.staff(system, ["merchandiser"]))
    merchandiser.brands.hide(key)
    assert _snapshot(system) != before
    with pytest.raises(NotFound):
        merchandiser.brands.hide("nope")
