"""Attributes and their values as staff keep them (``uow.attributes``): list, create, edit,
add, rename, reorder and delete values; refusals name the field and write nothing; a value in
use is never deleted; every write is audited; facets follow at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.application import Conflict, Forbidden, Invalid, NotFound, Shop
from shop.data.models import Attribute, AttributeValue, AuditEntry
from shop.data.repositories.attributes import AttributeRepository
from tests import factories
from tests import staff_factories as sf


def _audit(system, prefix: str = "catalog.attribute") -> list[tuple]:
    return [tuple(row) for row in system._session.execute(
        select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)).all()]


def _snapshot(system) -> list[tuple]:
    attributes = system._session.execute(select(
        Attribute.id, Attribute.code, Attribute.name_zh, Attribute.name_en,
        Attribute.is_variant_axis, Attribute.is_facet).order_by(Attribute.id)).all()
    values = system._session.execute(select(
        AttributeValue.id, AttributeValue.attribute_id, AttributeValue.code,
        AttributeValue.name_zh, AttributeValue.name_en, AttributeValue.position)
        .order_by(AttributeValue.id)).all()
    return [tuple(r) for r in attributes] + [tuple(r) for r in values]


def _key(system, code: str) -> int:
    return next(a.id for a in system.attributes.attributes() if a.code == code)


def _facet(shop: Shop, code: str, slug: str = "clothes") -> list[str]:
    with shop.transaction(writes=False, locale="en") as reader:
        page = reader.catalog.category_page(slug, {})
        facet = next((f for f in page.facets if f.name == code), None)
        return [option.label for option in facet.options] if facet else []


def test_the_list_and_an_attribute_with_its_values_in_use(system):
    factories.small_catalog(system, products=3)  # red, blue, black × sizes s, m
    rows = system.attributes.attributes()
    assert [(a.code, a.value_count, a.is_variant_axis) for a in rows] == [
        ("color", 3, True), ("size", 3, True), ("fit", 2, False)]
    detail = system.attributes.attribute(rows[0].id)
    assert [(v.code, v.place, v.products, v.skus) for v in detail.values] == [
        ("red", 1, 1, 2), ("blue", 2, 1, 2), ("black", 3, 1, 2)]
    assert detail.attribute.name == "Colour" and detail.value("blue").name == "Blue"


def test_create_edit_and_values_follow_into_the_facets(system, shop):
    factories.small_catalog(system, products=3)
    created = system.attributes.create({
        "code": "material", "name_zh": "材质", "name_en": "Material",
        "values": [{"code": "cotton", "name_zh": "棉", "name_en": "Cotton"}]})
    assert [v.code for v in created.values] == ["cotton"]
    key = _key(system, "color")
    system.attributes.rename_value(key, "red", {"name_zh": "大红", "name_en": "Scarlet"})
    assert _facet(shop, "color")[0] == "Scarlet"  # the revision moved on
    system.attributes.reorder_value(key, "black", {"place": 1})
    assert _facet(shop, "color") == ["Black", "Scarlet", "Blue"]
    system.attributes.update(key, {"name_zh": "颜色", "name_en": "Color"})
    with shop.transaction(writes=False, locale="en") as reader:
        page = reader.catalog.category_page("clothes", {})
        assert next(f for f in page.facets if f.name == "color").label == "Color"
    system.attributes.update(key, {"name_zh": "颜色", "is_facet": "false"})
    assert _facet(shop, "color") == []
    detail = system.attributes.add_value(key, {"code": "green", "name_zh": "绿色"})
    assert [v.code for v in detail.values] == ["black", "red", "blue", "green"]
    assert [a[0] for a in _audit(system)][-6:] == [
        "catalog.attribute.create", "catalog.attribute.value.rename",
        "catalog.attribute.value.reorder", "catalog.attribute.update",
        "catalog.attribute.update", "catalog.attribute.value.add"]
    rename = _audit(system, "catalog.attribute.value.rename")[0]
    assert rename[1:] == ("color:red", {"name_zh": "红色", "name_en": "Red"},
                          {"name_zh": "大红", "name_en": "Scarlet"})


def test_a_value_in_use_is_never_deleted(system):
    factories.small_catalog(system, products=1)  # one red product
    key = _key(system, "color")
    before, audited = _snapshot(system), _audit(system)
    with pytest.raises(Conflict) as raised:
        system.attributes.delete_value(key, "red")
    assert "cannot be deleted" in raised.value.args[0].interpolate()
    assert _snapshot(system) == before and _audit(system) == audited
    detail = system.attributes.delete_value(key, "black")
    assert [v.code for v in detail.values] == ["red", "blue"]
    (entry,) = _audit(system, "catalog.attribute.value.delete")
    assert entry[1:3] == ("color:black", {"name_zh": "黑色", "name_en": "Black"})
    with pytest.raises(NotFound):
        system.attributes.delete_value(key, "black")


@pytest.mark.parametrize(("data", "field"), [
    ({"code": "color"}, "code"),  # taken
    ({"code": "price"}, "code"),  # a listing parameter
    ({"code": "Bad Code"}, "code"),
    ({"name_zh": ""}, "name_zh"),
    ({"values": []}, "values"),
    ({"values": [{"code": "a", "name_zh": "甲"}, {"code": "a", "name_zh": "乙"}]}, "values"),
    ({"values": [{"code": "a", "name_zh": ""}]}, "values.0.name_zh"),
])
def test_create_refuses_bad_input_at_its_field_and_writes_nothing(system, data, field):
    factories.attributes(system)
    before, audited = _snapshot(system), _audit(system)
    with pytest.raises(Invalid) as raised:
        system.attributes.create({"code": "material", "name_zh": "材质",
                                  "values": [{"code": "cotton", "name_zh": "棉"}], **data})
    assert field in raised.value.errors
    assert _snapshot(system) == before and _audit(system) == audited


def test_value_writes_refuse_bad_input_and_write_nothing(system):
    factories.attributes(system)
    key = _key(system, "color")
    before, audited = _snapshot(system), _audit(system)
    refusals = [
        (lambda: system.attributes.add_value(key, {"code": "red", "name_zh": "红"}), "code"),
        (lambda: system.attributes.add_value(key, {"code": "Bad", "name_zh": "红"}), "code"),
        (lambda: system.attributes.add_value(key, {"code": "ok", "name_zh": ""}), "name_zh"),
        (lambda: system.attributes.rename_value(key, "red", {"name_zh": ""}), "name_zh"),
        (lambda: system.attributes.reorder_value(key, "red", {"place": "x"}), "place"),
        (lambda: system.attributes.update(key, {"name_zh": "x" * 121}), "name_zh"),
    ]
    for write, field in refusals:
        with pytest.raises(Invalid) as raised:
            write()
        assert field in raised.value.errors
    for missing in (lambda: system.attributes.rename_value(key, "nope", {"name_zh": "x"}),
                    lambda: system.attributes.attribute(999_999),
                    lambda: system.attributes.add_value("x", {"code": "a", "name_zh": "a"})):
        with pytest.raises(NotFound):
            missing()
    assert _snapshot(system) == before and _audit(system) == audited


def test_a_value_code_another_member_of_staff_just_added_is_named(system, monkeypatch):
    factories.attributes(system)
    key = _key(system, "color")
    before, audited = _snapshot(system), _audit(system)
    # The check before the insert sees no "red" (it was added between the two).
    monkeypatch.setattr(AttributeRepository, "values", lambda self, attribute_id: [])
    with pytest.raises(Invalid) as raised:
        system.attributes.add_value(key, {"code": "red", "name_zh": "红"})
    assert "code" in raised.value.errors
    assert _snapshot(system) == before and _audit(system) == audited


def test_a_variant_axis_in_use_stays_one(system):
    factories.small_catalog(system, products=1)
    key = _key(system, "size")
    with pytest.raises(Invalid) as raised:
        system.attributes.update(key, {"name_zh": "尺码", "is_variant_axis": False})
    assert list(raised.value.errors) == ["is_variant_axis"]
    assert system.attributes.attribute(key).attribute.is_variant_axis
    unused = system.attributes.create({"code": "season", "name_zh": "季节",
                                       "values": [{"code": "summer", "name_zh": "夏"}]})
    system.attributes.update(unused.attribute.id, {"name_zh": "季节", "is_variant_axis": True})
    assert system.attributes.attribute(unused.attribute.id).attribute.is_variant_axis


def test_permissions(system):
    factories.attributes(system)
    key = _key(system, "color")
    marketing = sf.acting(system, sf.staff(system, ["marketing"]))
    assert len(marketing.attributes.attributes()) == 3
    before = _snapshot(system)
    for write in (
            lambda: marketing.attributes.create({"code": "x", "name_zh": "x",
                                                 "values": [{"code": "a", "name_zh": "a"}]}),
            lambda: marketing.attributes.update(key, {"name_zh": "x"}),
            lambda: marketing.attributes.add_value(key, {"code": "a", "name_zh": "a"}),
            lambda: marketing.attributes.rename_value(key, "red", {"name_zh": "x"}),
            lambda: marketing.attributes.reorder_value(key, "red", {"place": 2}),
            lambda: marketing.attributes.delete_value(key, "red")):
        with pytest.raises(Forbidden):
            write()
    assert _snapshot(system) == before
    finance = sf.acting(system, sf.staff(system, ["finance"]))
    with pytest.raises(Forbidden):
        finance.attributes.attributes()
    merchandiser = sf.acting(system, sf.staff(system, ["merchandiser"]))
    merchandiser.attributes.delete_value(key, "black")
    assert len(merchandiser.attributes.attribute(key).values) == 2
