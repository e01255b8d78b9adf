"""The service center's pages and the RMA desk in the back office: a shopper asks with a photo and
sees the staff's message; customer service approves, receives, refunds through the forms; a
second click is a 409, not a second refund; other roles are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import staff_factories as sf
from tests.payments_support import wallet
from tests.rma_support import PNG, ask, sold, stock_up

EN = {"Accept-Language": "en"}


@pytest.fixture
def settings(settings, tmp_path):
    return {**settings, "shop.media.directory": str(tmp_path / "media")}


@pytest.fixture
def order(shop):
    return sold(shop, stock_up(shop))


def shopper_browser(app, system, order):
    sf.cookie(app, system, "customer", order.who.actor.id)


def test_a_shopper_asks_for_a_return_with_a_photo_and_follows_it(app, system, shop, order):
    shopper_browser(app, system, order)
    page = app.get(f"/orders/{order.number}", headers=EN)
    page = app.get(page.html.select_one("#after-sales")["href"], headers=EN)
    form = page.forms["rma-form"]
    form["kind"] = "return"
    form["reason"] = "no_reason"
    form[f"quantity-{order.lines[0]}"] = "1"
    form["description"] = "Too small"
    sent = form.submit(headers=EN, upload_files=[("photos", "p.png", PNG)]).follow(headers=EN)
    assert "customer service will answer" in sent.html.select_one("#service-notice").text
    assert sent.html.select_one("#rma-state")["data-state"] == "requested"
    photo = sent.html.select_one("#rma-photos img")["src"]
    served = app.get(photo)
    assert served.body == PNG and served.content_type == "image/png"
    center = app.get("/service", headers=EN)
    assert len(center.html.select(".my-request")) == 1


def test_a_photo_larger_than_other_forms_may_send_is_taken(app, system, shop, order):
    shopper_browser(app, system, order)
    form = app.get(f"/orders/{order.number}/after-sales", headers=EN).forms["rma-form"]
    form["kind"] = "return"
    form["reason"] = "no_reason"
    form[f"quantity-{order.lines[0]}"] = "1"
    photo = PNG + b"\0" * (2 * 1024 * 1024)  # 2 MiB: past the 1 MiB of any other form
    sent = form.submit(headers=EN, upload_files=[("photos", "big.png", photo)]).follow(
        headers=EN)
    assert app.get(sent.html.select_one("#rma-photos img")["src"]).body == photo


def test_the_form_names_the_policys_refusal(app, system, shop, order, clock):
    from datetime import timedelta
    clock.advance(timedelta(days=8))
    shopper_browser(app, system, order)
    form = app.get(f"/orders/{order.number}/after-sales", headers=EN).forms["rma-form"]
    form["kind"] = "return"
    form["reason"] = "no_reason"
    form[f"quantity-{order.lines[0]}"] = "1"
    refused = form.submit(headers=EN, status=400)
    assert "ended 7 days after delivery" in refused.html.select_one("#form-errors").text
    form = refused.forms["rma-form"]
    form["kind"] = "return"
    form["reason"] = "quality"
    form[f"quantity-{order.lines[0]}"] = "1"
    refused = form.submit(headers=EN, upload_files=[("photos", "x.png", b"not an image")],
                          status=400)
    assert "JPEG, PNG or WebP" in refused.html.select_one("#form-errors").text
    form = refused.forms["rma-form"]
    form["kind"] = "return"
    form["reason"] = "quality"
    form[f"quantity-{order.lines[0]}"] = "1"
    form.submit(headers=EN, upload_files=[("photos", "", b"")], status=303)


def test_another_shopper_gets_404(app, system, shop, order):
    made = ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 1},
               photos=(PNG,))
    with shop.transaction(order.who.actor) as tx:
        name = tx.rma.get(made.number).photos[0]
    other = sf.customer(system)
    sf.cookie(app, system, "customer", other)
    app.get(f"/service/rma/{made.number}", status=404)
    app.get(f"/service/rma/{made.number}/photos/{name}", status=404)
    app.get(f"/orders/{order.number}/after-sales", status=404)


def test_customer_service_handles_a_return_and_a_second_click_refunds_nothing(
        app, system, shop, order):
    made = ask(shop, order.who, order.number, "return", "damaged", {order.lines[1]: 1},
               photos=(PNG,))
    member = sf.staff(system, ["customer_service"])
    sf.cookie(app, system, "staff", member.id)
    queue = app.get("/admin/rma", headers=EN)
    assert [row["data-number"] for row in queue.html.select(".rma")] == [made.number]
    page = app.get(queue.html.select_one(".rma a")["href"], headers=EN)
    assert app.get(page.html.select_one("#rma-photos img")["src"]).body == PNG
    form = page.forms["rma-approve"]
    form["message"] = "Please send it back"
    page = form.submit("submit", headers=EN).follow(headers=EN)
    assert page.html.select_one("#rma-state")["data-state"] == "approved"
    form = page.forms["rma-receive"]
    form["rma-receive-disposition"] = "restock"
    page = form.submit("submit", headers=EN).follow(headers=EN)
    due = page.html.select_one("#rma-refund-due").text
    before = wallet(shop, order.who)[0]
    refund = page.forms["rma-refund"]
    page = refund.submit("submit", headers=EN).follow(headers=EN)
    assert page.html.select_one("#rma-state")["data-state"] == "refunded"
    assert page.html.select_one("#rma-refunded").text == due
    refunded = wallet(shop, order.who)[0] - before
    assert refunded == order.money[1][0] - order.money[1][1] > Decimal("0")
    again = refund.submit("submit", headers=EN, status=409)
    assert again.html.select_one("#rma-conflict")
    # The labels the read model carries come out in the reader's language.
    zh = app.get(queue.html.select_one(".rma a")["href"],
                 headers={"Accept-Language": "zh-CN"}).html
    assert zh.select_one("#rma-state").text == "已退款"
    assert zh.select_one("#rma-disposition").text == "重新上架（入库）"
    assert "退货退款" in zh.select_one("dl").text
    assert wallet(shop, order.who)[0] - before == refunded
    # The shopper reads the staff's message.
    sf.cookie(app, system, "customer", order.who.actor.id)
    center = app.get("/service", headers=EN)
    assert center.html.select_one(".staff-message").text == "Please send it back"


def test_an_exchange_sends_a_replacement_order_both_sides_can_open(app, system, shop, order):
    made = ask(shop, order.who, order.number, "exchange", "damaged", {order.lines[1]: 1})
    member = sf.staff(system, ["customer_service"])
    with shop.transaction(shop.system_actor("tests")) as tx:
        tx.rma.approve(made.number)
        tx.rma.receive(made.number, {"disposition": "write_off"})
    sf.cookie(app, system, "staff", member.id)
    page = app.get(f"/admin/rma/{made.number}", headers=EN)
    form = page.forms["rma-replace"]
    form["carrier"] = "SF"
    form["tracking_number"] = "SF9876543210"
    page = form.submit("submit", headers=EN).follow(headers=EN)
    assert page.html.select_one("#rma-state")["data-state"] == "replaced"
    link = page.html.select_one("#rma-replacement-order")
    number = link.text.strip()
    assert link["href"] == f"/admin/orders/{number}"
    assert number in app.get(link["href"], headers=EN).text
    again = form.submit("submit", headers=EN, status=409)  # a second click sends nothing
    assert again.html.select_one("#rma-conflict")
    sf.cookie(app, system, "customer", order.who.actor.id)
    mine = app.get(f"/service/rma/{made.number}", headers=EN).html
    assert mine.select_one("#rma-replacement-order").text.strip() == number
    app.get(mine.select_one("#rma-replacement-order")["href"], headers=EN, status=200)


def test_roles_without_the_rma_permission_see_no_steps_and_are_refused(
        app, system, shop, order):
    made = ask(shop, order.who, order.number, "return", "quality", {order.lines[0]: 1})
    member = sf.staff(system, ["warehouse"])
    sf.cookie(app, system, "staff", member.id)
    page = app.get(f"/admin/rma/{made.number}", headers=EN)
    assert page.html.select(".rma-step") == []
    token = app.get("/admin", headers=EN).forms["logout-form"]["csrf_token"].value
    app.post(f"/admin/rma/{made.number}/approve", {"csrf_token": token}, status=403)
    app.post("/admin/rma/policies", {"csrf_token": token}, status=403)


def test_policies_and_tickets_pages(app, system, shop, order):
    with shop.transaction(order.who.actor) as tx:
        ticket = tx.rma.submit_ticket({"kind": "suggestion", "subject": "Gift wrap",
                                       "body": "Please offer gift wrapping"})
    member = sf.staff(system, ["customer_service"])
    sf.cookie(app, system, "staff", member.id)
    page = app.get("/admin/rma/policies", headers=EN)
    form = page.forms["rma-policy"]
    form["no_reason_days"] = "0"
    form["return_days"] = "30"
    page = form.submit("submit", headers=EN).follow(headers=EN)
    assert len(page.html.select(".policy")) == 1
    tickets = app.get("/admin/rma/tickets", headers=EN)
    form = next(
        f for f in tickets.forms.values() if f.action.endswith(f"/{ticket.id}/answer"))
    form["answer"] = "Coming in spring"
    form.submit(headers=EN).follow(headers=EN)
    sf.cookie(app, system, "customer", order.who.actor.id)
    center = app.get("/service", headers=EN)
    assert center.html.select_one(".ticket-answer").text.startswith("Coming in spring")
