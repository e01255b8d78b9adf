"""The brand pages of the back office: list, new and edit forms (deform) with field messages,
hide and show, who may open what, and a list page whose cost does not grow."""

from __future__ import annotations

import pytest

from tests import factories
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
LIST = "/admin/catalog/brands"


def signed_in(app, system, roles=("merchandiser",)):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def _slugs(page) -> list[str]:
    return [row["data-slug"] for row in page.html.select("tr.brand")]


def _key(system, slug) -> int:
    return next(b.id for b in system.brands.brands() if b.slug == slug)


def test_the_list_renders_for_a_merchandiser(app, system):
    factories.small_catalog(system, products=3)
    signed_in(app, system)
    page = app.get(LIST, headers=EN)
    assert _slugs(page) == ["acme", "zenith"]
    assert page.html.select_one("tr[data-slug=acme] .products").text == "2"
    assert page.html.select_one("#admin-nav a[data-area=admin_catalog_brands]") is not None
    assert page.html.select_one("#new-brand") is not None


def test_marketing_may_look_but_not_change(app, system):
    factories.small_catalog(system, products=0)
    signed_in(app, system, ["marketing"])
    page = app.get(LIST, headers=EN)
    assert _slugs(page) == ["acme", "zenith"] and page.html.select_one("#new-brand") is None
    app.get(f"{LIST}/new", status=403)
    app.get(f"{LIST}/{_key(system, 'acme')}", status=403)


@pytest.mark.parametrize("roles", [["finance"], ["customer_service"]])
def test_staff_without_the_catalog_permission_are_refused(app, system, roles):
    factories.small_catalog(system, products=0)
    key = _key(system, "acme")
    signed_in(app, system, roles)
    for url in (LIST, f"{LIST}/new", f"{LIST}/{key}"):
        app.get(url, status=403)
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    app.post(f"{LIST}/{key}/hide", {"csrf_token": csrf}, status=403)
    assert system.brands.brand(key).is_published


def test_create_then_edit_through_the_forms(app, system):
    signed_in(app, system)
    form = app.get(f"{LIST}/new", headers=EN).forms["brand-form"]
    form["slug"], form["name_zh"], form["name_en"] = "lumen", "流明", "Lumen"
    edit = form.submit(headers=EN, status=303).follow(headers=EN)
    assert edit.html.select_one("#saved") is not None
    form = edit.forms["brand-form"]
    assert form["name_zh"].value == "流明"
    form["name_en"] = "Lumen Lighting"
    form.submit(headers=EN, status=303)
    (brand,) = system.brands.brands()
    assert (brand.slug, brand.name_en) == ("lumen", "Lumen Lighting")


def test_a_bad_form_comes_back_with_messages_and_writes_nothing(app, system):
    factories.small_catalog(system, products=0)
    signed_in(app, system)
    form = app.get(f"{LIST}/new", headers=EN).forms["brand-form"]
    form["slug"], form["name_zh"] = "Bad Slug", ""
    page = form.submit(headers=EN, status=400)
    assert page.html.select_one("#error-brand-form-slug") is not None
    assert page.html.select_one("#error-brand-form-name_zh") is not None
    form = page.forms["brand-form"]
    form["slug"], form["name_zh"] = "zenith", "重名"  # taken: the service's refusal
    page = form.submit(headers=EN, status=400)
    assert page.html.select_one("#error-brand-form-slug").text.strip() == "Already taken"
    assert page.html.select_one("#error-brand-form-name_zh") is None
    assert _slugs(app.get(LIST)) == ["acme", "zenith"]


def test_hide_and_show(app, system):
    factories.small_catalog(system, products=2)
    signed_in(app, system)
    page = app.get(LIST, headers=EN)
    key = _key(system, "acme")
    next(f for f in page.forms.values() if f.action.endswith(f"/{key}/hide")).submit(status=303)
    page = app.get(LIST, headers=EN)
    assert page.html.select_one("tr[data-slug=acme] .hidden") is not None
    app.get("/b/acme", status=404)
    next(f for f in page.forms.values() if f.action.endswith(f"/{key}/show")).submit(status=303)
    assert app.get("/b/acme").status_int == 200


def test_unknown_brands_are_404(app, system):
    signed_in(app, system)
    csrf = app.get(f"{LIST}/new").forms["brand-form"]["csrf_token"].value
    app.get(f"{LIST}/999999", status=404)
    app.post(f"{LIST}/999999/hide", {"csrf_token": csrf}, status=404)


def test_the_list_page_costs_the_same_whatever_the_number_of_brands(app, system, queries):
    factories.small_catalog(system, products=2)
    signed_in(app, system)
    app.get(LIST)
    queries.reset()
    app.get(LIST)
    small = queries.count
    for i in range(15):
        factories.brand(system, f"extra-{i}")
    system._session.flush()
    app.get(LIST)
    queries.reset()
    assert len(app.get(LIST).html.select("tr.brand")) == 17
    assert queries.count == small, queries.statements
