"""Finance's back-office pages: gift card batches (the PINs shown once, as a page and a CSV
file), payment alerts resolved, a shopper's balance topped up with a reason in the audit log;
each closed to staff without finance's permissions, and listed only for those who hold them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
import webtest
from sqlalchemy import func, select

from shop.data.models import GiftCard, PaymentAlert
from shop.data.repositories.payments import PaymentRepository
from tests import staff_factories as sf
from tests.shoppers import new_customer

EN = {"Accept-Language": "en"}
PAGES = ("/admin/gift-cards", "/admin/payments/alerts", "/admin/wallet/top-up")


def signed_in(app, system, roles):
    member = sf.staff(system, roles)
    sf.cookie(app, system, "staff", member.id)
    return member


def alert(system, kind="amount_mismatch", detail="paid 1.00, the payment was for 107.00"):
    PaymentRepository(system._session).add_alert(gateway="wechat", kind=kind,
                                                 out_trade_no="P123", detail=detail,
                                                 payload="{}")
    system._session.flush()  # the app reads it through its own session


def test_staff_without_finance_rights_are_refused_and_see_no_link(app, system):
    signed_in(app, system, ["merchandiser"])
    for path in PAGES:
        app.get(path, headers=EN, status=403)
    token = app.get("/admin", headers=EN).forms["logout-form"]["csrf_token"].value
    app.post("/admin/gift-cards", {"csrf_token": token, "name": "x", "value": "1",
                                   "quantity": "1", "expires_on": "2099-01-01"}, status=403)
    app.post("/admin/payments/alerts", {"csrf_token": token, "alert": "1"}, status=403)
    app.post("/admin/wallet/top-up", {"csrf_token": token, "customer": "1", "amount": "1",
                                      "reason": "x"}, status=403)
    areas = {a["data-area"] for a in app.get("/admin", headers=EN).html.select("#admin-nav a")}
    assert not areas & {"admin_gift_cards", "admin_payment_alerts", "admin_top_up"}


def test_finance_sees_its_areas(app, system):
    signed_in(app, system, ["finance"])
    areas = {a["data-area"] for a in app.get("/admin", headers=EN).html.select("#admin-nav a")}
    assert {"admin_gift_cards", "admin_payment_alerts", "admin_top_up"} <= areas
    for path in PAGES:
        assert app.get(path, headers=EN).headers["Cache-Control"] == "no-store"


def test_issuing_shows_the_codes_and_pins_once(app, system, shop):
    signed_in(app, system, ["finance"])
    form = app.get("/admin/gift-cards", headers=EN).forms["issue-form"]
    form["name"] = "春节礼品卡"
    form["value"] = "200"
    form["quantity"] = "3"
    form["expires_on"] = "2099-12-31"
    issued = form.submit(headers=EN, status=200)
    cards = [(row.select_one(".card-code").text.replace(" ", ""),
              row.select_one(".card-pin").text) for row in issued.html.select(".issued-card")]
    assert len(cards) == 3 and all(len(code) == 16 and len(pin) == 6 for code, pin in cards)
    assert issued.headers["Cache-Control"] == "no-store"
    link = issued.html.select_one("#download-csv")
    assert link["download"].endswith(".csv")
    prefix = "data:text/csv;charset=utf-8,"
    assert link["href"].startswith(prefix)
    rows = list(csv.reader(io.StringIO(unquote(link["href"][len(prefix):]).lstrip("\ufeff"))))
    assert rows[0] == ["code", "pin", "value", "expires_at"]
    assert [(code, pin) for code, pin, _value, _expires in rows[1:]] == cards
    assert {value for _code, _pin, value, _expires in rows[1:]} == {"200.00"}
    # Each card works with its PIN; the PINs are nowhere to be read again.
    with shop.transaction() as tx:
        assert tx._session.scalar(select(func.count()).select_from(GiftCard)) == 3
        stored = list(tx._session.scalars(select(GiftCard.pin_hash)))
    assert not any(pin in value for value in stored for _code, pin in cards)
    listing = app.get("/admin/gift-cards", headers=EN)
    [batch] = listing.html.select(".gift-card-batch")
    assert batch.select_one(".batch-name").text == "春节礼品卡"
    assert batch.select_one(".batch-quantity").text == "3"
    assert not any(pin in listing.text for _code, pin in cards)
    assert not any(code in listing.text for code, _pin in cards)


def test_a_bad_batch_is_named_and_issues_nothing(app, system, shop):
    signed_in(app, system, ["finance"])
    form = app.get("/admin/gift-cards", headers=EN).forms["issue-form"]
    form["name"] = "Too many"
    form["value"] = "-1"
    form["quantity"] = "999999"
    form["expires_on"] = "2000-01-01"
    refused = form.submit(headers=EN, status=400)
    fields = {e["data-field"] for e in refused.html.select(".invalid-feedback")}
    assert {"value", "quantity"} <= fields
    assert refused.forms["issue-form"]["name"].value == "Too many"
    with shop.transaction() as tx:
        assert tx._session.scalar(select(func.count()).select_from(GiftCard)) == 0


def test_viewing_without_managing_shows_no_issue_form(app, system):
    system.roles.create_role({"code": "auditor", "name_zh": "审计", "name_en": "Auditor",
                              "permissions": ["admin:dashboard:view", "finance:ledger:view"]})
    signed_in(app, system, ["auditor"])
    page = app.get("/admin/gift-cards", headers=EN)
    assert "issue-form" not in page.forms
    app.get("/admin/wallet/top-up", headers=EN, status=403)
    alert(system)
    assert app.get("/admin/payments/alerts", headers=EN).html.select(".resolve-form") == []


def test_alerts_are_listed_and_resolved(app, system):
    signed_in(app, system, ["finance"])
    alert(system, "bad_signature", "signature")
    alert(system)
    page = app.get("/admin/payments/alerts", headers=EN)
    rows = page.html.select(".payment-alert")
    assert [row["data-kind"] for row in rows] == ["amount_mismatch", "bad_signature"]
    form = next(f for f in page.forms.values() if f.id is None and "alert" in f.fields)
    done = form.submit(headers=EN, status=303).follow(headers=EN)
    assert done.html.select_one("#alert-resolved") is not None
    assert [row["data-kind"] for row in done.html.select(".payment-alert")] == ["bad_signature"]
    assert done.html.select_one("#all-alerts")["href"] == "/admin/payments/alerts?all=1"
    every = app.get("/admin/payments/alerts?all=1", headers=EN)
    resolved = every.html.select_one('.payment-alert[data-kind="amount_mismatch"]')
    assert resolved.select_one(".alert-done") is not None
    token = form["csrf_token"].value
    app.post("/admin/payments/alerts", {"csrf_token": token, "alert": rows[0]["data-id"]},
             status=404)  # resolved already
    for bad in ("x", "9" * 30, ""):
        app.post("/admin/payments/alerts", {"csrf_token": token, "alert": bad}, status=404)
    app.get("/admin/payments/alerts?before=x", status=404)
    with system.shop.transaction() as tx:
        assert tx._session.scalar(select(func.count()).select_from(PaymentAlert)
                                  .where(PaymentAlert.resolved_at.is_(None))) == 1


def test_a_top_up_is_made_once_and_audited(app, system, shop):
    member = signed_in(app, system, ["finance"])
    customer = new_customer(shop)
    form = app.get("/admin/wallet/top-up", headers=EN).forms["top-up-form"]
    form["customer"] = str(customer)
    form["amount"] = "88.80"
    form["reason"] = "补偿: 快递延误"
    done = form.submit(headers=EN, status=303)
    assert done.location.endswith(f"/admin/wallet/top-up?done={customer}")
    assert done.follow(headers=EN).html.select_one("#topped-up") is not None
    with shop.transaction() as tx:
        actor = tx.accounts.actor_for(customer)
    with shop.transaction(actor) as tx:
        assert tx.wallet.mine().balance == Decimal("88.80")
    administrator = webtest.TestApp(app.app, extra_environ={"HTTP_HOST": "localhost"})
    signed_in(administrator, system, ["administrator"])
    audit = administrator.get("/admin/audit?action=payments.balance", headers=EN)
    assert member.username in audit.text and "补偿: 快递延误" in audit.text


@pytest.mark.parametrize(("customer", "amount", "reason", "field"), [
    ("", "10", "x", "customer"), ("abc", "10", "x", "customer"),
    ("9" * 30, "10", "x", "customer"), ("999999", "10", "x", "customer"),
    ("CUSTOMER", "-5", "x", "amount"), ("CUSTOMER", "10", "", "reason"),
])
def test_a_bad_top_up_is_named(app, system, shop, customer, amount, reason, field):
    signed_in(app, system, ["finance"])
    customer = customer.replace("CUSTOMER", str(new_customer(shop)))
    form = app.get("/admin/wallet/top-up", headers=EN).forms["top-up-form"]
    form["customer"], form["amount"], form["reason"] = customer, amount, reason
    refused = form.submit(headers=EN, status=400)
    assert refused.html.select_one(f'.invalid-feedback[data-field="{field}"]') is not None
