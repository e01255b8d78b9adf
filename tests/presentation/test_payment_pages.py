"""The payment page (收银台) and the gateways' callbacks, through the real app: an order paid
wholly by the balance, a gift card's code and PIN, or points; a refused means named at its field
with nothing held; the gateway's next step (a code to scan, a redirect, a form to post) and its
signed notification and return; and nobody else's order reached.

The gateway here is a small one of these tests' own (``SignedGateway``): it implements the port
and signs its notifications with an HMAC over the body, so that the routes can be driven
without any real gateway's protocol.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select

from shop.application.payments.gateways.http import header
from shop.application.payments.gateways.installments import InstallmentPlan, plans
from shop.application.payments.gateways.port import (
    Acknowledgement,
    BadNotification,
    GatewayUnavailable,
    HttpRequest,
    NextStep,
    Notification,
    PayRequest,
    RefundOutcome,
    RefundRequest,
    StatementLine,
    TradeStatus,
)
from shop.data.models import PaymentAlert
from tests.payments_support import gift_card, grant_points, top_up, wallet
from tests.presentation.conftest import another_browser
from tests.presentation.ordering_pages import add, item, place_to_pay, ready, signed_in
from tests.shoppers import log_in

KEY = b"test-gateway-key"
PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}


def sign(data: bytes) -> str:
    return hmac.new(KEY, data, hashlib.sha256).hexdigest()


class SignedGateway:
    """A gateway for these tests: its next step is ``kind``; a notification is JSON signed in
    ``X-Signature``; a return carries ``out_trade_no`` and its ``sign`` in the query."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        self.started: list[PayRequest] = []
        self.paid: dict[str, Decimal] = {}
        self.down = False

    def installment_plans(self, amount: Decimal) -> list[InstallmentPlan]:
        return plans(amount, 0) if self.name == "alipay" else []

    def start(self, request: PayRequest) -> NextStep:
        if self.down:
            raise GatewayUnavailable("connection refused")
        self.started.append(request)
        if self.kind == "qr":
            return NextStep("qr", qr_text=f"weixin://wxpay/bizpayurl?pr={request.out_trade_no}")
        fields = {"out_trade_no": request.out_trade_no, "amount": f"{request.amount:.2f}"}
        if self.kind == "post_form":
            return NextStep("post_form", url="https://pay.example/gateway",
                            fields={**fields, "sign": sign(json.dumps(fields).encode())})
        return NextStep("redirect", url=f"https://pay.example/pay?t={request.out_trade_no}")

    def verify_notification(self, request: HttpRequest) -> Notification:
        if not hmac.compare_digest(header(request.headers, "X-Signature"), sign(request.body)):
            raise BadNotification("signature")
        note = json.loads(request.body)
        return Notification(self.name, note["id"], note["kind"], note["out_trade_no"],
                            note["trade_no"], Decimal(note["amount"]), None, raw=note)

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        return Acknowledgement(200 if accepted else 400, "application/json",
                               b'{"code":"SUCCESS"}' if accepted else b'{"code":"FAIL"}')

    def verify_return(self, request: HttpRequest) -> str:
        trade = request.query.get("out_trade_no", "")
        if not hmac.compare_digest(request.query.get("sign", ""), sign(trade.encode())):
            raise BadNotification("signature")
        return trade

    def query(self, out_trade_no: str) -> TradeStatus:
        if out_trade_no in self.paid:
            return TradeStatus("paid", out_trade_no, "T" + out_trade_no,
                               self.paid[out_trade_no])
        return TradeStatus("unpaid", out_trade_no)

    def close(self, out_trade_no: str) -> None:
        pass

    def refund(self, request: RefundRequest) -> RefundOutcome:
        raise GatewayUnavailable("no refunds in these tests")

    def statement(self, day: date) -> list[StatementLine]:
        return []


@pytest.fixture
def settings(settings):
    return {**settings, "shop.points.max_share": "1"}  # points may pay a whole order


@pytest.fixture
def gateways(shop):
    shop.gateways.update({"wechat": SignedGateway("wechat", "qr"),
                          "alipay": SignedGateway("alipay", "redirect"),
                          "unionpay": SignedGateway("unionpay", "post_form")})
    return shop.gateways


@pytest.fixture
def to_pay(shop, system, web):
    """A signed-in shopper and the payment page of their new order of ¥107.00 (a shirt)."""
    who, shirt = ready(shop, system, web)
    add(web, shirt)
    page = place_to_pay(web)
    return who, page.request.path.split("/")[2], page


def notification(number, amount, event="E1", kind="paid"):
    body = json.dumps({"id": event, "kind": kind, "out_trade_no": number,
                       "trade_no": "T" + number, "amount": amount}).encode()
    return body, {"Content-Type": "application/json", "X-Signature": sign(body)}


def test_an_order_is_paid_wholly_by_the_balance(shop, web, to_pay):
    who, number, page = to_pay
    top_up(shop, who, "200.00")
    page = web.get(f"/orders/{number}/pay")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.html.select_one("#balance-available").text.endswith("¥200.00")
    form = page.forms["pay-form"]
    form["balance"] = "107.00"
    paid = form.submit(status=303)
    assert paid.location.endswith(f"/orders/{number}?done=paid")
    shown = paid.follow()
    assert shown.html.select_one("#order-notice") is not None
    assert shown.html.select_one(".order-state")["data-state"] == "awaiting_shipment"
    assert "pay-order" not in {a.get("id") for a in shown.html.select("a")}
    assert wallet(shop, who)[0] == Decimal("93.00")
    again = web.get(f"/orders/{number}/pay")
    assert "pay-form" not in again.forms and again.html.select_one("#not-payable")
    assert [(t["data-method"], t["data-state"]) for t in again.html.select(".tender")] == [
        ("balance", "captured")]


def test_an_order_is_paid_by_a_gift_cards_code_and_pin(shop, system, web, to_pay):
    who, _number, page = to_pay
    card = gift_card(shop, "150.00")
    form = page.forms["pay-form"]
    form["gift_card_code"] = "-".join(re.findall("....", card.code)).lower()  # as typed
    form["gift_card_pin"] = card.pin
    assert form.submit(status=303).location.endswith("?done=paid")
    assert wallet(shop, who)[2] == [Decimal("43.00")]
    # The card is the shopper's now: the next order offers it by its masked code.
    add(web, item(system))
    form = place_to_pay(web).forms["pay-form"]
    assert form["gift_card"].options[1][0] != ""
    form["gift_card"] = form["gift_card"].options[1][0]
    assert form.submit(status=303).location.endswith("/pay?done=held")  # ¥43.00 of it
    assert wallet(shop, who)[2] == [Decimal("0.00")]


def test_an_order_is_paid_by_points_and_their_worth_is_shown(shop, web, to_pay):
    who, number, _page = to_pay
    grant_points(shop, who, 20000)
    page = web.get(f"/orders/{number}/pay")
    usable = page.html.select_one("#points-usable").text
    assert "20000" in usable and "10700" in usable and "¥107.00" in usable
    form = page.forms["pay-form"]
    form["points"] = "10700"
    assert form.submit(status=303).location.endswith("?done=paid")
    assert wallet(shop, who)[1] == 20000 - 10700


def test_a_refused_means_is_named_and_nothing_is_held(shop, web, to_pay):
    who, number, page = to_pay
    top_up(shop, who, "50.00")
    card = gift_card(shop, "30.00")
    page = web.get(f"/orders/{number}/pay")
    form = page.forms["pay-form"]
    form["gift_card_code"] = card.code
    form["gift_card_pin"] = card.pin
    form["balance"] = "60.00"  # 50.00 on the balance
    refused = form.submit(status=400)
    assert refused.html.select_one("#balance-error") is not None
    assert refused.forms["pay-form"]["balance"].value == "60.00"
    assert refused.forms["pay-form"]["gift_card_pin"].value == ""  # a PIN is never echoed
    assert wallet(shop, who) == (Decimal("50.00"), 0, [])  # the card was not even bound
    assert refused.html.select(".tender") == []
    assert refused.html.select_one("#pay-due").text == "¥107.00"

    form = refused.forms["pay-form"]
    form["balance"] = ""
    form["gift_card_pin"] = "000000" if card.pin != "000000" else "111111"
    wrong = form.submit(status=400)
    assert wrong.html.select_one("#gift_card_code-error") is not None


def test_internal_means_that_leave_something_due_are_held_and_shown(shop, web, to_pay):
    who, number, _page = to_pay
    top_up(shop, who, "40.00")
    form = web.get(f"/orders/{number}/pay").forms["pay-form"]
    form["balance"] = "40.00"  # no gateway is offered: pay the rest later
    held = form.submit(status=303)
    assert held.location.endswith(f"/orders/{number}/pay?done=held")
    shown = held.follow()
    assert shown.html.select_one("#pay-notice") is not None
    assert shown.html.select_one("#pay-due").text == "¥67.00"
    assert [(t["data-method"], t["data-state"]) for t in shown.html.select(".tender")] == [
        ("balance", "held")]


def test_another_shoppers_order_is_not_found(shop, system, web, to_pay, gateways):
    _who, number, _page = to_pay
    stranger = another_browser(web)
    signed_in(shop, stranger)
    token = stranger.get("/orders").forms["language-form"]["csrf_token"].value
    stranger.get(f"/orders/{number}/pay", status=404)
    stranger.post(f"/orders/{number}/pay", {"csrf_token": token, "balance": "1.00"},
                  status=404)
    stranger.get(f"/orders/{number}/pay/qr?payment=x", status=404)
    stranger.get(f"/orders/{number}/pay/status", status=404)
    assert "/login" in another_browser(web).get(f"/orders/{number}/pay", status=303).location


def test_paying_needs_the_forms_csrf_token(shop, web, to_pay):
    who, number, _page = to_pay
    top_up(shop, who, "200.00")
    web.post(f"/orders/{number}/pay", {"balance": "107.00"}, status=400)
    assert wallet(shop, who)[0] == Decimal("200.00")


def test_the_status_says_what_is_due_and_when_it_is_paid(shop, web, to_pay):
    who, number, _page = to_pay
    status = web.get(f"/orders/{number}/pay/status")
    assert status.content_type == "application/json"
    assert status.json == {"paid": False, "state": "awaiting_payment", "due": "107.00"}
    top_up(shop, who, "107.00")
    form = web.get(f"/orders/{number}/pay").forms["pay-form"]
    form["balance"] = "107.00"
    form.submit(status=303)
    assert web.get(f"/orders/{number}/pay/status").json == {
        "paid": True, "state": "awaiting_shipment", "due": "0.00"}


def test_the_order_pages_lead_to_the_payment_page(web, to_pay):
    _who, number, _page = to_pay
    assert web.get(f"/orders/{number}").html.select_one("#pay-order")["href"] \
        == f"/orders/{number}/pay"
    card = web.get("/orders").html.select_one(f'.order-card[data-number="{number}"]')
    assert card.select_one(".pay-order")["href"] == f"/orders/{number}/pay"


# -- gateways --------------------------------------------------------------------------------


def test_only_the_configured_gateways_are_offered(shop, web, to_pay, gateways):
    _who, number, _page = to_pay
    page = web.get(f"/orders/{number}/pay")
    assert [c["data-gateway"] for c in page.html.select(".gateway-choice")] == [
        "alipay", "wechat", "unionpay"]
    assert page.html.select_one('.gateway-choice[data-gateway="alipay"] #installments')
    del gateways["unionpay"]
    page = web.get(f"/orders/{number}/pay")
    assert "unionpay" not in {c["data-gateway"] for c in page.html.select(".gateway-choice")}
    assert "'self' https:" in page.headers["Content-Security-Policy"]  # off to the gateway


def test_a_code_to_scan_is_shown_and_the_notification_pays_the_order(shop, web, to_pay,
                                                                     gateways):
    _who, number, _page = to_pay
    form = web.get(f"/orders/{number}/pay").forms["pay-form"]
    form["gateway"] = "wechat"
    form["installments"] = "6"  # belongs to Alipay: not sent with WeChat Pay
    answer = form.submit(status=303).follow(status=303)  # via /pay/go, after the commit
    [started] = gateways["wechat"].started
    assert (started.device, started.installments, started.amount) == ("desktop", 0,
                                                                       Decimal("107.00"))
    payment = started.out_trade_no
    assert answer.location.endswith(f"/orders/{number}/pay/qr?payment={payment}")
    assert "weixin" not in answer.location
    qr = answer.follow()
    assert qr.html.select_one("#qr-code svg") is not None
    assert qr.html.select_one("#payment-code")["data-status-url"] == \
        f"/orders/{number}/pay/status"
    assert "weixin" not in qr.text  # drawn as a code, not written out
    assert qr.html.select_one("#have-paid") is not None
    # Nothing paid yet: "I have paid" says so.
    assert qr.click(linkid="have-paid").html.select_one("#not-paid-yet") is not None

    body, headers = notification(payment, "107.00")
    ack = web.post("/payments/wechat/notify", body, headers=headers)
    assert (ack.status_int, ack.content_type, ack.body) == (200, "application/json",
                                                           b'{"code":"SUCCESS"}')
    assert web.get(f"/orders/{number}/pay/status").json["paid"] is True
    done = web.get(qr.request.path_qs, status=303)
    assert done.location.endswith(f"/orders/{number}?done=paid")
    assert web.post("/payments/wechat/notify", body, headers=headers).body == \
        b'{"code":"SUCCESS"}'  # the same notification again: the same answer


def test_the_code_is_shown_only_to_the_browser_it_was_made_for(shop, web, to_pay, gateways):
    who, number, _page = to_pay
    form = web.get(f"/orders/{number}/pay").forms["pay-form"]
    form["gateway"] = "wechat"
    url = form.submit(status=303).follow(status=303).location
    [payment] = [p.out_trade_no for p in gateways["wechat"].started]
    other = another_browser(web)  # the same shopper on another device
    log_in(shop, other, who.actor.id)
    assert other.get(url).html.select_one("#qr-gone") is not None
    cookie = next(c for c in web.cookiejar if c.name == "shop_pay_code")
    value, _dot, signature = cookie.value.partition(".")
    web.set_cookie("shop_pay_code", f"{value}.{'0' * len(signature)}")  # forged
    assert web.get(url).html.select_one("#qr-gone") is not None
    assert web.get(f"/orders/{number}/pay/qr?payment={payment}x").html.select_one("#qr-gone")


def test_a_phone_is_sent_to_the_gateways_mobile_page(shop, web, to_pay, gateways):
    _who, number, _page = to_pay
    form = web.get(f"/orders/{number}/pay", headers=PHONE).forms["pay-form"]
    form["gateway"] = "alipay"
    form["installments"] = "6"
    answer = form.submit(headers=PHONE, status=303).follow(headers=PHONE, status=303)
    [started] = gateways["alipay"].started
    assert (started.device, started.installments) == ("mobile", 6)
    assert answer.location == f"https://pay.example/pay?t={started.out_trade_no}"


def test_a_gateway_form_is_posted_on_to_the_gateway(shop, web, to_pay, gateways):
    _who, number, _page = to_pay
    form = web.get(f"/orders/{number}/pay").forms["pay-form"]
    form["gateway"] = "unionpay"
    page = form.submit(status=303).follow(status=200)
    gateway_form = page.forms["gateway-form"]
    assert gateway_form.action == "https://pay.example/gateway"
    assert gateway_form.method.upper() == "POST"
    assert gateway_form["out_trade_no"].value == gateways["unionpay"].started[0].out_trade_no
    assert gateway_form["amount"].value == "107.00" and gateway_form["sign"].value
    assert page.html.select_one("#gateway-continue") is not None  # without JavaScript
    assert "form-action 'self' https://pay.example;" in page.headers["Content-Security-Policy"]


def test_an_unreachable_gateway_charges_nothing_and_says_so(shop, web, to_pay, gateways):
    who, number, _page = to_pay
    top_up(shop, who, "50.00")
    gateways["wechat"].down = True
    form = web.get(f"/orders/{number}/pay").forms["pay-form"]
    form["balance"] = "50.00"
    form["gateway"] = "wechat"
    go = form.submit(status=303)
    refused = go.follow(status=503)
    assert "could not be reached" in refused.html.select_one("#pay-conflict").text
    # What the shopper set aside stays set aside for this order, shown; the order stays payable.
    assert [t["data-method"] for t in refused.html.select(".tender")] == ["balance", "wechat"]
    assert wallet(shop, who)[0] == Decimal("0.00")
    gateways["wechat"].down = False
    go.follow(status=303)  # the same trade, started once it can be reached
    assert len({p.out_trade_no for p in gateways["wechat"].started}) == 1


def test_notifications_of_unknown_gateways_or_bad_signatures_credit_nothing(shop, web, to_pay,
                                                                             gateways):
    _who, number, _page = to_pay
    form = web.get(f"/orders/{number}/pay").forms["pay-form"]
    form["gateway"] = "wechat"
    form.submit(status=303).follow(status=303)
    payment = gateways["wechat"].started[0].out_trade_no
    body, headers = notification(payment, "107.00")
    web.post("/payments/paypal/notify", body, headers=headers, status=404)
    tampered = body.replace(b"107.00", b"1.00")
    refused = web.post("/payments/wechat/notify", tampered, headers=headers, status=400)
    assert refused.body == b'{"code":"FAIL"}'
    assert web.get(f"/orders/{number}/pay/status").json["paid"] is False
    with shop.transaction() as tx:
        assert tx._session.scalar(select(func.count()).select_from(PaymentAlert)
                                  .where(PaymentAlert.kind == "bad_signature")) == 1


def test_the_return_goes_to_the_order_and_settles_what_the_gateway_reports(shop, web, to_pay,
                                                                           gateways):
    _who, number, _page = to_pay
    form = web.get(f"/orders/{number}/pay").forms["pay-form"]
    form["gateway"] = "alipay"
    form.submit(status=303).follow(status=303)
    [started] = gateways["alipay"].started
    payment = started.out_trade_no
    # The browser comes back to the return URL the shop gave, with the gateway's own signed
    # parameters added (as Alipay adds out_trade_no and its sign).
    back_to = urlsplit(started.return_url)
    assert back_to.path == "/payments/alipay/return"
    query = {**dict(parse_qsl(back_to.query)), "out_trade_no": payment,
             "sign": sign(payment.encode())}
    # Not paid yet: back to the order, still awaiting payment.
    back = web.get("/payments/alipay/return", query, status=303)
    assert back.location.endswith(f"/orders/{number}")
    assert web.get(f"/orders/{number}/pay/status").json["paid"] is False
    # Paid at the gateway; the browser comes back without the shop's cookie (a POST from the
    # gateway's site): to the order page all the same, and the payment is settled.
    gateways["alipay"].paid[payment] = Decimal("107.00")
    cookieless = another_browser(web)
    back = cookieless.post("/payments/alipay/return?" + "&".join(
        f"{k}={v}" for k, v in query.items()), status=303)
    assert back.location.endswith(f"/orders/{number}")
    assert web.get(f"/orders/{number}/pay/status").json["paid"] is True
    web.get("/payments/alipay/return", {**query, "sign": "0" * 64}, status=404)
    web.get("/payments/paypal/return", query, status=404)


@pytest.mark.parametrize("field", ["gift_card", "points", "balance", "installments"])
def test_numbers_no_means_can_hold_are_refused_at_their_field(shop, web, to_pay, gateways, field):
    who, number, page = to_pay
    top_up(shop, who, "10.00")
    grant_points(shop, who, 100)
    card = gift_card(shop, "10.00")
    with shop.transaction(who.actor) as tx:
        tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin})
    token = page.forms["pay-form"]["csrf_token"].value
    refused = web.post(f"/orders/{number}/pay", {"csrf_token": token, field: "9" * 30,
                                                 "gateway": "alipay"}, status=400)
    assert refused.html.select_one(f'.field-error[data-field="{field}"]') is not None
    assert web.get(f"/orders/{number}/pay/status").json["due"] == "107.00"


def test_the_page_costs_the_same_queries_whatever_the_tenders_and_cards(shop, web, to_pay,
                                                                        gateways, queries):
    who, number, _page = to_pay
    top_up(shop, who, "1.00")
    grant_points(shop, who, 1)  # the accounts exist (reading the page opens missing ones)
    web.get(f"/orders/{number}/pay")
    queries.reset()
    web.get(f"/orders/{number}/pay")
    few = queries.count
    top_up(shop, who, "20.00")
    grant_points(shop, who, 1000, "more")
    for _ in range(3):
        card = gift_card(shop, "5.00")
        with shop.transaction(who.actor) as tx:
            tx.gift_cards.add_to_account({"code": card.code, "pin": card.pin})
    with shop.transaction(who.actor) as tx:
        tx.payments.pay(number, {"balance": "10.00", "points": "500"})
        tx.payments.pay(number, {"balance": "5.00"})
    queries.reset()
    page = web.get(f"/orders/{number}/pay")
    assert len(page.html.select(".tender")) == 3
    assert len(page.forms["pay-form"]["gift_card"].options) == 4
    assert queries.count == few, queries.statements
    assert queries.count <= 20, queries.statements
