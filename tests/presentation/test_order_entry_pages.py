"""The order-entry pages: the orders list's header links, a phone order entered through the
form (and refused with field messages, nothing written), the zero-amount queue where the one
who entered an order cannot approve it, and the group-buy upload with its dry run. CSRF on
every POST."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shop.data.models import Order
from tests import staff_factories as sf
from tests.ordering_support import BEIJING, prepare_shop, sku_codes

EN = {"Accept-Language": "en"}
HEADER = ("external_id,platform,recipient,mobile,province,city,district,address,sku_code,"
          "quantity,paid_amount,paid_at")


@pytest.fixture
def skus(shop, clock, system):
    prepare_shop(system)
    clock.set(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    return sku_codes(system, stock=10, price="100.00")


def signed_in(app, system, roles=("customer_service",)):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def _orders(system):
    return system._session.scalar(select(func.count()).select_from(Order))


def _typed(form):
    form["recipient"], form["mobile"], form["street"] = "李四", "13900139000", "长安街 8 号"
    form["province"], form["city"], form["district"] = (BEIJING["province"], BEIJING["city"],
                                                        BEIJING["district"])


def test_the_orders_list_links_the_entry_pages(app, system, skus):
    signed_in(app, system)
    page = app.get("/admin/orders", headers=EN)
    assert page.html.select_one("#new-phone-order")["href"] == "/admin/orders/new"
    assert page.html.select_one("#import-group-buy")["href"] == "/admin/orders/import"
    assert page.html.select_one("#zero-amount-queue")["href"] == "/admin/orders/zero-amount"


def test_a_phone_order_for_a_new_customer_through_the_form(app, system, skus):
    signed_in(app, system)
    page = app.get("/admin/orders/new", {"customer": "13700137000"}, headers=EN)
    assert page.html.select_one("#no-customer") is not None
    form = page.forms["order-entry-form"]
    form["customer"], form["items"] = "13700137000", f"{skus[0]} 2"
    form["shipping_method"], form["payment_method"] = "express", "online"
    _typed(form)
    refused = form.submit(headers=EN, status=400)  # not asked to create the customer
    assert refused.html.select_one("[data-field=customer]") is not None
    assert _orders(system) == 0
    form = refused.forms["order-entry-form"]
    form["new_customer"] = True
    form["customer_name"] = "王五"
    done = form.submit(headers=EN, status=303)
    number = done.location.rsplit("/", 1)[-1].split("?")[0]
    order = system._session.scalar(select(Order).where(Order.number == number))
    assert (order.channel, order.payable, order.recipient) == ("phone", 200, "李四")
    # The customer is found now.
    found = app.get("/admin/orders/new", {"customer": "13700137000"}, headers=EN)
    assert found.html.select_one("#found-customer") is not None


def test_a_bad_typed_address_is_shown_on_its_field(app, system, skus):
    signed_in(app, system)
    form = app.get("/admin/orders/new", headers=EN).forms["order-entry-form"]
    form["customer"], form["new_customer"], form["customer_name"] = "13700137000", True, "王五"
    form["items"], form["shipping_method"] = f"{skus[0]} 1", "express"
    _typed(form)
    form["district"] = "999999"
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one("[data-field=district]") is not None
    assert _orders(system) == 0


def test_zero_amount_orders_need_a_second_person(app, system, skus):
    clerk = signed_in(app, system)
    form = app.get("/admin/orders/zero-amount/new", headers=EN).forms["order-entry-form"]
    form["customer"], form["new_customer"], form["customer_name"] = "13700137000", True, "王五"
    form["items"], form["shipping_method"] = f"{skus[0]} 1", "express"
    _typed(form)
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one("[data-field=reason]") is not None
    form = refused.forms["order-entry-form"]
    form["reason"] = "破损补发"
    detail = form.submit(headers=EN, status=303).follow(headers=EN)
    assert detail.html.select_one("#order-approval")["data-approval"] == "pending"
    assert "破损补发" in detail.html.select_one("#entry-reason").text
    assert f"staff:{clerk.username}" in detail.html.select_one("#order-channel").text
    queue = app.get("/admin/orders/zero-amount", headers=EN)
    row = queue.html.select_one("tr.approval-row")
    number = row["data-number"]
    assert row.select_one(".own-entry") is not None and row.select_one("form") is None
    # Posting anyway is refused by the application.
    csrf = app.get("/admin/orders/new", headers=EN).forms["order-entry-form"]["csrf_token"].value
    refused = app.post(f"/admin/orders/zero-amount/{number}",
                       {"csrf_token": csrf, "decision": "approve"}, headers=EN, status=403)
    assert refused.html.select_one(".decision-error") is not None
    app.post(f"/admin/orders/zero-amount/{number}", {"decision": "approve"}, status=400)
    # Another staff member approves it.
    app.reset()
    signed_in(app, system)
    queue = app.get("/admin/orders/zero-amount", headers=EN)
    form = queue.forms[f"decide-{number}"]
    form.submit("decision", value="approve", headers=EN, status=303)
    system._session.expire_all()
    order = system._session.scalar(select(Order).where(Order.number == number))
    assert order.approval == "approved" and order.entered_by == f"staff:{clerk.username}"


def test_group_buy_upload_with_a_dry_run(app, system, skus):
    signed_in(app, system)
    good = f"MT-1,美团,李四,13900139000,北京市,北京市,朝阳区,长安街 8 号,{skus[0]},1,79.90," \
           "2026-03-01 09:30:00"
    bad = "MT-2,美团,李四,123,北京市,北京市,朝阳区,长安街 8 号,NOPE,1,79.90,2026-03-01 09:30:00"
    content = "\n".join([HEADER, good, bad]).encode("utf-8-sig")
    page = app.get("/admin/orders/import", headers=EN)
    form = page.forms["import-form"]
    form["file"] = ("orders.csv", content, "text/csv")
    checked = form.submit(headers=EN)
    assert {(e["data-line"], e["data-field"]) for e in checked.html.select(".import-error")} == {
        ("3", "mobile"), ("3", "sku_code")}
    form = checked.forms["import-form"]
    form["file"] = ("orders.csv", content, "text/csv")
    form["dry_run"] = False
    refused = form.submit(headers=EN, status=400)
    assert {(e["data-line"], e["data-field"]) for e in refused.html.select(".import-error")} == {
        ("3", "mobile"), ("3", "sku_code")}
    assert _orders(system) == 0
    form = refused.forms["import-form"]
    form["file"] = ("orders.csv", "\n".join([HEADER, good]).encode(), "text/csv")
    form["dry_run"] = False
    made = form.submit(headers=EN)
    assert len(made.html.select("#import-orders li")) == 1 and _orders(system) == 1
    detail = app.get(made.html.select_one("#import-orders a")["href"], headers=EN)
    assert "MT-1" in detail.html.select_one("#order-channel").text
    assert detail.html.select_one(".tender-state")["data-state"] == "captured"
    form = made.forms["import-form"]
    form["file"] = ("orders.csv", "\n".join([HEADER, good]).encode(), "text/csv")
    form["dry_run"] = False
    again = form.submit(headers=EN)
    assert len(again.html.select(".import-duplicate")) == 1 and _orders(system) == 1


def test_staff_without_order_manage_cannot_enter(app, system, skus):
    signed_in(app, system, ["warehouse"])  # may view orders, not manage them
    for path in ("/admin/orders/new", "/admin/orders/import", "/admin/orders/zero-amount/new"):
        app.get(path, headers=EN, status=403)
    # The queue is open to read; its header has no entry links for them.
    assert app.get("/admin/orders/zero-amount", headers=EN).html.select_one(
        "#new-zero-amount") is None
    assert app.get("/admin/orders", headers=EN).html.select_one("#new-phone-order") is None


def test_a_group_buy_file_excel_saved_in_gb18030_is_read_and_a_binary_one_refused(app, system,
                                                                                    skus):
    """Read as the product import reads its CSV: UTF-8, else GB18030; never a 500."""
    signed_in(app, system)
    good = f"MT-1,美团,李四,13900139000,北京市,北京市,朝阳区,长安街 8 号,{skus[0]},1,79.90," \
           "2026-03-01 09:30:00"
    form = app.get("/admin/orders/import", headers=EN).forms["import-form"]
    form["file"] = ("orders.csv", "\n".join([HEADER, good]).encode("gb18030"), "text/csv")
    form["dry_run"] = False
    made = form.submit(headers=EN)
    assert len(made.html.select("#import-orders li")) == 1 and _orders(system) == 1
    form = made.forms["import-form"]
    form["file"] = ("orders.xls", b"\xd0\xcf\x11\xe0\x00\x00\xff\xfe", "application/octet-stream")
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one('[data-field="content"], .invalid-feedback') is not None
    assert _orders(system) == 1
