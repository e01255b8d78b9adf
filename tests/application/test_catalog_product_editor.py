"""Products as the back office edits them (``uow.products``): create and edit with their SKUs,
refusals named at their fields with nothing written (a key taken by a race included),
publishing, unpublishing and scheduling (the job publishes at the moment and listings follow),
audit entries, and the permission checked here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from shop.application import Forbidden, Invalid, NotFound
from shop.data.models import AuditEntry, Product, ProductAttributeValue, Sku, SkuAttributeValue
from shop.data.repositories.products import ProductRepository
from tests import factories
from tests import staff_factories as sf

NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _product(slug: str = "trench-coat", **changes: Any) -> dict[str, Any]:
    skus = [{"code": "TC-1", "price": "100.00", "list_price": "150.00", "stock_on_hand": 3,
             "barcode": "6901234567892", "values": ["color:red", "size:s"]},
            {"code": "TC-2", "price": "120.00", "stock_on_hand": 0, "barcode": "6901234567908",
             "values": ["color:red", "size:m"]}]
    for sku, change in zip(skus, changes.pop("skus", ()), strict=False):
        sku.update(change)
    return {"slug": slug, "name_zh": "风衣", "name_en": "Trench coat", "category": "shirts",
            "brand": "acme", "is_published": True, "values": ["fit:slim"], "skus": skus,
            "description_html": "<p>Warm</p>", **changes}


def _form(editor) -> dict[str, Any]:
    """The editor's values as its form posts them back."""
    values = editor.form_values(UTC)
    return {**values, "publish_at": None,
            "skus": [{k: v for k, v in s.items() if k != "stock_on_hand"}
                     for s in values["skus"]]}


def _snapshot(system) -> list:
    session = system._session
    return [
        session.execute(select(Product.slug, Product.name_zh, Product.is_published,
                               Product.publish_at, Product.price).order_by(Product.id)).all(),
        session.execute(select(Sku.code, Sku.price, Sku.list_price, Sku.barcode)
                        .order_by(Sku.id)).all(),
        session.scalar(select(func.count()).select_from(SkuAttributeValue)),
        session.scalar(select(func.count()).select_from(ProductAttributeValue)),
        session.scalar(select(func.count()).select_from(AuditEntry)),
    ]


def _audit(system, action: str) -> list[tuple]:
    return [tuple(r) for r in system._session.execute(
        select(AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.action == action).order_by(AuditEntry.id)).all()]


@pytest.fixture
def catalog(system):
    return factories.small_catalog(system, products=2)


def test_create_then_read_it_back_as_the_editor_shows_it(system, catalog):
    editor = system.products.create(_product())
    assert (editor.slug, editor.category, editor.brand, editor.values) == (
        "trench-coat", "shirts", "acme", ("fit:slim",))
    assert [(s.code, s.values, s.label) for s in editor.skus] == [
        ("TC-1", ("color:red", "size:s"), "Red / S"), ("TC-2", ("color:red", "size:m"),
                                                       "Red / M")]
    assert system.products.product(editor.id) == editor
    assert _audit(system, "catalog.product.create")[-1][0] == str(editor.id)


def test_an_edit_changes_the_product_and_skus_adds_new_ones_and_is_audited(system, catalog):
    editor = system.products.create(_product())
    data = _form(editor)
    data["name_en"] = "Long trench coat"
    data["description_html"] = '<p onclick="x()">Warm<script>alert(1)</script></p>'
    data["skus"][0].update(price="90.00", list_price="150.00", values=["color:blue", "size:s"])
    data["skus"].append({"code": "TC-3", "price": "80.00", "stock_on_hand": 7,
                         "values": ["color:black", "size:l"]})
    after = system.products.update(editor.id, data)
    assert after.name_en == "Long trench coat"
    assert after.description_html == "<p>Warm</p>"  # the sanitizer's work
    assert [(s.code, s.price, s.label) for s in after.skus] == [
        ("TC-1", Decimal("90.00"), "Blue / S"), ("TC-2", Decimal("120.00"), "Red / M"),
        ("TC-3", Decimal("80.00"), "Black / L")]
    page = system.catalog.product_page("trench-coat", "TC-3")
    assert (page.sku.code, page.sku.price, page.sku.available) == ("TC-3", Decimal("80.00"), 7)
    card = next(c for c in system.catalog.category_page("shirts", {}).products
                if c.slug == "trench-coat")
    assert card.price == Decimal("80.00")  # the listing followed the new cheapest SKU
    colours = {o.label: o.count for o in next(
        f for f in system.catalog.category_page("shirts", {}).facets if f.name == "color"
    ).options}
    assert colours.get("Blue") and colours.get("Black")
    ((key, before, audited),) = _audit(system, "catalog.product.update")
    assert key == str(editor.id) and "name_en" in audited and "skus" in audited
    assert before["name_en"] == "Trench coat"
    # Saving what it shows changes nothing, so nothing is audited.
    system.products.update(editor.id, _form(after))
    assert len(_audit(system, "catalog.product.update")) == 2
    assert set(_audit(system, "catalog.product.update")[-1][2]) == set()


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["skus"][0].update(price="-1"), "skus.0.price"),
    (lambda d: d["skus"][1].update(list_price="100.00"), "skus.1.list_price"),
    (lambda d: d["skus"].append({"code": "T-TAKEN", "price": "1"}), "skus.2.code"),
    (lambda d: d["skus"][0].update(barcode="6900000000017"), "skus.0.barcode"),
    (lambda d: d["skus"][1].update(barcode=d["skus"][0]["barcode"]), "skus.1.barcode"),
    (lambda d: d.update(slug="taken"), "slug"),
    (lambda d: d.update(category="nowhere"), "category"),
    (lambda d: d.update(brand="nobody"), "brand"),
    (lambda d: d.update(values=["fit:baggy"]), "values"),
    (lambda d: d["skus"].pop(), "skus"),
    (lambda d: d.update(is_published=False, publish_at="2020-01-01T10:00"), "publish_at"),
    (lambda d: d.update(publish_at="2030-01-01T10:00"), "publish_at"),
])
def test_every_refusal_names_its_field_and_writes_nothing(system, catalog, change, field):
    other = system.products.create(_product("taken", skus=[
        {"code": "T-TAKEN", "barcode": "6900000000017"}, {"code": "T-2", "barcode": None}]))
    editor = system.products.create(_product())
    before = _snapshot(system)
    data = _form(editor)
    change(data)
    with pytest.raises(Invalid) as raised:
        system.products.update(editor.id, data)
    assert field in raised.value.errors, raised.value.errors
    assert _snapshot(system) == before
    assert other.id != editor.id


def test_a_code_taken_by_a_race_is_named_at_its_field(system, catalog, monkeypatch):
    """The check saw the code free; another write took it before ours: the database's unique
    key refuses ours, and the refusal names the field as the check would have."""
    system.products.create(_product("first", skus=[{"code": "RACE-1", "barcode": None},
                                                   {"code": "RACE-2", "barcode": None}]))
    blind = iter([True])
    real = ProductRepository.taken_sku_codes

    def once_blind(self, codes, other_than=None):
        return set() if next(blind, False) else real(self, codes, other_than)

    monkeypatch.setattr(ProductRepository, "taken_sku_codes", once_blind)
    before = _snapshot(system)
    with pytest.raises(Invalid) as raised:
        system.products.create(_product(skus=[{"code": "RACE-2"}]))
    assert set(raised.value.errors) == {"skus.0.code"}
    assert _snapshot(system) == before
    # The same on an edit: a barcode taken "meanwhile".
    editor = system.products.create(_product("second", skus=[{"code": "S-1"},
                                                             {"code": "S-2"}]))
    real_barcodes = ProductRepository.taken_barcodes
    blind_barcodes = iter([True])
    monkeypatch.setattr(ProductRepository, "taken_barcodes",
                        lambda self, codes, other_than=None: set() if next(
                            blind_barcodes, False) else real_barcodes(self, codes, other_than))
    system._session.execute(Sku.__table__.update().where(Sku.code == "RACE-1")
                            .values(barcode="6900000000024"))
    data = _form(editor)
    data["skus"][1]["barcode"] = "6900000000024"
    before = _snapshot(system)
    with pytest.raises(Invalid) as raised:
        system.products.update(editor.id, data)
    assert set(raised.value.errors) == {"skus.1.barcode"}
    assert _snapshot(system) == before


def test_publish_unpublish_and_the_listing_follows(system, catalog):
    editor = system.products.create(_product(is_published=False))
    assert "trench-coat" not in {c.slug for c in system.catalog.category_page("shirts",
                                                                              {}).products}
    system.products.publish(editor.id)
    assert "trench-coat" in {c.slug for c in system.catalog.category_page("shirts",
                                                                          {}).products}
    system.products.unpublish(editor.id)
    assert "trench-coat" not in {c.slug for c in system.catalog.category_page("shirts",
                                                                              {}).products}
    system.products.unpublish(editor.id)  # already hidden: nothing to audit
    assert [a[2] for a in _audit(system, "catalog.product.publish")] == [
        {"is_published": True}]
    assert [a[2] for a in _audit(system, "catalog.product.unpublish")] == [
        {"is_published": False}]


def test_a_scheduled_product_goes_live_at_its_moment_by_the_job(shop, system, catalog, clock):
    clock.set(NOON)
    # 14:00 in the shop's zone (Asia/Shanghai) is 06:00 UTC.
    editor = system.products.create(_product(is_published=False,
                                             publish_at="2026-12-01T14:00"))
    assert editor.publish_at == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert system.products.publish_due() == 0
    clock.set(NOON + timedelta(hours=2))
    # Saved again before the job ran: its own moment, though passed, is no refusal.
    data = _form(editor)
    data.update(publish_at="2026-12-01T14:00", name_en="Coat")
    assert system.products.update(editor.id, data).publish_at == editor.publish_at
    assert system.products.publish_due() == 1
    assert system.products.publish_due() == 0  # once
    after = system.products.product(editor.id)
    assert (after.is_published, after.publish_at) == (True, None)
    assert "trench-coat" in {c.slug for c in system.catalog.category_page("shirts",
                                                                          {}).products}
    assert _audit(system, "catalog.product.publish")[-1][2] == {"is_published": True}


def test_the_job_runs_the_step(shop, system, catalog, clock):
    clock.set(NOON)
    system.products.create(_product(is_published=False, publish_at="2026-12-01T12:30"))
    system._session.flush()
    clock.set(NOON + timedelta(hours=1))
    assert shop.run_job("publish-scheduled-products") == {"published": 1}


def test_unpublishing_cancels_a_schedule_and_only_the_system_runs_the_step(system, catalog,
                                                                           clock):
    clock.set(NOON)
    editor = system.products.create(_product(is_published=False,
                                             publish_at="2026-12-02T09:00"))
    assert system.products.unpublish(editor.id).publish_at is None
    merchandiser = sf.acting(system, sf.staff(system, ["merchandiser"]))
    with pytest.raises(Forbidden):
        merchandiser.products.publish_due()


def test_permissions_are_checked_here(system, catalog):
    editor = system.products.create(_product())
    marketing = sf.acting(system, sf.staff(system, ["marketing"]))
    assert marketing.products.product(editor.id).slug == "trench-coat"
    before = _snapshot(system)
    for write in (lambda: marketing.products.create(_product("other")),
                  lambda: marketing.products.update(editor.id, _form(editor)),
                  lambda: marketing.products.publish(editor.id),
                  lambda: marketing.products.unpublish(editor.id)):
        with pytest.raises(Forbidden):
            write()
    assert _snapshot(system) == before
    finance = sf.acting(system, sf.staff(system, ["finance"]))
    with pytest.raises(Forbidden):
        finance.products.product(editor.id)
    with pytest.raises(NotFound):
        system.products.product("nope")


def test_the_list_is_newest_first(system, catalog):
    system.products.create(_product())
    page = system.products.products()
    assert page.rows[0].slug == "trench-coat" and page.matched == 3 and not page.more
    assert page.rows[0].skus == 2 and page.rows[0].category == "Category shirts"


# -- more SKUs: one by one, and the variant generator --------------------------------------

COLOURS = ["red", "blue", "black", "white", "green"]
SIZES = ["xs", "s", "m", "l", "xl", "xxl"]


@pytest.fixture
def wardrobe(system):
    """Five colours × six sizes, and a product with one SKU (red, S)."""
    system.catalog.create_attribute({
        "code": "colour", "name_zh": "颜色", "name_en": "Colour", "is_variant_axis": True,
        "values": [{"code": c, "name_zh": c, "name_en": c.title()} for c in COLOURS]})
    system.catalog.create_attribute({
        "code": "size", "name_zh": "尺码", "name_en": "Size", "is_variant_axis": True,
        "values": [{"code": s, "name_zh": s.upper(), "name_en": s.upper()} for s in SIZES]})
    factories.category(system, "tees")
    return system.products.create({
        "slug": "tee", "name_zh": "T恤", "category": "tees", "is_published": True,
        "skus": [{"code": "tee-red-s", "price": "59.00", "values": ["colour:red", "size:s"]}]})


def _every(**extra: Any) -> dict[str, Any]:
    return {"values": [f"colour:{c}" for c in COLOURS] + [f"size:{s}" for s in SIZES],
            "pattern": "{product}-{colour}-{size}", "price": "59.00", **extra}


def test_the_generator_previews_then_creates_every_combination(system, wardrobe):
    before = _snapshot(system)
    preview = system.products.plan_variants(wardrobe.id, _every())
    assert _snapshot(system) == before  # a preview writes nothing
    assert (len(preview.skus), len(preview.new), [s.code for s in preview.kept]) == (
        30, 29, ["tee-red-s"])
    made = system.products.generate_variants(wardrobe.id, _every(stock_on_hand=5))
    assert made == preview
    editor = system.products.product(wardrobe.id)
    assert len(editor.skus) == 30
    assert editor.skus[0].code == "tee-red-s" and editor.skus[0].price == Decimal("59.00")
    assert {s.code for s in editor.skus} == {f"tee-{c}-{s}" for c in COLOURS for s in SIZES}
    page = system.catalog.product_page("tee", "tee-green-xxl")
    assert (page.sku.label, page.sku.available) == ("Green / XXL", 5)
    ((after,),) = [(a[2],) for a in _audit(system, "catalog.product.skus.generate")]
    assert len(after["skus"]) == 29 and after["pattern"] == "{product}-{colour}-{size}"
    # Again: every combination exists, nothing to create.
    with pytest.raises(Invalid) as raised:
        system.products.generate_variants(wardrobe.id, _every())
    assert "values" in raised.value.errors


def test_exactly_thirty_for_five_by_six_on_a_product_without_them(system, wardrobe):
    created = system.products.create({
        "slug": "polo", "name_zh": "Polo", "category": "tees",
        "skus": [{"code": "polo-base", "price": "10.00"}]})
    made = system.products.generate_variants(created.id, _every())
    assert len(made.new) == 30
    assert len(system.products.product(created.id).skus) == 31


def test_prices_follow_the_rule(system, wardrobe):
    preview = system.products.plan_variants(wardrobe.id, _every(
        price_rule="adjusted", adjustments="size:xxl +10\ncolour:black 5.50\n",
        list_price="99.00"))
    prices = {s.code: s.price for s in preview.skus}
    assert prices["tee-blue-m"] == Decimal("59.00")
    assert prices["tee-black-xxl"] == Decimal("74.50")
    assert prices["tee-red-xxl"] == Decimal("69.00")
    assert {s.list_price for s in preview.skus} == {Decimal("99.00")}


@pytest.mark.parametrize(("extra", "field"), [
    ({"pattern": "{product}-{colour}"}, "pattern"),
    ({"pattern": "{product}-{colour}-{size}-{fit}"}, "pattern"),
    ({"values": ["colour:red", "colour:mauve"]}, "values"),
    ({"values": []}, "values"),
    ({"price": "-1"}, "price"),
    ({"list_price": "10.00"}, "list_price"),
    ({"price_rule": "adjusted", "adjustments": "size:xxl -100"}, "adjustments"),
    ({"price_rule": "adjusted", "adjustments": "bigger please"}, "adjustments"),
    ({"price_rule": "whatever"}, "price_rule"),
])
def test_generator_refusals_name_their_field_and_write_nothing(system, wardrobe, extra, field):
    before = _snapshot(system)
    for call in (system.products.plan_variants, system.products.generate_variants):
        with pytest.raises(Invalid) as raised:
            call(wardrobe.id, _every(**extra))
        assert field in raised.value.errors, raised.value.errors
    assert _snapshot(system) == before


def test_a_taken_code_refuses_the_whole_generation(system, wardrobe):
    system.products.create({"slug": "other", "name_zh": "别的", "category": "tees",
                            "skus": [{"code": "tee-white-xl", "price": "1.00"}]})
    before = _snapshot(system)
    with pytest.raises(Invalid) as raised:
        system.products.generate_variants(wardrobe.id, _every())
    assert "tee-white-xl" in raised.value.errors["pattern"].interpolate()
    assert _snapshot(system) == before
    assert len(system.products.product(wardrobe.id).skus) == 1


def test_a_code_taken_meanwhile_refuses_the_generation_too(system, wardrobe, monkeypatch):
    system.products.create({"slug": "other", "name_zh": "别的", "category": "tees",
                            "skus": [{"code": "tee-white-xl", "price": "1.00"}]})
    real = ProductRepository.taken_sku_codes
    blind = iter([True])
    monkeypatch.setattr(ProductRepository, "taken_sku_codes",
                        lambda self, codes, other_than=None: set() if next(blind, False)
                        else real(self, codes, other_than))
    before = _snapshot(system)
    with pytest.raises(Invalid) as raised:
        system.products.generate_variants(wardrobe.id, _every())
    assert "tee-white-xl" in raised.value.errors["pattern"].interpolate()
    assert _snapshot(system) == before


def test_one_more_sku(system, wardrobe):
    editor = system.products.add_sku(wardrobe.id, {
        "code": "tee-blue-m", "price": "61.00", "stock_on_hand": 2, "barcode": "6901234567892",
        "values": ["colour:blue", "size:m"]})
    assert [s.code for s in editor.skus] == ["tee-red-s", "tee-blue-m"]
    before = _snapshot(system)
    for data, field in (({"code": "tee-blue-m", "price": "1"}, "code"),
                        ({"code": "x", "price": "1", "barcode": "6901234567892"}, "barcode"),
                        ({"code": "x", "price": "1", "values": ["colour:mauve"]}, "values"),
                        ({"code": "x", "price": "-1"}, "price")):
        with pytest.raises(Invalid) as raised:
            system.products.add_sku(wardrobe.id, data)
        assert field in raised.value.errors
    assert _snapshot(system) == before
    marketing = sf.acting(system, sf.staff(system, ["marketing"]))
    for write in (lambda: marketing.products.add_sku(wardrobe.id, {"code": "y", "price": "1"}),
                  lambda: marketing.products.generate_variants(wardrobe.id, _every()),
                  lambda: marketing.products.plan_variants(wardrobe.id, _every())):
        with pytest.raises(Forbidden):
            write()
