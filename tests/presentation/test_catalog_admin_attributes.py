"""The attribute pages of the back office: the list, a new attribute with its first value (a
deform sequence drawn without script), editing one, and its values' buttons and forms; field
messages, refusals, who may open what, and pages whose cost does not grow."""

from __future__ import annotations

import pytest

from tests import factories
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
LIST = "/admin/catalog/attributes"


def signed_in(app, system, roles=("merchandiser",)):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def _key(system, code: str) -> int:
    return next(a.id for a in system.attributes.attributes() if a.code == code)


def _values(page) -> list[str]:
    return [row["data-code"] for row in page.html.select("tr.value")]


def _button(page, ending: str):
    return next(f for f in page.forms.values() if f.action.endswith(ending))


def test_the_list_renders_for_a_merchandiser(app, system):
    factories.attributes(system)
    signed_in(app, system)
    page = app.get(LIST, headers=EN)
    assert [r["data-code"] for r in page.html.select("tr.attribute")] == ["color", "size", "fit"]
    assert page.html.select_one("tr[data-code=fit] .value-count").text == "2"
    assert page.html.select_one("#admin-nav a[data-area=admin_catalog_attributes]") is not None


@pytest.mark.parametrize("roles", [["finance"], ["warehouse"]])
def test_staff_without_the_catalog_permission_are_refused(app, system, roles):
    factories.attributes(system)
    key = _key(system, "color")
    signed_in(app, system, roles)
    for url in (LIST, f"{LIST}/new", f"{LIST}/{key}", f"{LIST}/{key}/values/red"):
        app.get(url, status=403)
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    app.post(f"{LIST}/{key}/values/black/delete", {"csrf_token": csrf}, status=403)
    assert len(system.attributes.attribute(key).values) == 3


def test_marketing_sees_the_list_only(app, system):
    factories.attributes(system)
    signed_in(app, system, ["marketing"])
    page = app.get(LIST, headers=EN)
    assert page.html.select_one("#new-attribute") is None
    assert page.html.select("tr.attribute a") == []
    app.get(f"{LIST}/{_key(system, 'color')}", status=403)


def test_a_new_attribute_with_its_first_value(app, system):
    signed_in(app, system)
    form = app.get(f"{LIST}/new", headers=EN).forms["attribute-form"]
    assert form["is_facet"].checked and not form["is_variant_axis"].checked
    for name, value in (("code", "material"), ("name_zh", "材质"), ("name_en", "Material")):
        form.set(name, value, index=0)
    form.set("code", "cotton", index=1)  # the first value's fields follow the attribute's
    form.set("name_zh", "棉", index=1)
    form.set("name_en", "Cotton", index=1)
    page = form.submit(headers=EN, status=303).follow(headers=EN)
    assert page.html.select_one("#attribute-code").text == "material"
    assert _values(page) == ["cotton"]
    detail = system.attributes.attribute(_key(system, "material"))
    assert (detail.attribute.is_facet, detail.values[0].name_en) == (True, "Cotton")


def test_a_bad_new_attribute_shows_each_message_where_it_belongs(app, system):
    factories.attributes(system)
    signed_in(app, system)
    form = app.get(f"{LIST}/new", headers=EN).forms["attribute-form"]
    form.set("code", "price", index=0)  # a listing parameter: reserved
    form.set("name_zh", "价格", index=0)
    form.set("code", "Bad Code", index=1)
    form.set("name_zh", "", index=1)
    page = form.submit(headers=EN, status=400)
    assert "reserved" in page.html.select_one("#error-attribute-form-code").text
    items = page.html.select(".deform-seq-item .invalid-feedback")
    assert [p.text.strip() for p in items] == [
        "Use lower-case letters, digits and single hyphens", "Required"]
    form = page.forms["attribute-form"]
    form.set("code", "color", index=0)  # passes the schema; taken: the service says so
    form.set("code", "a", index=1)
    form.set("name_zh", "甲", index=1)
    page = form.submit(headers=EN, status=400)
    assert page.html.select_one("#error-attribute-form-code").text.strip() == "Already taken"
    assert len(system.attributes.attributes()) == 3


def test_edit_and_values_from_the_attribute_page(app, system):
    factories.small_catalog(system, products=1)  # one red product
    signed_in(app, system)
    key = _key(system, "color")
    page = app.get(f"{LIST}/{key}", headers=EN)
    assert _values(page) == ["red", "blue", "black"]
    assert page.html.select_one("tr[data-code=red] .delete") is None  # in use
    form = page.forms["attribute-form"]
    form["name_en"] = "Color"
    form.submit(headers=EN, status=303)
    assert system.attributes.attribute(key).attribute.name_en == "Color"
    page = app.get(f"{LIST}/{key}", headers=EN)
    add = page.forms["value-form"]
    add["code"], add["name_zh"], add["name_en"] = "green", "绿色", "Green"
    add.submit(headers=EN, status=303)
    page = app.get(f"{LIST}/{key}", headers=EN)
    assert _values(page) == ["red", "blue", "black", "green"]
    _button(page, "/values/green/place").submit(status=303)  # up
    page = app.get(f"{LIST}/{key}", headers=EN)
    assert _values(page) == ["red", "blue", "green", "black"]
    _button(page, "/values/black/delete").submit(status=303)
    rename = app.get(f"{LIST}/{key}/values/green", headers=EN).forms["value-form"]
    rename["name_en"] = "Emerald"
    rename.submit(headers=EN, status=303)
    page = app.get(f"{LIST}/{key}", headers=EN)
    assert _values(page) == ["red", "blue", "green"]
    assert page.html.select_one("tr[data-code=green] a").text == "Emerald"


def test_refusals_on_the_attribute_page(app, system):
    factories.small_catalog(system, products=1)
    signed_in(app, system)
    key = _key(system, "size")
    page = app.get(f"{LIST}/{key}", headers=EN)
    form = page.forms["attribute-form"]
    form["is_variant_axis"] = False  # sizes are in use as a variant axis
    page = form.submit(headers=EN, status=400)
    assert "variant axis" in page.html.select_one("#error-attribute-form-is_variant_axis").text
    add = page.forms["value-form"]
    add["code"], add["name_zh"] = "s", "小"  # taken
    page = add.submit(headers=EN, status=400)
    assert page.html.select_one("#error-value-form-code").text.strip() == "Already taken"
    csrf = page.forms["value-form"]["csrf_token"].value
    # A value in use cannot be deleted, even by a crafted request.
    page = app.post(f"{LIST}/{key}/values/s/delete", {"csrf_token": csrf}, headers=EN,
                    status=409)
    assert "cannot be deleted" in page.html.select_one("#form-error").text
    page = app.post(f"{LIST}/{key}/values/s/place", {"csrf_token": csrf, "place": "x"},
                    headers=EN, status=400)
    assert page.html.select_one("#form-error") is not None
    assert [v.code for v in system.attributes.attribute(key).values] == ["s", "m", "l"]
    app.get(f"{LIST}/{key}/values/nope", status=404)
    app.get(f"{LIST}/999999", status=404)


def test_a_broken_sequence_marker_is_a_400_not_a_500(app, system):
    signed_in(app, system)
    csrf = app.get(f"{LIST}/new").forms["attribute-form"]["csrf_token"].value
    app.post(f"{LIST}/new", [("csrf_token", csrf), ("__start__", "values:sequence"),
                              ("code", "x")], status=400)
    app.post(f"{LIST}/new", [("csrf_token", csrf), ("__start__", "9" * 30)], status=400)
    app.post(f"{LIST}/new", [("csrf_token", csrf), ("values", "x"), ("code", "a"),
                              ("name_zh", "a")], status=400)


def test_pages_cost_the_same_whatever_the_number_of_values(app, system, queries):
    factories.small_catalog(system, products=2)
    signed_in(app, system)
    key = _key(system, "color")
    for url in (LIST, f"{LIST}/{key}"):
        app.get(url)
        queries.reset()
        app.get(url)
        small = queries.count
        for i in range(5):
            system.attributes.add_value(key, {"code": f"extra-{url.count('/')}-{i}",
                                              "name_zh": "x"})
        system._session.flush()
        app.get(url)
        queries.reset()
        app.get(url)
        assert queries.count == small, (url, queries.statements)
