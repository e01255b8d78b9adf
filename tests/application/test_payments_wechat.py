"""The WeChat Pay API v3 adapter against the simulator, in-process (``WsgiTransport``): the
requests it signs, the answers and notifications it verifies (each tamper flips one thing and is
refused), the trade's round trips, refunds that happen once, and the day's bill."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from webob import Request

from shop.application.clock import ManualClock
from shop.application.errors import Invalid
from shop.application.payments.gateways.http import Call, Reply, WsgiTransport
from shop.application.payments.gateways.port import (
    BadNotification,
    GatewayRefused,
    GatewayUnavailable,
    HttpRequest,
    PayRequest,
    RefundRequest,
)
from shop.application.payments.gateways.wechat import WechatConfig, WechatGateway
from shop.simulators.wechat import WechatSimulator, shop_settings

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

BASE = "https://api.mch.weixin.qq.com"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
NOTIFY = "https://shop.example/payments/wechat/notify"
RETURN = "https://shop.example/payments/wechat/return"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wechat")  # RSA keys are slow to make: once per module


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def sent() -> list[tuple[str, dict[str, str], bytes]]:
    return []


@pytest.fixture(scope="module")
def made(keys) -> WechatSimulator:
    return WechatSimulator.from_directory(keys, base_url=BASE, clock=ManualClock(NOW))


@pytest.fixture
def simulator(made, clock, sent) -> WechatSimulator:
    """A fresh simulator with the module's keys (loading RSA keys takes a while)."""

    def deliver(url, headers, body):
        sent.append((url, dict(headers), body))
        return 200, b""

    return WechatSimulator(
        platform_key=made.platform_key, certificate=made.certificate,
        merchant_key=made.merchant_key, merchant_serial=made.merchant_serial,
        api_v3_key=made.api_v3_key, base_url=BASE, clock=clock, deliver=deliver)


@pytest.fixture(scope="module")
def config(keys) -> WechatConfig:
    return WechatConfig.from_settings(shop_settings(keys, BASE))


@pytest.fixture
def gateway(config, simulator, clock) -> WechatGateway:
    return WechatGateway(config, WsgiTransport(simulator), clock)


class Recording:
    """A transport that keeps each call and reply, and lets a test change the reply."""

    def __init__(self, inner, change=None):
        self.inner, self.change, self.calls = inner, change, []

    def __call__(self, call: Call) -> Reply:
        reply = self.inner(call)
        self.calls.append((call, reply))
        return self.change(reply) if self.change else reply


def pay_request(**changes) -> PayRequest:
    request = PayRequest(out_trade_no="P20261201abc", amount=Decimal("88.80"), subject="茶叶 一盒",
                         device="desktop", notify_url=NOTIFY, return_url=RETURN,
                         client_ip="203.0.113.9", expires_at=NOW + timedelta(minutes=30))
    return dataclasses.replace(request, **changes)


def paid(gateway, simulator, **changes) -> PayRequest:
    request = pay_request(**changes)
    gateway.start(request)
    simulator.pay(request.out_trade_no)
    return request


def refund_request(**changes) -> RefundRequest:
    request = RefundRequest(out_trade_no="P20261201abc", trade_no="", refund_no="R1",
                            amount=Decimal("10.00"), total=Decimal("88.80"), notify_url=NOTIFY)
    return dataclasses.replace(request, **changes)


# -- paying ------------------------------------------------------------------------------------


def test_native_gives_a_code_url_for_the_order_in_fen(gateway, simulator):
    step = gateway.start(pay_request())
    assert step.kind == "qr"
    assert re.fullmatch(r"weixin://wxpay/bizpayurl\?pr=\w+", step.qr_text)
    trade = simulator.trades["P20261201abc"]
    assert (trade.trade_type, trade.total, trade.description) == ("NATIVE", 8880, "茶叶 一盒")
    assert trade.time_expire == NOW + timedelta(minutes=30)
    page = Request.blank(simulator.scan_url(step.qr_text)).get_response(simulator)
    assert "¥88.80" in page.text and "确认支付" in page.text and "茶叶 一盒" in page.text


def test_each_request_is_signed_as_wechat_pay_documents(config, simulator, clock, keys):
    recording = Recording(WsgiTransport(simulator))
    WechatGateway(config, recording, clock).start(pay_request())
    [(call, reply)] = recording.calls
    assert reply.status == 200
    assert call.url == BASE + "/v3/pay/transactions/native"
    scheme, _, rest = call.headers["Authorization"].partition(" ")
    fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    assert scheme == "WECHATPAY2-SHA256-RSA2048"
    assert fields["mchid"] == "1900000109" and fields["serial_no"] == config.merchant_serial
    assert fields["timestamp"] == str(int(NOW.timestamp()))
    message = (f"POST\n/v3/pay/transactions/native\n{fields['timestamp']}\n"
               f"{fields['nonce_str']}\n").encode() + call.body + b"\n"
    config.private_key.public_key().verify(base64.b64decode(fields["signature"]), message,
                                           padding.PKCS1v15(), hashes.SHA256())
    order = json.loads(call.body)
    assert order["amount"] == {"total": 8880, "currency": "CNY"}
    assert order["time_expire"] == "2026-12-01T10:30:00+08:00"
    assert (order["appid"], order["mchid"], order["notify_url"]) == (
        "wx8888888888888888", "1900000109", NOTIFY)


def test_a_request_signed_with_another_key_gets_401_sign_error_unsigned(config, simulator, clock):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    recording = Recording(WsgiTransport(simulator))
    gateway = WechatGateway(dataclasses.replace(config, private_key=stranger), recording, clock)
    with pytest.raises(GatewayUnavailable, match="unsigned"):
        gateway.start(pay_request())
    [(_, reply)] = recording.calls
    assert reply.status == 401 and json.loads(reply.body)["code"] == "SIGN_ERROR"
    assert simulator.trades == {}


def test_h5_sends_the_shopper_to_the_cashier_and_back_to_the_shop(gateway, simulator, sent):
    step = gateway.start(pay_request(device="mobile"))
    assert step.kind == "redirect"
    assert step.url.startswith(BASE + "/h5pay/checkmweb?prepay_id=wx")
    back_to = RETURN + "?out_trade_no=P20261201abc"
    assert step.url.endswith("&redirect_url=" + urllib.parse.quote(back_to, safe=""))
    assert simulator.trades["P20261201abc"].trade_type == "MWEB"
    cashier = Request.blank(step.url).get_response(simulator)
    assert "¥88.80" in cashier.text and "取消" in cashier.text
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(step.url).query)
    back = Request.blank("/h5pay/checkmweb", POST={
        "prepay_id": query["prepay_id"][0], "redirect_url": query["redirect_url"][0],
        "action": "pay"}).get_response(simulator)
    assert (back.status_int, back.location) == (302, back_to)
    [(url, _, _)] = sent
    assert url == NOTIFY
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back.location).query))
    returned = gateway.verify_return(HttpRequest({}, b"", query))
    assert returned == "P20261201abc"


def test_a_return_without_out_trade_no_is_refused(gateway):
    with pytest.raises(BadNotification):
        gateway.verify_return(HttpRequest({}, b"", {"out_trade_no": "../../x"}))
    with pytest.raises(BadNotification):
        gateway.verify_return(HttpRequest({}, b"", {}))


def test_cancelling_on_the_phone_leaves_the_trade_unpaid(gateway, simulator, sent):
    step = gateway.start(pay_request())
    page = Request.blank("/scan", POST={"code_url": step.qr_text, "action": "cancel"}
                         ).get_response(simulator)
    assert "取消" in page.text
    assert gateway.query("P20261201abc").state == "unpaid" and sent == []


def test_the_same_out_trade_no_for_another_order_is_refused(gateway):
    gateway.start(pay_request())
    assert gateway.start(pay_request()).kind == "qr"  # a retry of the same attempt
    with pytest.raises(GatewayRefused) as refused:
        gateway.start(pay_request(amount=Decimal("1.00")))
    assert refused.value.code == "OUT_TRADE_NO_USED"


def test_a_notification_that_does_not_get_through_is_recorded(made, clock, config):
    def unreachable_shop(url, headers, body):
        raise ConnectionRefusedError(url)

    simulator = WechatSimulator(
        platform_key=made.platform_key, certificate=made.certificate,
        merchant_key=made.merchant_key, merchant_serial=made.merchant_serial,
        api_v3_key=made.api_v3_key, base_url=BASE, clock=clock, deliver=unreachable_shop)
    paid(WechatGateway(config, WsgiTransport(simulator), clock), simulator)
    assert simulator.deliveries == [(NOTIFY, 0)]
    assert simulator.trades["P20261201abc"].state == "SUCCESS"


# -- notifications -----------------------------------------------------------------------------


def test_a_paid_notification_is_verified_and_decrypted(gateway, simulator, sent):
    paid(gateway, simulator)
    [(_, headers, body)] = sent
    notification = gateway.verify_notification(HttpRequest(headers, body))
    trade = simulator.trades["P20261201abc"]
    assert (notification.kind, notification.gateway) == ("paid", "wechat")
    assert notification.out_trade_no == "P20261201abc"
    assert notification.trade_no == trade.transaction_id
    assert notification.amount == Decimal("88.80")
    assert notification.occurred_at == NOW
    assert notification.event_id == json.loads(body)["id"]
    assert notification.raw["amount.total"] == "8880"
    again = gateway.verify_notification(HttpRequest(*simulator.notification("P20261201abc")))
    assert again.event_id == notification.event_id  # a retry is the same event


def test_a_signed_notification_reports_the_amount_it_signs(gateway, simulator):
    """The service compares the amount with the order; the adapter reports what is signed."""
    paid(gateway, simulator)
    headers, body = simulator.notification("P20261201abc", resource={"amount": {
        "total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"}})
    assert gateway.verify_notification(HttpRequest(headers, body)).amount == Decimal("0.01")


@pytest.mark.parametrize(("tamper", "reason"), [
    ({"serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"}, "names no key"),
    ({"timestamp": NOW - timedelta(minutes=5)}, "five minutes"),
    ({"timestamp": NOW + timedelta(minutes=5)}, "five minutes"),
    ({"signature": "WECHATPAY/SIGNTEST/Zm9yZ2Vk"}, "probe"),
    ({"corrupt_signature": True}, "does not verify"),
    ({"body": lambda body: body.replace(b'"summary":"', b'"summary":"!')}, "does not verify"),
    ({"api_v3_key": b"0123456789abcdef0123456789abcdef"}, "decrypt"),
    ({"associated_data": "refund"}, "decrypt"),
    ({"resource": {"mchid": "1230000109"}}, "merchant 1230000109"),
    ({"resource": {"appid": "wx1111111111111111"}}, "app wx1111111111111111"),
    ({"resource": {"trade_state": "NOTPAY"}}, "trade_state"),
])
def test_a_tampered_notification_is_refused(gateway, simulator, tamper, reason):
    paid(gateway, simulator)
    headers, body = simulator.notification("P20261201abc", **tamper)
    with pytest.raises(BadNotification, match=reason):
        gateway.verify_notification(HttpRequest(headers, body))


def test_a_notification_just_inside_five_minutes_is_taken(gateway, simulator):
    paid(gateway, simulator)
    for moment in (NOW - timedelta(minutes=5) + timedelta(seconds=1),
                   NOW + timedelta(minutes=4, seconds=59)):
        headers, body = simulator.notification("P20261201abc", timestamp=moment)
        assert gateway.verify_notification(HttpRequest(headers, body)).kind == "paid"


@pytest.mark.parametrize("name", ["Wechatpay-Serial", "Wechatpay-Timestamp", "Wechatpay-Nonce",
                                  "Wechatpay-Signature"])
def test_a_notification_without_a_signature_header_is_refused(gateway, simulator, name):
    paid(gateway, simulator)
    headers, body = simulator.notification("P20261201abc")
    del headers[name]
    with pytest.raises(BadNotification, match="unsigned"):
        gateway.verify_notification(HttpRequest(headers, body))


def test_headers_are_read_whatever_their_case(gateway, simulator):
    paid(gateway, simulator)
    headers, body = simulator.notification("P20261201abc")
    lowered = {name.lower(): value for name, value in headers.items()}
    assert gateway.verify_notification(HttpRequest(lowered, body)).kind == "paid"


def test_the_acknowledgements_are_the_documented_ones(gateway):
    accepted = gateway.acknowledge(True)
    assert (accepted.status, accepted.body) == (200, b"")
    refused = gateway.acknowledge(False)
    assert refused.status == 500 and refused.content_type == "application/json"
    assert json.loads(refused.body)["code"] == "FAIL"


# -- query and close ---------------------------------------------------------------------------


def test_query_follows_the_trade(gateway, simulator):
    with pytest.raises(GatewayRefused) as refused:
        gateway.query("P20261201abc")
    assert refused.value.code == "ORDER_NOT_EXIST"
    gateway.start(pay_request())
    unpaid = gateway.query("P20261201abc")
    assert (unpaid.state, unpaid.trade_no, unpaid.amount) == ("unpaid", "", Decimal("88.80"))
    simulator.pay("P20261201abc")
    status = gateway.query("P20261201abc")
    assert (status.state, status.amount) == ("paid", Decimal("88.80"))
    assert status.trade_no == simulator.trades["P20261201abc"].transaction_id


def test_a_trade_closes_when_it_expires(gateway, clock):
    gateway.start(pay_request())
    clock.advance(minutes=30)
    assert gateway.query("P20261201abc").state == "closed"


def test_close_stops_a_stale_page_paying(gateway, simulator):
    step = gateway.start(pay_request())
    gateway.close("P20261201abc")
    gateway.close("P20261201abc")  # again: still 204
    gateway.close("NEVER-CREATED")  # a trade WeChat Pay never made is closed already
    assert gateway.query("P20261201abc").state == "closed"
    page = Request.blank("/scan", POST={"code_url": step.qr_text, "action": "pay"}
                         ).get_response(simulator)
    assert "无法支付" in page.text
    with pytest.raises(GatewayRefused) as refused:
        gateway.start(pay_request())
    assert refused.value.code == "ORDER_CLOSED"


def test_a_paid_trade_cannot_be_closed(gateway, simulator):
    paid(gateway, simulator)
    with pytest.raises(GatewayRefused) as refused:
        gateway.close("P20261201abc")
    assert refused.value.code == "ORDERPAID"


# -- refunds -----------------------------------------------------------------------------------


def test_a_refund_round_trip(gateway, simulator):
    paid(gateway, simulator)
    outcome = gateway.refund(refund_request())
    assert (outcome.state, outcome.refund_no) == ("succeeded", "R1")
    assert outcome.gateway_refund_id == simulator.refunds["R1"].refund_id
    assert simulator.refunds["R1"].refund == 1000
    assert gateway.query("P20261201abc").state == "refunded"


def test_a_refund_asked_again_with_the_same_number_refunds_once(gateway, simulator):
    paid(gateway, simulator)
    first = gateway.refund(refund_request())
    again = gateway.refund(refund_request())
    assert again == first
    assert list(simulator.refunds) == ["R1"]
    assert simulator.trades["P20261201abc"].refunded == 1000
    with pytest.raises(GatewayRefused) as refused:  # the same number for another amount
        gateway.refund(refund_request(amount=Decimal("20.00")))
    assert refused.value.code == "INVALID_REQUEST"


def test_a_refund_above_what_was_paid_is_refused(gateway, simulator):
    paid(gateway, simulator)
    gateway.refund(refund_request(amount=Decimal("80.00")))
    with pytest.raises(GatewayRefused) as refused:
        gateway.refund(refund_request(refund_no="R2", amount=Decimal("8.81")))
    assert refused.value.code == "INVALID_REQUEST"
    assert gateway.refund(refund_request(refund_no="R3", amount=Decimal("8.80"))).state == (
        "succeeded")
    assert simulator.trades["P20261201abc"].refunded == 8880


def test_a_refund_of_an_unpaid_trade_or_beyond_the_balance_is_refused(gateway, simulator):
    gateway.start(pay_request())
    with pytest.raises(GatewayRefused) as refused:
        gateway.refund(refund_request())
    assert refused.value.code == "RESOURCE_NOT_EXISTS"
    simulator.pay("P20261201abc")
    simulator.balance = 999
    with pytest.raises(GatewayRefused) as refused:
        gateway.refund(refund_request())
    assert refused.value.code == "NOT_ENOUGH"


def test_a_processing_refund_ends_in_a_notification(gateway, simulator, sent):
    paid(gateway, simulator)
    simulator.refund_status = "PROCESSING"
    assert gateway.refund(refund_request()).state == "pending"
    assert gateway.refund(refund_request(refund_no="R2")).state == "pending"
    simulator.settle_refund("R1")
    simulator.settle_refund("R2", "ABNORMAL")
    succeeded = gateway.verify_notification(HttpRequest(*sent[1][1:]))
    assert (succeeded.kind, succeeded.refund_no, succeeded.amount) == (
        "refunded", "R1", Decimal("10.00"))
    assert succeeded.occurred_at == NOW
    assert succeeded.trade_no == simulator.trades["P20261201abc"].transaction_id
    abnormal = gateway.verify_notification(HttpRequest(*sent[2][1:]))
    assert (abnormal.kind, abnormal.refund_no) == ("failed", "R2")
    headers, body = simulator.refund_notification("R1", resource={"mchid": "1230000109"})
    with pytest.raises(BadNotification):
        gateway.verify_notification(HttpRequest(headers, body))


# -- answers that cannot be trusted ------------------------------------------------------------


def _changed(reply: Reply, body: bytes | None = None, **headers: str | None) -> Reply:
    changed = dict(reply.headers)
    for name, value in headers.items():
        name = name.replace("_", "-")
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    return Reply(reply.status, changed, reply.body if body is None else body)


@pytest.mark.parametrize("change", [
    lambda reply: _changed(reply, reply.body.replace(b"pr=", b"pr=X")),
    lambda reply: _changed(reply, wechatpay_signature=None),
    lambda reply: _changed(reply, wechatpay_serial="0123456789ABCDEF"),
    lambda reply: _changed(reply, wechatpay_signature="WECHATPAY/SIGNTEST/Zm9yZ2Vk"),
    lambda reply: _changed(reply, wechatpay_timestamp=str(int(NOW.timestamp()) - 300)),
    lambda reply: Reply(503, {}, b"<html>busy</html>"),
])
def test_an_answer_that_fails_verification_is_no_answer(config, simulator, clock, change):
    gateway = WechatGateway(config, Recording(WsgiTransport(simulator), change), clock)
    with pytest.raises(GatewayUnavailable):
        gateway.start(pay_request())


def test_a_refusal_must_be_signed_too(config, simulator, clock):
    gateway = WechatGateway(config, Recording(WsgiTransport(simulator), lambda reply: _changed(
        reply, wechatpay_signature=None)), clock)
    with pytest.raises(GatewayUnavailable):
        gateway.query("NEVER-CREATED")


def test_an_unreachable_gateway_is_unavailable(gateway, simulator):
    simulator.unreachable = True
    with pytest.raises(GatewayUnavailable):
        gateway.start(pay_request())
    with pytest.raises(GatewayUnavailable):
        gateway.refund(refund_request())


# -- the day's bill ----------------------------------------------------------------------------


def test_the_statement_lists_the_days_payments_and_refunds(gateway, simulator, clock):
    paid(gateway, simulator)
    clock.advance(minutes=1)
    paid(gateway, simulator, out_trade_no="P20261201def", amount=Decimal("0.01"))
    gateway.refund(refund_request())
    day = date(2026, 12, 1)
    with pytest.raises(GatewayRefused) as refused:
        gateway.statement(day)  # today's bill is not made yet
    assert refused.value.code == "STATEMENT_CREATING"
    clock.advance(days=1)
    lines = gateway.statement(day)
    assert [(line.kind, line.out_trade_no, line.amount, line.refund_no) for line in lines] == [
        ("payment", "P20261201abc", Decimal("88.80"), ""),
        ("payment", "P20261201def", Decimal("0.01"), ""),
        ("refund", "P20261201abc", Decimal("10.00"), "R1"),
    ]
    assert lines[0].trade_no == simulator.trades["P20261201abc"].transaction_id
    assert lines[0].occurred_at == NOW and lines[2].occurred_at == NOW + timedelta(minutes=1)
    assert gateway.statement(date(2026, 11, 30)) == []  # no trades, no bill


def test_a_planted_mismatch_shows_in_the_statement(gateway, simulator, clock):
    paid(gateway, simulator)
    gateway.refund(refund_request())
    simulator.misstate("P20261201abc", 8800)
    simulator.misstate("R1", None)
    clock.advance(days=1)
    [line] = gateway.statement(date(2026, 12, 1))
    assert (line.kind, line.amount) == ("payment", Decimal("88.00"))


def test_a_bill_that_does_not_match_its_sha1_is_refused(config, simulator, clock):
    def change(reply):
        return _changed(reply, reply.body.replace(b"88.80", b"88.00")) if (
            b"`" in reply.body) else reply

    gateway = WechatGateway(config, Recording(WsgiTransport(simulator), change), clock)
    paid(gateway, simulator)
    clock.advance(days=1)
    with pytest.raises(GatewayUnavailable, match="SHA1"):
        gateway.statement(date(2026, 12, 1))


DOCUMENTED_BILL = (  # the layout of WeChat Pay's own sample (交易账单 ALL), not the simulator's
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
    "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
    "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
    "`2022-03-21 13:51:31,`wxfdc955f7104ad557,`180023671,`176531292,`,"
    "`420000612032130748613220688,`2021WERUN1647840687637,`oZWaCKXip5njeEiloC4oeOV1TTsk,"
    "`JSAPI,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`微信云托管支付测试,`,"
    "`0.00000,`0.90%,`0.01,`0.00,`\r\n"
    "`2022-03-21 14:02:10,`wxfdc955f7104ad557,`180023671,`176531292,`,"
    "`420000612032130748613220688,`2021WERUN1647840687637,`oZWaCKXip5njeEiloC4oeOV1TTsk,"
    "`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50302030148218522032126281690,"
    "`R2021WERUN1647840687637,`0.01,`0.00,`ORIGINAL,`SUCCESS,`微信云托管支付测试,`,"
    "`0.00000,`0.90%,`0.00,`0.01,`\r\n"
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
    "`2,`0.01,`0.01,`0.00,`0.00000,`0.01,`0.01\r\n"
).encode()


def test_the_documented_bill_layout_is_read(gateway, simulator, clock, monkeypatch):
    monkeypatch.setattr(simulator, "bill", lambda day: DOCUMENTED_BILL)
    payment, refund = gateway.statement(date(2026, 11, 30))
    assert (payment.kind, payment.out_trade_no, payment.trade_no, payment.amount) == (
        "payment", "2021WERUN1647840687637", "420000612032130748613220688", Decimal("0.01"))
    assert payment.occurred_at == datetime(2022, 3, 21, 5, 51, 31, tzinfo=UTC)
    assert (refund.kind, refund.refund_no, refund.amount) == (
        "refund", "R2021WERUN1647840687637", Decimal("0.01"))
    inconsistent = DOCUMENTED_BILL.replace(b"`2,`0.01", b"`3,`0.01")
    monkeypatch.setattr(simulator, "bill", lambda day: inconsistent)
    with pytest.raises(GatewayUnavailable, match="summary"):
        gateway.statement(date(2026, 11, 30))


# -- settings ----------------------------------------------------------------------------------


def test_missing_settings_are_named_at_once():
    with pytest.raises(Invalid) as invalid:
        WechatConfig.from_settings({})
    assert set(invalid.value.errors) == {f"shop.payments.wechat.{name}" for name in (
        "mch_id", "appid", "api_v3_key", "merchant_serial", "private_key",
        "platform_certificates")}


def test_bad_settings_are_named(keys, tmp_path):
    settings = shop_settings(keys, BASE)
    (tmp_path / "junk.pem").write_text("not a key")
    for name, value in (("api_v3_key", "too short"), ("private_key", str(tmp_path / "junk.pem")),
                        ("private_key", str(tmp_path / "missing.pem")),
                        ("platform_certificates", str(tmp_path / "junk.pem")),
                        ("merchant_serial", "not hex"), ("api_url", "ftp://example.com"),
                        ("public_key_id", "PUB_KEY_ID_0114")):
        with pytest.raises(Invalid) as invalid:
            WechatConfig.from_settings(settings | {f"shop.payments.wechat.{name}": value})
        assert f"shop.payments.wechat.{name}" in invalid.value.errors or (
            "shop.payments.wechat.public_key" in invalid.value.errors), name


def test_the_wechat_pay_public_key_mode(keys, simulator, gateway, clock, tmp_path):
    """微信支付公钥: a public key named by its id instead of certificates by serial."""
    public = tmp_path / "pub_key.pem"
    public.write_bytes(simulator.platform_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    settings = shop_settings(keys, BASE) | {
        "shop.payments.wechat.platform_certificates": "",
        "shop.payments.wechat.public_key": str(public),
        "shop.payments.wechat.public_key_id": "PUB_KEY_ID_0114232134912410000000000000"}
    config = WechatConfig.from_settings(settings)
    assert list(config.platform_keys) == ["PUB_KEY_ID_0114232134912410000000000000"]
    by_key = WechatGateway(config, WsgiTransport(simulator), clock)
    paid(gateway, simulator)
    headers, body = simulator.notification(
        "P20261201abc", serial="PUB_KEY_ID_0114232134912410000000000000")
    assert by_key.verify_notification(HttpRequest(headers, body)).kind == "paid"
    with pytest.raises(BadNotification, match="names no key"):  # certificates are not trusted
        by_key.verify_notification(HttpRequest(*simulator.notification("P20261201abc")))


def test_an_expired_platform_certificate_is_not_trusted(gateway, simulator, clock):
    paid(gateway, simulator)
    clock.set(datetime(2050, 1, 1, tzinfo=UTC))
    headers, body = simulator.notification("P20261201abc")
    with pytest.raises(BadNotification, match="not valid now"):
        gateway.verify_notification(HttpRequest(headers, body))
