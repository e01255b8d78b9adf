"""The role form shows permissions grouped by module, in words, with a "select all" box per
group that a script reveals; the form posts the same without it."""

from __future__ import annotations

from tests import staff_factories as sf

EN = {"Accept-Language": "en"}


def test_permissions_are_grouped_with_a_select_all_per_group(app, system):
    boss = sf.staff(system, ["administrator"])
    sf.cookie(app, system, "staff", boss.id)
    page = app.get("/admin/roles/new", headers=EN)
    groups = page.html.select("#permissions .permission-group")
    assert [g["data-group"] for g in groups] == ["home", "catalog", "orders", "marketing",
                                                 "customers", "finance", "system"]
    catalog = groups[1]
    assert catalog.select_one("legend").text == "Products and stock"
    labels = [label.contents[0].strip() for label in
              catalog.select('input[name="permissions"] + label')]
    assert "Edit products" in labels and "Manage stock" in labels
    select_all = catalog.select_one("[data-select-all]")
    assert select_all.get("name") is None  # never posted
    assert "d-none" in select_all.find_parent("div")["class"]  # until the script shows it
    assert page.html.select_one('script[src*="role_form.js"]') is not None
    assert app.get("/static/role_form.js").status_int == 200


def test_the_grouped_form_saves_what_is_ticked(app, system):
    boss = sf.staff(system, ["administrator"])
    sf.cookie(app, system, "staff", boss.id)
    form = app.get("/admin/roles/new", headers=EN).forms["role-form"]
    form["code"] = "stock_reader"
    form["name_zh"] = "库存查看"
    form["name_en"] = "Stock reader"
    for box in form.fields["permissions"]:
        box.checked = box._value in ("admin:dashboard:view", "wms:stock:view")
    form.submit(status=303)
    assert set(system.roles.get_role("stock_reader").permissions) == {
        "admin:dashboard:view", "wms:stock:view"}


def test_a_builtin_roles_form_has_no_select_all(app, system):
    boss = sf.staff(system, ["administrator"])
    sf.cookie(app, system, "staff", boss.id)
    page = app.get("/admin/roles/finance", headers=EN)
    assert page.html.select("[data-select-all]") == []
    assert all(box.has_attr("disabled")
               for box in page.html.select('input[name="permissions"]'))
