"""The shipping methods' back-office pages: list, new, edit with rules typed one per line, field
messages for bad input, permission, CSRF, and a list page whose cost does not grow."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import staff_factories as sf

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def signed_in(app, system, roles):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


@pytest.fixture
def carrier(system):
    return system.shipping.create_method({
        "code": "zto", "name_zh": "中通快递", "name_en": "ZTO Express", "free_above": "59",
        "rules_text": "* 1000 8 1000 1.5\n650000 1000 15 1000 6", "excluded_regions": ["540000"]})


def test_the_list_shows_each_method_with_its_rules(app, system, carrier):
    signed_in(app, system, ["administrator"])
    system.shipping.create_method({"code": "slow", "name_zh": "慢递", "name_en": "Slow",
                                   "is_active": False, "position": "0",
                                   "rules_text": "* 1000 1 1000 1"})
    system.shipping.update_method("zto", {"position": 5})
    page = app.get("/admin/shipping-methods", headers=EN)
    rows = page.html.select("tr.shipping-method")
    assert [row["data-code"] for row in rows] == ["slow", "zto"]  # by position
    zto = rows[1]
    assert zto.select_one("a").text == "ZTO Express"
    assert [r["data-region"] for r in zto.select(".fee-rule")] == ["*", "650000"]
    assert "Everywhere else" in zto.select_one(".fee-rule").text
    assert "¥59.00" in zto.text and "西藏自治区" in zto.text
    assert rows[0].select_one(".inactive") is not None and zto.select_one(".inactive") is None
    assert page.html.select_one("#admin-nav a[data-area=admin_shipping_methods]") is not None
    zh = app.get("/admin/shipping-methods", headers=ZH).html
    assert zh.select("tr.shipping-method a")[1].text == "中通快递"


def test_create_through_the_form_then_checkout_quotes_it(app, system):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/shipping-methods/new", headers=EN).forms["shipping-method-form"]
    assert form["rules_text"].value.startswith("* ")  # a default rule to start from
    form["code"] = "sf"
    form["name_zh"] = "顺丰速运"
    form["name_en"] = "SF Express"
    form["position"] = "10"
    form["free_above"] = "99"
    form["rules_text"] = "* 1000 12 1000 2\n650000 1000 22 1000 10  # 新疆"
    form["excluded_regions"] = "540000 # 西藏"
    done = form.submit(headers=EN, status=303)
    assert done.location.endswith("/admin/shipping-methods/sf?saved=1")
    page = done.follow(headers=EN)
    assert page.html.select_one("#saved") is not None
    edit = page.forms["shipping-method-form"]
    assert edit["rules_text"].value.splitlines() == [
        "* 1000 12.00 1000 2.00", "650000 1000 22.00 1000 10.00  # 新疆维吾尔自治区"]
    assert edit["excluded_regions"].value == "540000  # 西藏自治区"
    assert edit["free_above"].value == "99.00" and edit["is_active"].checked
    (quote,) = system.shipping.quote("650000", "650100", 2500, Decimal(1))
    assert (quote.code, quote.fee) == ("sf", Decimal("42.00"))
    assert system.shipping.quote("540000", "540100", 1, Decimal(1)) == []


def test_bad_input_gets_field_messages_and_keeps_what_was_typed(app, system):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/shipping-methods/new", headers=EN).forms["shipping-method-form"]
    form["code"] = "Not a code"
    form["name_zh"] = ""
    form["name_en"] = "Fine"
    form["free_above"] = "-5"
    form["position"] = "1.5"
    form["excluded_regions"] = "999999"
    page = form.submit(headers=EN, status=400)
    fields = {e["data-field"] for e in page.html.select(".invalid-feedback")}
    assert fields == {"code", "name_zh", "free_above", "position", "excluded_regions"}
    assert "999999" in page.html.select_one("[data-field=excluded_regions]").text
    assert system.shipping.methods() == ()
    form = page.forms["shipping-method-form"]
    assert form["name_en"].value == "Fine"
    form["code"], form["name_zh"], form["free_above"] = "ok", "好", ""
    form["position"], form["excluded_regions"] = "0", ""
    lines = "\n".join(["# region first fee step fee"]
                      + [f"{p}0000 1000 10 1000 1" for p in range(11, 16)]
                      + ["650000 1000 -3 1000 1"])
    form["rules_text"] = lines
    page = form.submit(headers=EN, status=400)
    message = page.html.select_one("[data-field=rules_text]").text
    assert message.startswith("Line 7:") and "first fee" in message
    assert page.forms["shipping-method-form"]["rules_text"].value == lines  # kept whole
    zh = page.forms["shipping-method-form"].submit(headers=ZH, status=400)
    assert "第 7 行" in zh.html.select_one("[data-field=rules_text]").text


def test_edit_deactivates_and_is_audited(app, system, carrier):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/shipping-methods/zto", headers=EN).forms["shipping-method-form"]
    assert "code" not in form.fields  # the code never changes
    form["is_active"] = False
    form["name_en"] = "ZTO"
    form.submit(headers=EN, status=303)
    saved = system.shipping.method("zto")
    assert not saved.is_active and saved.name_en == "ZTO" and saved.free_above == Decimal("59")
    assert len(saved.rules) == 2 and [r.code for r in saved.excluded_regions] == ["540000"]
    assert system.shipping.quote("110000", "110100", 1, Decimal(1)) == []
    (entry,) = [e for e in system._audit.entries(limit=10)
                if e.action == "shipping.method.update"]
    assert entry.actor_kind == "staff"
    assert entry.before == {"is_active": True, "name_en": "ZTO Express"}


def test_a_bad_edit_shows_the_line_and_changes_nothing(app, system, carrier):
    signed_in(app, system, ["administrator"])
    form = app.get("/admin/shipping-methods/zto", headers=EN).forms["shipping-method-form"]
    form["rules_text"] = "* 1000 8 1000 1.5\n* 1000 9 1000 1.5"
    form["name_en"] = "Changed"
    page = form.submit(headers=EN, status=400)
    assert page.html.select_one("[data-field=rules_text]").text.startswith("Line 2:")
    assert page.html.select_one("#method-code").text == "zto"
    assert system.shipping.method("zto") == carrier


def test_an_unknown_method_is_404(app, system):
    signed_in(app, system, ["administrator"])
    app.get("/admin/shipping-methods/nope", status=404)
    csrf = app.get("/admin/shipping-methods/new").forms["shipping-method-form"]["csrf_token"]
    app.post("/admin/shipping-methods/nope", {"csrf_token": csrf.value, "name_en": "x"},
             status=404)


@pytest.mark.parametrize("roles", [["customer_service"], ["merchandiser"], ["finance"]])
def test_staff_without_the_settings_permission_are_refused(app, system, carrier, roles):
    signed_in(app, system, roles)
    for url in ("/admin/shipping-methods", "/admin/shipping-methods/new",
                "/admin/shipping-methods/zto"):
        app.get(url, status=403)
    nav = app.get("/admin").html.select("#admin-nav a[data-area=admin_shipping_methods]")
    assert nav == []


def test_shoppers_and_visitors_are_sent_to_the_staff_login(app, system, carrier):
    assert "/admin/login" in app.get("/admin/shipping-methods", status=303).location
    sf.cookie(app, system, "customer", sf.customer(system))
    assert "/admin/login" in app.get("/admin/shipping-methods/zto", status=303).location
    app.post("/admin/shipping-methods/zto", {"name_en": "x"}, status="*")
    assert system.shipping.method("zto").name_en == "ZTO Express"


def test_posts_need_the_csrf_token(app, system, carrier):
    signed_in(app, system, ["administrator"])
    app.post("/admin/shipping-methods/zto", {"name_en": "Forged", "rules_text": "* 1 1 1 1"},
             status=400)
    app.post("/admin/shipping-methods/new", {"code": "forged", "name_zh": "x", "name_en": "x",
                                             "rules_text": "* 1 1 1 1"}, status=400)
    assert [m.code for m in system.shipping.methods()] == ["zto"]
    assert system.shipping.method("zto").name_en == "ZTO Express"


def test_the_list_costs_the_same_whatever_the_number_of_methods(app, system, queries):
    signed_in(app, system, ["administrator"])
    system.shipping.create_method({"code": "m0", "name_zh": "零", "name_en": "Zero",
                                   "rules_text": "* 1000 8 1000 1"})
    app.get("/admin/shipping-methods")
    queries.reset()
    app.get("/admin/shipping-methods")
    few = queries.count
    for i in range(1, 10):
        system.shipping.create_method({"code": f"m{i}", "name_zh": "多", "name_en": "More",
                                       "rules_text": "* 1000 8 1000 1\n650000 1000 9 1000 2",
                                       "excluded_regions": "540000"})
    system._session.flush()
    queries.reset()
    page = app.get("/admin/shipping-methods")
    assert len(page.html.select("tr.shipping-method")) == 10
    assert queries.count == few, queries.statements
