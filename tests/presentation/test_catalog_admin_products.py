"""The product pages of the back office: the list, a new product, the editor (fields, SKUs,
publishing and scheduling, one more SKU), the variant generator with its preview; refusals at
their fields with nothing written, who may open what, and an editor whose cost does not grow
with its SKUs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shop.data.models import AuditEntry, Product, Sku
from tests import factories
from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
BASE = "/admin/catalog/products"
NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def signed_in(app, system, roles=("merchandiser",)):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def _counts(system) -> tuple:
    session = system._session
    return (session.scalar(select(func.count()).select_from(Product)),
            session.scalar(select(func.count()).select_from(Sku)),
            session.execute(select(Sku.code, Sku.price, Sku.barcode).order_by(Sku.id)).all(),
            session.scalar(select(func.count()).select_from(AuditEntry)))


def _errors(page) -> list[str]:
    return [e.text.strip() for e in page.html.select(".invalid-feedback, .help-block.error, "
                                                     "[id^=error-]")]


def _error(page, formid: str, field: str) -> str:
    found = page.html.select_one(f"#error-{formid}-{field}")
    assert found is not None, _errors(page)
    return found.text.strip()


@pytest.fixture
def catalog(system):
    return factories.small_catalog(system, products=2)


def _first(system) -> int:
    return system.products.products().rows[-1].id


def test_the_list_and_the_navigation(app, system, catalog):
    signed_in(app, system)
    page = app.get(BASE, headers=EN)
    assert len(page.html.select("tr.product")) == 2
    assert page.html.select_one("#admin-nav a[data-area=admin_catalog_products]") is not None
    assert page.html.select_one("#new-product") is not None


def test_marketing_may_look_but_not_change(app, system, catalog):
    signed_in(app, system, ["marketing"])
    page = app.get(BASE, headers=EN)
    assert len(page.html.select("tr.product")) == 2 and page.html.select_one("#new-product") \
        is None
    key = _first(system)
    for url in (f"{BASE}/new", f"{BASE}/{key}", f"{BASE}/{key}/variants"):
        app.get(url, status=403)


@pytest.mark.parametrize("roles", [["finance"], ["customer_service"], ["marketing"]])
def test_roles_without_catalog_write_are_refused_every_write(app, system, catalog, roles):
    key = _first(system)
    signed_in(app, system, roles)
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    before = _counts(system)
    for url in (f"{BASE}/new", f"{BASE}/{key}", f"{BASE}/{key}/skus", f"{BASE}/{key}/variants",
                f"{BASE}/{key}/publish", f"{BASE}/{key}/unpublish"):
        app.post(url, {"csrf_token": csrf}, status=403)
    assert _counts(system) == before
    if roles != ["marketing"]:
        app.get(BASE, status=403)


def test_create_through_the_form_then_edit(app, system, catalog):
    signed_in(app, system)
    form = app.get(f"{BASE}/new", headers=EN).forms["product-form"]
    form["slug"], form["name_zh"], form["name_en"] = "trench-coat", "风衣", "Trench coat"
    form["category"], form["brand"] = "shirts", "acme"
    form["description_html"] = "<p>Warm<script>alert(1)</script></p>"
    form["is_published"] = True
    form.set("values", ["fit:slim"], index=0)
    form["code"], form["price"], form["list_price"] = "TC-1", "100.00", "150.00"
    form["stock_on_hand"], form["barcode"] = "3", "6901234567892"
    form.set("values", ["color:red", "size:s"], index=1)
    edit = form.submit(headers=EN, status=303).follow(headers=EN)
    assert edit.html.select_one("#saved") is not None
    assert edit.html.select_one("#state-shown") is not None
    form = edit.forms["product-form"]
    assert form["description_html"].value == "<p>Warm</p>"
    assert form.get("values", index=1).value == ["color:red", "size:s"]
    form["name_en"] = "Long trench coat"
    form["price"] = "90.00"
    form.submit(headers=EN, status=303)
    product = system.products.product(edit.request.path.rsplit("/", 1)[1])
    assert (product.name_en, product.skus[0].price) == ("Long trench coat", 90)
    assert system._session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "catalog.product.update")) == 1
    assert app.get("/p/trench-coat").status_int == 200


@pytest.mark.parametrize(("fill", "field"), [
    ({"price": "-1"}, "price"),
    ({"list_price": "10.00"}, "list_price"),
    ({"code": "TAKEN-1"}, "code"),
    ({"barcode": "6900000000017"}, "barcode"),
    ({"slug": "taken"}, "slug"),
])
def test_a_refused_new_product_names_its_field_and_writes_nothing(app, system, catalog, fill,
                                                                  field):
    system.products.create({"slug": "taken", "name_zh": "占用", "category": "shirts",
                            "skus": [{"code": "TAKEN-1", "price": "1",
                                      "barcode": "6900000000017"}]})
    signed_in(app, system)
    before = _counts(system)
    form = app.get(f"{BASE}/new", headers=EN).forms["product-form"]
    values = {"slug": "fresh", "name_zh": "新", "category": "shirts", "code": "NEW-1",
              "price": "50.00", **fill}
    for name, value in values.items():
        form[name] = value
    page = form.submit(headers=EN, status=400)
    html = page.text
    assert page.html.select(".is-invalid, .has-error, [id^=error-]"), html
    if field == "slug":
        assert _error(page, "product-form", "slug") == "Already taken"
    else:
        item = page.html.select_one(f"input[name={field}]").find_parent(class_="form-group") \
            or page.html.select_one(f"input[name={field}]").parent
        messages = " ".join(_errors(page))
        assert ("Already taken" in messages if field in ("code", "barcode")
                else "price" in messages.lower()), messages
        assert item is not None
    assert _counts(system) == before


def test_publish_unpublish_and_schedule(app, system, catalog, clock):
    clock.set(NOON)
    signed_in(app, system)
    key = _first(system)
    edit = app.get(f"{BASE}/{key}", headers=EN)
    edit.forms[next(k for k, f in edit.forms.items()
                    if f.action.endswith("/unpublish"))].submit(status=303)
    edit = app.get(f"{BASE}/{key}", headers=EN)
    assert edit.html.select_one("#state-hidden") is not None
    form = edit.forms["product-form"]
    form["publish_at"] = "2026-12-01T09:00"  # passed, in Shanghai
    page = form.submit(headers=EN, status=400)
    assert _error(page, "product-form", "publish_at") == "This time has passed"
    form = page.forms["product-form"]
    form["publish_at"] = "2026-12-01T15:30"
    edit = form.submit(headers=EN, status=303).follow(headers=EN)
    assert "15:30" in edit.html.select_one("#state-scheduled").text
    assert edit.forms["product-form"]["publish_at"].value.startswith("2026-12-01T15:30")
    edit.forms[next(k for k, f in edit.forms.items()
                    if f.action.endswith("/publish"))].submit(status=303)
    assert app.get(f"{BASE}/{key}", headers=EN).html.select_one("#state-shown") is not None


def test_one_more_sku_and_its_refusal(app, system, catalog):
    signed_in(app, system)
    key = _first(system)
    form = app.get(f"{BASE}/{key}", headers=EN).forms["sku-form"]
    form["code"], form["price"], form["stock_on_hand"] = "EXTRA-1", "12.00", "4"
    form.set("values", ["color:black", "size:l"])
    edit = form.submit(headers=EN, status=303).follow(headers=EN)
    assert "EXTRA-1" in [f.value for f in edit.forms["product-form"].fields["code"]]
    before = _counts(system)
    form = edit.forms["sku-form"]
    form["code"], form["price"] = "EXTRA-1", "12.00"
    page = form.submit(headers=EN, status=400)
    assert _error(page, "sku-form", "code") == "Already taken"
    assert _counts(system) == before


def _wardrobe(system) -> int:
    system.catalog.create_attribute({
        "code": "colour", "name_zh": "颜色", "name_en": "Colour", "is_variant_axis": True,
        "values": [{"code": c, "name_zh": c, "name_en": c.title()}
                   for c in ("red", "blue", "black", "white", "green")]})
    system.catalog.create_attribute({
        "code": "fit-size", "name_zh": "尺码", "name_en": "Size", "is_variant_axis": True,
        "values": [{"code": s, "name_zh": s, "name_en": s.upper()}
                   for s in ("xs", "s", "m", "l", "xl", "xxl")]})
    factories.category(system, "tees")
    return system.products.create({
        "slug": "tee", "name_zh": "T恤", "category": "tees",
        "skus": [{"code": "tee-base", "price": "59.00"}]}).id


def _generator(app, key):
    form = app.get(f"{BASE}/{key}/variants", headers=EN).forms["variants-form"]
    form.set("values", [f"colour:{c}" for c in ("red", "blue", "black", "white", "green")]
             + [f"fit-size:{s}" for s in ("xs", "s", "m", "l", "xl", "xxl")])
    form["pattern"], form["price"] = "{product}-{colour}-{fit-size}", "59.00"
    return form


def test_the_generator_previews_then_creates_thirty(app, system):
    key = _wardrobe(system)
    signed_in(app, system)
    before = _counts(system)
    preview = _generator(app, key).submit("submit", headers=EN, status=200)
    assert len(preview.html.select("tr.planned.new")) == 30
    assert _counts(system) == before
    preview.forms["variants-form"].submit("generate", headers=EN, status=303)
    assert len(system.products.product(key).skus) == 31


def test_the_generator_refuses_a_taken_code_and_writes_nothing(app, system):
    key = _wardrobe(system)
    system.products.create({"slug": "other", "name_zh": "别的", "category": "tees",
                            "skus": [{"code": "tee-green-xl", "price": "1.00"}]})
    signed_in(app, system)
    before = _counts(system)
    page = _generator(app, key).submit("generate", headers=EN, status=400)
    assert "tee-green-xl" in _error(page, "variants-form", "pattern")
    assert _counts(system) == before
    form = page.forms["variants-form"]
    form["pattern"] = "{product}-{colour}"
    page = form.submit("submit", headers=EN, status=400)
    assert "{fit-size}" in _error(page, "variants-form", "pattern")


def test_the_editor_costs_the_same_whatever_its_skus(app, system, queries):
    key = _wardrobe(system)
    signed_in(app, system)
    app.get(f"{BASE}/{key}")
    queries.reset()
    app.get(f"{BASE}/{key}")
    small = queries.count
    system.products.generate_variants(key, {
        "values": [f"colour:{c}" for c in ("red", "blue", "black", "white", "green")]
        + [f"fit-size:{s}" for s in ("xs", "s", "m", "l", "xl", "xxl")],
        "pattern": "{product}-{colour}-{fit-size}", "price": "59.00"})
    system._session.flush()
    app.get(f"{BASE}/{key}")
    queries.reset()
    page = app.get(f"{BASE}/{key}")
    assert len(page.forms["product-form"].fields["code"]) == 31
    assert queries.count == small, queries.statements
    assert small <= 20, queries.statements


def test_unknown_products_are_404(app, system):
    signed_in(app, system)
    csrf = app.get(f"{BASE}/new").forms["product-form"]["csrf_token"].value
    app.get(f"{BASE}/999999", status=404)
    app.post(f"{BASE}/999999/publish", {"csrf_token": csrf}, status=404)
