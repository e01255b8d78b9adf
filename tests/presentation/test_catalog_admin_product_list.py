"""The product list page: its filters and next link, refusals at their field (never a 500),
a statement count that does not grow with the catalog, and bulk actions through the preview
page: applied with the preview's fingerprint, a changed catalog shown again (409), refused for
staff who may not change the catalog."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shop.application.catalog import products as product_admin
from shop.data.models import AuditEntry, Sku
from tests import factories
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
BASE = "/admin/catalog/products"


def signed_in(app, system, roles=("merchandiser",)):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


@pytest.fixture
def catalog(system):
    return factories.small_catalog(system, products=6)


def _slugs(page) -> list[str]:
    return [row["data-slug"] for row in page.html.select("tr.product")]


def _prices(system) -> dict[str, Decimal]:
    return dict(system._session.execute(select(Sku.code, Sku.price)).all())


def test_filters_and_the_next_page(app, system, catalog, monkeypatch):
    signed_in(app, system)
    made = catalog["products"]
    page = app.get(BASE, headers=EN)
    assert _slugs(page) == [p.slug for p in made[::-1]]
    assert page.html.select_one("#matched")["data-matched"] == "6"
    acme = app.get(BASE, {"brand": "acme", "sort": "price_desc"}, headers=EN)
    assert _slugs(acme) == [made[4].slug, made[2].slug, made[0].slug]
    assert app.get(BASE, {"category": "clothes"}, headers=EN).html.select_one(
        "#matched")["data-matched"] == "6"
    monkeypatch.setattr(product_admin, "PAGE_SIZE", 4)
    first = app.get(BASE, {"sort": "price_asc"}, headers=EN)
    assert _slugs(first) == [p.slug for p in made[:4]]
    second = app.get(first.html.select_one("#next-page")["href"], headers=EN)
    assert _slugs(second) == [p.slug for p in made[4:]]
    assert second.html.select_one("#next-page") is None
    assert app.get(BASE, {"q": made[1].slug}, headers=EN).html.select("tr.product")[0][
        "data-slug"] == made[1].slug


@pytest.mark.parametrize(("params", "fields"), [
    ({"min_price": "abc", "state": "lost"}, {"min_price", "state"}),
    ({"category": "nope", "brand": "nope"}, {"category", "brand"}),
    ({"brand": "<b>"}, {"brand"}),
    ({"min_price": "9", "max_price": "1"}, {"max_price"}),
    ({"sort": "1;DROP"}, {"sort"}),
    ({"q": "x" * 200}, {"q"}),
])
def test_a_bad_filter_is_shown_on_its_field(app, system, catalog, params, fields):
    signed_in(app, system)
    page = app.get(BASE, params, headers=EN, status=400)
    assert {e["data-field"] for e in page.html.select(".invalid-feedback")} == fields
    assert page.html.select_one("#product-filters") is not None


def test_a_bad_next_link(app, system, catalog):
    signed_in(app, system)
    page = app.get(BASE, {"after": "abc"}, headers=EN, status=400)
    assert page.html.select_one("#form-error") is not None
    app.get(BASE, {"after": "999999"}, headers=EN, status=404)


@pytest.mark.parametrize("params", [{}, {"q": "Product", "sort": "name"},
                                    {"category": "clothes", "brand": "acme",
                                     "min_price": "1", "sort": "price_desc"}])
def test_the_list_costs_the_same_statements_however_large(app, system, queries, params,
                                                          monkeypatch):
    factories.small_catalog(system, products=4)
    signed_in(app, system)
    monkeypatch.setattr(product_admin, "PAGE_SIZE", 1)
    app.get(BASE, params)  # the first page reads the reference data
    queries.reset()
    app.get(BASE, params)
    small = queries.count
    for i in range(30):
        factories.product(system, "shirts" if i % 2 else "jeans", "acme", price="20.00")
    queries.reset()
    page = app.get(BASE, params)
    assert queries.count == small, queries.statements
    queries.reset()
    app.get(page.html.select_one("#next-page")["href"])
    # One more on a later page: the anchor's sort keys.
    assert queries.count == small + 1, queries.statements


def _tick(form, ids) -> None:
    for index in range(len(form.fields.get("products", []))):
        box = form.get("products", index=index)
        box.checked = box._value in ids


def test_bulk_price_change_through_preview_and_apply(app, system, catalog):
    signed_in(app, system)
    made = catalog["products"]
    form = app.get(BASE, headers=EN).forms["bulk-form"]
    _tick(form, {str(made[0].id), str(made[1].id)})
    form["action"], form["change"] = "price_percent", "-10"
    before = _prices(system)
    preview = form.submit(headers=EN)
    assert preview.status_int == 200 and _prices(system) == before
    assert preview.html.select_one("#bulk-summary")["data-changes"] == "2"
    shown = {row["data-code"]: row.select_one(".new-price").text
             for row in preview.html.select(".bulk-sku")}
    assert len(shown) == 4
    done = preview.forms["bulk-apply-form"].submit(headers=EN, status=303).follow(headers=EN)
    assert done.html.select_one("#bulk-done") is not None
    after = _prices(system)
    assert {code: f"¥{price}" for code, price in after.items() if code in shown} == shown


def test_bulk_on_everything_the_filter_matches(app, system, catalog):
    signed_in(app, system)
    form = app.get(BASE, {"brand": "zenith"}, headers=EN).forms["bulk-form"]
    form["action"] = "unpublish"
    form["scope"] = True
    preview = form.submit(headers=EN)
    assert preview.html.select_one("#bulk-summary")["data-changes"] == "3"
    preview.forms["bulk-apply-form"].submit(headers=EN, status=303)
    hidden = app.get(BASE, {"state": "hidden"}, headers=EN)
    assert len(_slugs(hidden)) == 3


def test_a_catalog_changed_since_the_preview_is_previewed_again(app, system, catalog):
    signed_in(app, system)
    made = catalog["products"]
    form = app.get(BASE, headers=EN).forms["bulk-form"]
    _tick(form, {str(made[0].id)})
    form["action"], form["change"] = "price_amount", "1.00"
    preview = form.submit(headers=EN)
    system.products.bulk_apply({"action": "price_amount", "change": "3.00",
                                "products": [str(made[0].id)],
                                "fingerprint": system.products.bulk_preview({
                                    "action": "price_amount", "change": "3.00",
                                    "products": [str(made[0].id)]}).fingerprint})
    before = _prices(system)
    again = preview.forms["bulk-apply-form"].submit(headers=EN, status=409)
    assert again.html.select_one("#bulk-stale") is not None
    assert _prices(system) == before
    again.forms["bulk-apply-form"].submit(headers=EN, status=303)
    assert _prices(system) != before


@pytest.mark.parametrize(("fill", "field"), [
    ({}, "action"),
    ({"action": "publish"}, "products"),
    ({"action": "price_percent", "products": "1"}, "change"),
    ({"action": "move", "products": "1", "category": "nope"}, "category"),
])
def test_a_bad_bulk_action_is_refused_at_its_field(app, system, catalog, fill, field):
    signed_in(app, system)
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    page = app.post(f"{BASE}/bulk", {"csrf_token": csrf, **fill}, headers=EN, status=400)
    assert field in {e["data-field"] for e in page.html.select("[data-field]")}


@pytest.mark.parametrize("roles", [["marketing"], ["finance"]])
def test_staff_who_may_not_change_the_catalog_cannot_act_in_bulk(app, system, catalog, roles):
    made = catalog["products"]
    plan = system.products.bulk_preview({"action": "unpublish",
                                         "products": [str(made[0].id)]})
    signed_in(app, system, roles)
    if roles == ["marketing"]:
        page = app.get(BASE, headers=EN)
        assert "bulk-form" not in page.forms and not page.html.select("input[name=products]")
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    data = {"csrf_token": csrf, "action": "unpublish", "products": str(made[0].id),
            "fingerprint": plan.fingerprint}
    app.post(f"{BASE}/bulk", data, status=403)
    app.post(f"{BASE}/bulk/apply", data, status=403)
    assert system.products.products({"state": "hidden"}).matched == 0


def test_bulk_needs_the_csrf_token(app, system, catalog):
    signed_in(app, system)
    key = str(catalog["products"][0].id)
    plan = system.products.bulk_preview({"action": "unpublish", "products": [key]})
    app.post(f"{BASE}/bulk/apply", {"action": "unpublish", "products": key,
                                    "fingerprint": plan.fingerprint}, status=400)
    assert system.products.products({"state": "hidden"}).matched == 0


def test_the_export_holds_each_sku_of_what_the_filters_match(app, system, catalog):
    """CSV with a byte-order mark, one line a SKU of the filtered products only; XLSX with
    prices as numbers (an empty cell for no list price) and a name like a formula as text;
    each export in the audit log with its filters."""
    signed_in(app, system, ("marketing",))  # may look at the catalog, not change it
    made = catalog["products"]
    system.products.update(made[4].id, {**system.products.product(made[4].id).form_values(
        system.settings.current().zone), "name_en": "=HYPERLINK(1)"})
    response = app.get(f"{BASE}/export.csv", {"brand": "acme", "sort": "price_asc"},
                       headers=EN)
    assert response.content_type == "text/csv"
    assert response.body.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert lines[0][:3] == ["Product number", "Slug", "Name (Chinese)"]
    acme = [made[0], made[2], made[4]]
    assert [line[1] for line in lines[1:]] == [p.slug for p in acme for _ in range(2)]
    assert {line[8] for line in lines[1:]} == set(system._session.scalars(
        select(Sku.code).where(Sku.product_id.in_([p.id for p in acme]))))
    assert lines[1][10] == "50.00" and lines[1][11] == "" and lines[1][6] == "Shown"
    assert lines[-1][3] == "'=HYPERLINK(1)"
    book = app.get(f"{BASE}/export.xlsx", {"brand": "acme"}, headers=EN)
    sheet = load_workbook(io.BytesIO(book.body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 7 and rows[1][0] == made[4].id and rows[1][3] == "'=HYPERLINK(1)"
    assert isinstance(rows[1][10], float | int) and rows[1][11] is None
    entries = system._session.scalars(select(AuditEntry.after).where(
        AuditEntry.action == "catalog.product.export").order_by(AuditEntry.id)).all()
    assert entries == [{"filters": {"brand": "acme", "sort": "price_asc"}, "format": "csv"},
                       {"filters": {"brand": "acme"}, "format": "xlsx"}]
    refused = app.get(f"{BASE}/export.csv", {"min_price": "-1"}, headers=EN, status=400)
    assert refused.html.select_one('[data-field="min_price"]') is not None
