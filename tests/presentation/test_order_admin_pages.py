"""The order desk's pages: the list with its filters and next link, the CSV and XLSX exports,
one order with its forms (ship, flag, note), refusals with field messages, 403 for staff
without the order permission, the side navigation and the dashboard's link."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from shop.application.ordering import desk
from tests import staff_factories as sf
from tests.ordering_support import BEIJING, buyer, place, prepare_shop, sku_codes

EN = {"Accept-Language": "en"}
LIST = "/admin/orders"


@pytest.fixture
def orders(shop, clock, system):
    prepare_shop(system)
    skus = sku_codes(system, stock=50, price="100.00")
    shop.settings["shop.payment.cod.provinces"] = BEIJING["province"]
    clock.set(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    who = buyer(shop)
    with shop.transaction(who.actor) as tx:
        hostile = tx.addresses.add({"recipient": "=HYPERLINK(\"x\")", "mobile": "13900139000",
                                    "street": "+1 路", **BEIJING})
    placed = []
    for n in range(1, 4):
        form = {"payment_method": "cod"} if n == 2 else {}
        if n == 3:
            form["address"] = str(hostile.id)
        placed.append(place(shop, who, {skus[0]: n}, **form).number)
        clock.advance(days=1)
    return placed


def signed_in(app, system, roles=("customer_service",)):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def _numbers(page):
    return [row["data-number"] for row in page.html.select("tr.order-row")]


def test_the_list_filters_and_pages(app, system, orders, monkeypatch):
    signed_in(app, system)
    page = app.get(LIST, headers=EN)
    assert _numbers(page) == orders[::-1]
    assert page.html.select_one("#admin-nav a[data-area=admin_orders]") is not None
    assert _numbers(app.get(LIST, {"state": "awaiting_shipment"}, headers=EN)) == [orders[1]]
    monkeypatch.setattr(desk, "PAGE_SIZE", 2)
    first = app.get(LIST, {"sort": "oldest"}, headers=EN)
    assert _numbers(first) == orders[:2]
    second = app.get(first.html.select_one("#next-page")["href"], headers=EN)
    assert _numbers(second) == orders[2:] and second.html.select_one("#next-page") is None


def test_a_bad_filter_is_shown_on_its_field(app, system, orders):
    signed_in(app, system)
    for params, field in (({"min_payable": "abc", "state": "lost"}, {"min_payable", "state"}),
                          ({"q": "hello"}, {"q"})):
        page = app.get(LIST, params, headers=EN, status=400)
        assert {e["data-field"] for e in page.html.select(".invalid-feedback")} == field
    app.get(f"{LIST}/export.csv", {"since": "nope"}, headers=EN, status=400)


def test_the_dashboard_links_the_awaiting_shipment_queue(app, system, orders):
    signed_in(app, system, ["administrator"])
    page = app.get("/admin", headers=EN)
    assert f"{LIST}?state=awaiting_shipment" in page.text


def test_csv_export_defuses_formulas(app, system, orders):
    signed_in(app, system)
    response = app.get(f"{LIST}/export.csv", {"sort": "oldest"}, headers=EN)
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Order number" and [r[0] for r in rows[1:]] == orders
    assert rows[3][10] == "'=HYPERLINK(\"x\")" and rows[3][12].endswith("+1 路")
    assert rows[1][9] == "112.00"


def test_xlsx_export_writes_text_never_formulas(app, system, orders):
    signed_in(app, system)
    response = app.get(f"{LIST}/export.xlsx", {"state": "awaiting_payment"}, headers=EN)
    assert response.content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.body), read_only=True).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [r[0] for r in rows[1:]] == [orders[2], orders[0]]
    assert rows[1][10] == "'=HYPERLINK(\"x\")"
    for row in list(sheet.iter_rows())[1:]:
        for n, cell in enumerate(row):
            if cell.value is not None:  # text, never a formula; the amounts numbers
                assert cell.data_type == ("n" if n in range(5, 10) else "s"), (n, cell.value)
    assert rows[1][9] == 300 and rows[2][9] == 112  # amounts are numbers


def test_the_order_page_and_its_forms(app, system, orders):
    signed_in(app, system)
    number = orders[1]
    page = app.get(f"{LIST}/{number}", headers=EN)
    assert page.html.select_one("#order-state")["data-state"] == "awaiting_shipment"
    assert [s["data-state"] for s in page.html.select(".order-step")] == ["awaiting_shipment"]
    form = page.forms["flag-form"]
    form["kind"] = "custom"
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one("#error-flag-form-text") is not None
    form = refused.forms["flag-form"]
    form["kind"], form["text"] = "custom", "待补发"
    page = form.submit(headers=EN, status=303).follow(headers=EN)
    assert [f.text for f in page.html.select("#order-flags .badge")] == ["待补发"]
    form = page.forms["note-form"]
    form["text"] = "周末送货"
    page = form.submit(headers=EN, status=303).follow(headers=EN)
    assert "周末送货" in page.html.select_one("#order-notes").text
    form = page.forms["ship-form"]
    form["carrier"] = "SF"
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one("#error-ship-form-tracking_number") is not None
    form = refused.forms["ship-form"]
    form["carrier"], form["tracking_number"] = "SF", "SF1234567890"
    page = form.submit(headers=EN, status=303).follow(headers=EN)
    assert page.html.select_one("#order-state")["data-state"] == "shipped"
    assert page.html.select_one("#ship-section") is None
    unflag = page.html.select_one("#order-flags form")
    app.post(unflag["action"], {"csrf_token": page.forms["note-form"]["csrf_token"].value},
             status=303)
    assert app.get(f"{LIST}/{number}", headers=EN).html.select("#order-flags .badge") == []


def test_viewers_see_no_forms_and_may_not_post(app, system, orders):
    signed_in(app, system, ["warehouse"])
    page = app.get(f"{LIST}/{orders[1]}", headers=EN)
    assert "flag-form" not in page.forms and "ship-form" not in page.forms
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    app.post(f"{LIST}/{orders[1]}/flags", {"csrf_token": csrf, "kind": "vip"}, status=403)


@pytest.mark.parametrize("roles", [["merchandiser"], ["marketing"]])
def test_staff_without_the_order_permission_are_refused(app, system, orders, roles):
    signed_in(app, system, roles)
    for url in (LIST, f"{LIST}/export.csv", f"{LIST}/export.xlsx", f"{LIST}/{orders[0]}"):
        app.get(url, status=403)
    csrf = app.get("/admin/login").forms["login-form"]["csrf_token"].value
    for action in ("flags", "notes", "ship", "review"):
        app.post(f"{LIST}/{orders[0]}/{action}", {"csrf_token": csrf}, status=403)


def test_an_unknown_order_is_not_found(app, system, orders):
    signed_in(app, system)
    app.get(f"{LIST}/{'1' * 20}", status=404)
    app.get(LIST, {"after": "1" * 20}, status=404)


def test_the_list_costs_a_bounded_number_of_queries(app, system, orders, queries):
    signed_in(app, system)
    app.get(LIST, headers=EN)
    queries.reset()
    app.get(LIST, headers=EN)
    few = queries.count
    with system.shop.transaction(system.shop.system_actor("tests")) as tx:
        for number in orders:
            tx.order_desk.flag(number, {"kind": "vip"})
    queries.reset()
    app.get(LIST, headers=EN)
    assert queries.count == few


def test_review_rules_page_and_the_review_form(app, shop, system, orders):
    signed_in(app, system, ["administrator"])
    form = app.get(f"{LIST}/review-rules", headers=EN).forms["review-rules-form"]
    form["enabled"] = True
    form["max_payable"] = "abc"
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one("#error-review-rules-form-max_payable") is not None
    form = refused.forms["review-rules-form"]
    form["enabled"], form["max_payable"] = True, "100.00"
    form.submit(headers=EN, status=303)
    with shop.transaction(shop.system_actor("payments")) as tx:
        tx.orders.mark_paid(orders[0], "test")
    page = app.get(f"{LIST}/{orders[0]}", headers=EN)
    assert page.html.select_one("#order-review")["data-review"] == "pending"
    assert page.html.select_one("#ship-section") is None
    assert "¥100.00" in page.html.select_one("#review-reasons").text
    queue = app.get(LIST, {"review": "queue"}, headers=EN)
    assert _numbers(queue) == [orders[0]]
    form = page.forms["review-form"]
    form["review-form-decision"] = "reject"
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one("#error-review-form-note") is not None
    form = refused.forms["review-form"]
    form["review-form-decision"], form["note"] = "approve", "核实无误"
    page = form.submit(headers=EN, status=303).follow(headers=EN)
    assert page.html.select_one("#order-review")["data-review"] == "approved"
    assert page.html.select_one("#ship-section") is not None


def test_customer_service_may_not_open_the_review_rules(app, system, orders):
    signed_in(app, system)
    app.get(f"{LIST}/review-rules", status=403)
