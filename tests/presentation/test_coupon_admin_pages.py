"""The back office's coupon pages: the templates listed with their terms, a new template from a
form whose refusals sit at their inputs, and one template's page with its report, codes issued
once (a page and a CSV file), grants to chosen shoppers and deactivating; each closed to staff
without marketing's permission, and none answering hostile input with a 5xx."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from shop.data.models import Coupon, CouponTemplate, Sku
from tests import factories
from tests import staff_factories as sf
from tests.coupons_support import grant, new_template, orders, shoppers

EN = {"Accept-Language": "en"}


def signed_in(app, system, roles=("marketing",)):
    member = sf.staff(system, list(roles))
    sf.cookie(app, system, "staff", member.id)
    return member


def count(shop, model, *where):
    with shop.transaction(shop.system_actor("tests")) as tx:
        return tx._session.scalar(select(func.count()).select_from(model).where(*where))


def new_form(app):
    form = app.get("/admin/coupons/new", headers=EN).forms["coupon-form"]
    form["name_zh"] = "满100减20"
    form["name_en"] = "20 off 100"
    form["amount"] = "20"
    form["min_spend"] = "100"
    return form


def test_marketing_sees_the_templates_with_their_terms(app, system, shop):
    signed_in(app, system)
    new_template(shop, total_quantity=100)
    new_template(shop, name_zh="八五折", kind="percent", amount=None, percent="15", cap="50",
                 min_spend="0", claimable=True, public_code="spring15")
    new_template(shop, name_zh="包邮", kind="free_shipping", amount=None, min_spend="99",
                 on_registration=True, valid_days=None, valid_until="2099-01-01T08:00:00")
    page = app.get("/admin/coupons", headers=EN)
    assert page.headers["Cache-Control"] == "no-store"
    rows = {row.select_one(".coupon-name").text: row for row in page.html.select(
        "tr.coupon-template")}
    assert {name: row.select_one(".coupon-terms").text for name, row in rows.items()} == {
        "满100减20": "¥20.00 off ¥100.00", "八五折": "15% off, up to ¥50.00",
        "包邮": "Free shipping from ¥99.00"}
    assert rows["满100减20"].select_one(".coupon-issued").text.split() == ["0", "/", "100"]
    assert rows["满100减20"].select_one(".coupon-validity").text == "30 days from issue"
    assert rows["包邮"].select_one(".coupon-validity").text.endswith("2099-01-01 08:00")
    assert rows["八五折"].select_one(".flag-claimable") is not None
    assert rows["八五折"].select_one(".flag-public-code code").text == "SPRING15"
    assert rows["包邮"].select_one(".flag-registration") is not None
    assert rows["满100减20"].select_one(".coupon-flags .badge") is None
    assert page.html.select_one("#admin-nav a[data-area=admin_coupons]").text == "Coupons"
    assert page.html.select_one("#new-coupon") is not None
    assert "coupon-form" in app.get("/admin/coupons/new", headers=EN).forms


@pytest.mark.parametrize("roles", [["finance"], ["customer_service"]])
def test_staff_without_marketing_rights_are_refused(app, system, shop, roles):
    template = new_template(shop)
    signed_in(app, system, roles)
    for path in ("/admin/coupons", "/admin/coupons/new", f"/admin/coupons/{template.id}"):
        app.get(path, headers=EN, status=403)
    token = app.get("/admin", headers=EN).forms["logout-form"]["csrf_token"].value
    for action in ("issue", "grant", "deactivate"):
        app.post(f"/admin/coupons/{template.id}/{action}",
                 {"csrf_token": token, "quantity": "1", "customer_ids": "1"}, status=403)
    app.post("/admin/coupons/new", {"csrf_token": token, "name_zh": "x"}, status=403)
    assert app.get("/admin", headers=EN).html.select("#admin-nav a[data-area=admin_coupons]") \
        == []
    assert count(shop, Coupon) == 0 and count(shop, CouponTemplate) == 1


def test_visitors_are_sent_to_the_staff_login(app, shop):
    template = new_template(shop)
    for path in ("/admin/coupons", "/admin/coupons/new", f"/admin/coupons/{template.id}"):
        assert "/admin/login" in app.get(path, status=303).location
    app.post(f"/admin/coupons/{template.id}/issue", {"quantity": "1"}, status="*")
    assert count(shop, Coupon) == 0


def test_a_good_post_creates_the_template_with_its_scope_from_codes(app, system, shop):
    catalog = factories.small_catalog(system, products=2)
    sku = system._session.scalar(select(Sku).where(
        Sku.product_id == catalog["products"][1].id).order_by(Sku.id))
    system._session.flush()
    signed_in(app, system)
    form = new_form(app)
    form["kind"] = "percent"
    form["percent"] = "12.5"
    form["cap"] = "30"
    form["scope.everything"] = False
    form["scope.category_ids"] = "shirts"
    form["scope.sku_ids"] = sku.code
    form["scope.excluded_product_ids"] = catalog["products"][0].slug
    form["stacking.mode"] = "group_exclusive"
    form["stacking.group"] = "coupons"
    form["stacking.stacks_with"] = "vip, new"
    form["valid_days"] = ""
    form["valid_until"] = "2099-06-01T10:00"
    form["total_quantity"] = "500"
    form["public_code"] = "summer-12"
    form["claimable"] = True
    done = form.submit(headers=EN, status=303)
    with shop.transaction(shop.system_actor("tests")) as tx:
        [template] = tx.coupons.templates()
    assert done.location.endswith(f"/admin/coupons/{template.id}?saved=1")
    assert (template.kind, str(template.percent), str(template.cap), template.amount) == (
        "percent", "12.50", "30.00", None)
    shirts = next(leaf for leaf in catalog["leaves"] if leaf.slug == "shirts")
    assert template.scope == {"everything": False, "category_ids": [shirts.id],
                              "brand_ids": [], "product_ids": [], "sku_ids": [sku.id],
                              "excluded_product_ids": [catalog["products"][0].id],
                              "excluded_sku_ids": []}
    assert template.stacking == {"mode": "group_exclusive", "group": "coupons",
                                 "stacks_with": ["vip", "new"], "priority": 0}
    assert template.valid_until.hour == 2  # 10:00 in 上海
    assert (template.public_code, template.claimable, template.total_quantity) == (
        "SUMMER12", True, 500)
    page = done.follow(headers=EN)
    assert page.html.select_one("#saved") is not None
    assert page.html.select_one("#terms").text == "12.5% off ¥100.00, up to ¥30.00"
    assert page.html.select_one("#validity").text.endswith("2099-06-01 10:00")


@pytest.mark.parametrize(("typed", "fields"), [
    ({"kind": "percent", "percent": "150", "min_spend": "-1"}, {"percent", "min_spend"}),
    ({"public_code": "spring20"}, {"public_code"}),  # taken, whatever its case
    ({"scope.everything": False, "scope.category_ids": "shirts nowhere" + " jeans" * 60},
     {"scope.category_ids"}),  # a long list is shown back whole
    ({"scope.category_ids": "shirts"}, {"scope"}),  # everything, and yet a category
    ({"stacking.mode": "group_exclusive"}, {"stacking.group"}),
    ({"stacking.stacks_with": "vip " + "x" * 41, "name_en": ""},
     {"stacking.stacks_with", "name_en"}),  # its second group's message, at the input
    ({"valid_days": "", "valid_until": "2000-01-01T00:00"}, {"valid_until"}),
])
def test_a_bad_post_names_each_field_and_writes_nothing(app, system, shop, typed, fields):
    factories.small_catalog(system, products=1)
    new_template(shop, public_code="SPRING20")
    signed_in(app, system)
    form = new_form(app)
    for name, value in typed.items():
        form[name] = value
    page = form.submit(headers=EN, status=400)
    shown = {e["data-field"] for e in page.html.select("[data-field]")}
    assert shown == fields
    if "scope.category_ids" in fields:
        assert page.html.select_one("#error-scope\\.category_ids").text == "Unknown: nowhere"
    if "percent" in fields:
        assert "99.99" in page.html.select_one("#error-percent").text
    kept = page.forms["coupon-form"]
    assert all(kept[name].value == value for name, value in typed.items()
               if isinstance(value, str))
    assert kept["name_zh"].value == "满100减20"
    assert count(shop, CouponTemplate) == 1


def test_issuing_shows_the_codes_once_and_the_same_form_again_issues_nothing(app, system,
                                                                            shop):
    template = new_template(shop)
    signed_in(app, system)
    form = app.get(f"/admin/coupons/{template.id}", headers=EN).forms["issue-form"]
    form["quantity"] = "5"
    issued = form.submit(headers=EN, status=200)
    codes = [cell.text for cell in issued.html.select(".coupon-code")]
    assert len(set(codes)) == 5
    assert issued.headers["Cache-Control"] == "no-store"
    link = issued.html.select_one("#download-csv")
    prefix = "data:text/csv;charset=utf-8,"
    assert link["href"].startswith(prefix) and link["download"].endswith(".csv")
    rows = list(csv.reader(io.StringIO(unquote(link["href"][len(prefix):]).lstrip("\ufeff"))))
    assert rows[0] == ["code", "coupon", "terms"]
    assert [row[0] for row in rows[1:]] == codes
    assert {tuple(row[1:]) for row in rows[1:]} == {("满100减20", "¥20.00 off ¥100.00")}
    again = form.submit(headers=EN, status=409)  # a reload, or a double click
    assert "nothing more was issued" in again.html.select_one("#form-error").text
    assert again.html.select(".coupon-code") == []
    assert count(shop, Coupon) == 5
    page = app.get(f"/admin/coupons/{template.id}", headers=EN)
    assert page.html.select_one("[data-figure=issued]").text == "5"
    assert not any(code in page.text for code in codes)


def test_a_bad_quantity_is_named_and_issues_nothing(app, system, shop):
    template = new_template(shop)
    signed_in(app, system)
    form = app.get(f"/admin/coupons/{template.id}", headers=EN).forms["issue-form"]
    for quantity in ("9" * 30, "5001", "0", "1.5", "-1", ""):
        form["quantity"] = quantity
        refused = form.submit(headers=EN, status=400)
        assert refused.html.select_one("#error-quantity") is not None
    assert count(shop, Coupon) == 0


def test_granting_gives_each_shopper_one_coupon(app, system, shop):
    template = new_template(shop)
    first, second = sf.customer(system), sf.customer(system)
    signed_in(app, system)
    form = app.get(f"/admin/coupons/{template.id}", headers=EN).forms["grant-form"]
    typed = f"{first}, 99999999\n" + " ".join(str(first) for _ in range(400))
    form["customer_ids"] = typed
    refused = form.submit(headers=EN, status=400)
    assert "99999999" in refused.html.select_one("#error-customer_ids").text
    assert refused.forms["grant-form"]["customer_ids"].value == typed  # whole, to fix and send
    form = refused.forms["grant-form"]
    form["customer_ids"] = f"{first}, {second}\n{first}"
    done = form.submit(headers=EN, status=303)
    assert done.follow(headers=EN).html.select_one("#granted").text.startswith(
        "One coupon granted to each of 2 shoppers")
    for customer in (first, second):
        assert count(shop, Coupon, Coupon.customer_id == customer) == 1
    form.submit(headers=EN, status=409)  # the same form again
    assert count(shop, Coupon) == 2


def test_the_detail_page_shows_the_report(app, system, shop):
    template = new_template(shop)
    first, second = shoppers(shop, 2)
    grant(shop, template.id, first, second)
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.coupons.issue_codes(template.id, 3, None)
        [offer] = tx.coupons.usable_for_checkout(first.id)
        tx.coupons.redeem(offer, first.id, orders(shop, first)[0], "20.00")
        report = tx.coupons.report(template.id)
    signed_in(app, system)
    page = app.get(f"/admin/coupons/{template.id}", headers=EN)
    figures = {cell["data-figure"]: cell.text for cell in page.html.select("[data-figure]")}
    assert figures == {"issued": "5", "unbound": "3", "used": "1", "unused": "4",
                       "expired": "0", "discount_given": "¥20.00", "orders": "1"}
    assert (report.issued, report.used, report.orders) == (5, 1, 1)
    assert page.html.select_one("#terms").text == "¥20.00 off ¥100.00"
    assert page.html.select_one("#issued-of-total").text.split() == ["5", "/", "∞"]


def test_deactivating_stops_issuing_and_viewers_get_no_forms(app, system, shop):
    template = new_template(shop)
    signed_in(app, system)
    page = app.get(f"/admin/coupons/{template.id}", headers=EN)
    done = page.forms["deactivate-form"].submit(headers=EN, status=303)
    after = done.follow(headers=EN)
    assert after.html.select_one("#coupon-name .inactive") is not None
    assert not {"issue-form", "grant-form", "deactivate-form"} & set(after.forms)
    token = after.forms["logout-form"]["csrf_token"].value
    app.post(f"/admin/coupons/{template.id}/issue",
             {"csrf_token": token, "quantity": "1", "request_key": "k"}, status=409)
    assert count(shop, Coupon) == 0
    system.roles.create_role({"code": "watcher", "name_zh": "观察", "name_en": "Watcher",
                              "permissions": ["admin:dashboard:view",
                                              "marketing:promotion:view"]})
    app.reset()
    signed_in(app, system, ["watcher"])
    other = new_template(shop)
    assert not {"issue-form", "grant-form", "deactivate-form"} & set(
        app.get(f"/admin/coupons/{other.id}", headers=EN).forms)
    assert app.get("/admin/coupons", headers=EN).html.select_one("#new-coupon") is None
    app.get("/admin/coupons/new", headers=EN, status=403)


def test_posts_need_the_csrf_token(app, system, shop):
    template = new_template(shop)
    signed_in(app, system)
    app.post(f"/admin/coupons/{template.id}/issue", {"quantity": "1"}, status=400)
    app.post(f"/admin/coupons/{template.id}/deactivate", {}, status=400)
    app.post("/admin/coupons/new", {"name_zh": "x"}, status=400)
    assert count(shop, Coupon) == 0 and count(shop, CouponTemplate) == 1
    assert app.get(f"/admin/coupons/{template.id}").html.select_one(".inactive") is None


def test_the_list_costs_the_same_whatever_the_number_of_templates(app, system, shop,
                                                                 queries):
    signed_in(app, system)
    new_template(shop)
    app.get("/admin/coupons")
    queries.reset()
    app.get("/admin/coupons")
    few = queries.count
    for _ in range(59):
        new_template(shop)
    queries.reset()
    page = app.get("/admin/coupons")
    assert queries.count == few, queries.statements
    assert len(page.html.select("tr.coupon-template")) == 50
    older = app.get(page.html.select_one("#older-coupons")["href"])
    assert len(older.html.select("tr.coupon-template")) == 10
    assert older.html.select_one("#older-coupons") is None


def test_hostile_input_is_refused_with_a_4xx(app, system, shop):
    template = new_template(shop)
    signed_in(app, system)
    for path in ("/admin/coupons/abc", "/admin/coupons/99999999999", "/admin/coupons/123456",
                 "/admin/coupons?before=x", "/admin/coupons?before=" + "9" * 30,
                 "/admin/coupons/%D9%A3", f"/admin/coupons/{template.id}?granted=" + "9" * 30):
        assert app.get(path, status="*").status_int in (200, 400, 404), path
    token = app.get("/admin", headers=EN).forms["logout-form"]["csrf_token"].value
    for action in ("issue", "grant", "deactivate"):
        app.post(f"/admin/coupons/99999999999/{action}", {"csrf_token": token}, status=404)
        app.post(f"/admin/coupons/123456/{action}", {"csrf_token": token}, status=404)
    base = f"/admin/coupons/{template.id}"
    app.post(f"{base}/issue", {"csrf_token": token, "quantity": "9" * 5000}, status=400)
    app.post(f"{base}/issue", {"csrf_token": token, "quantity": "1", "request_key": "k" * 100},
             status=400)
    app.post(f"{base}/grant", {"csrf_token": token, "customer_ids": "abc -1 ٣ " + "9" * 30},
             status=400)
    app.post(f"{base}/grant", {"csrf_token": token, "customer_ids": " ".join(["1"] * 60000)},
             status=400)
    many = " ".join(f"p{i}" for i in range(3000))
    app.post("/admin/coupons/new", {"csrf_token": token, "scope.product_ids": many,
                                    "stacking.priority": "9" * 40, "valid_from": "x"},
             status=400)
    assert count(shop, Coupon) == 0 and count(shop, CouponTemplate) == 1
