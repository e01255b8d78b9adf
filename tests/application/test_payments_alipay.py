"""The Alipay adapter against AlipaySimulator, in-process through WsgiTransport.

The simulator signs and verifies with its own code and keys, so each round trip checks that the
adapter speaks the protocol; each tamper test changes one thing and expects a refusal.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from shop.application.clock import ManualClock
from shop.application.errors import Invalid
from shop.application.payments.gateways.alipay import (
    CALLBACK_UNSIGNED,
    REQUEST_UNSIGNED,
    AlipayConfig,
    AlipayGateway,
    signing_string,
    verifies,
)
from shop.application.payments.gateways.http import Call, Reply, WsgiTransport
from shop.application.payments.gateways.port import (
    BadNotification,
    GatewayRefused,
    GatewayUnavailable,
    HttpRequest,
    NextStep,
    PayRequest,
    RefundRequest,
)
from shop.simulators.alipay import AlipaySimulator, Refusal, shop_settings

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

BASE = "https://alipay.simulator.test"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
D = Decimal


class Inbox:
    """The shop's notify_url: keeps what Alipay posts and answers ``success`` (or not)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.answer = b"success"

    def __call__(self, url: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        self.received.append((url, dict(headers), body))
        return 200, self.answer

    def last(self) -> HttpRequest:
        _, headers, body = self.received[-1]
        return HttpRequest(headers, body)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("alipay-keys")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2024, 3, 5, 2, 0, tzinfo=UTC))  # 10:00 in Beijing


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def simulator(keys: Path, clock: ManualClock, inbox: Inbox) -> AlipaySimulator:
    return AlipaySimulator.from_directory(keys, base_url=BASE, clock=clock, deliver=inbox)


@pytest.fixture
def config(keys: Path) -> AlipayConfig:
    return AlipayConfig.from_settings(shop_settings(keys, BASE))


@pytest.fixture
def gateway(config: AlipayConfig, simulator: AlipaySimulator, clock: ManualClock) -> AlipayGateway:
    return AlipayGateway(config, WsgiTransport(simulator), clock)


def pay_request(clock: ManualClock, out_trade_no: str = "P20240305A1", amount: str = "12.30",
                **changes: object) -> PayRequest:
    values: dict[str, object] = {
        "out_trade_no": out_trade_no, "amount": D(amount), "subject": "青花瓷茶杯 ×2",
        "device": "desktop", "notify_url": "https://shop.example/payments/alipay/notify",
        "return_url": "https://shop.example/payments/alipay/return", "client_ip": "203.0.113.9",
        "expires_at": clock.now() + timedelta(minutes=30), **changes}
    return PayRequest(**values)  # type: ignore[arg-type]


def submit(simulator: AlipaySimulator, step: NextStep) -> Reply:
    """The shopper's browser posting the auto-submitting form to Alipay."""
    return WsgiTransport(simulator)(Call("POST", step.url, FORM,
                                         urlencode(step.fields).encode("ascii")))


def opened(gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
           out_trade_no: str = "P20240305A1", amount: str = "12.30", **changes: object) -> str:
    reply = submit(simulator, gateway.start(pay_request(clock, out_trade_no, amount, **changes)))
    assert reply.status == 200, reply.body.decode()
    return out_trade_no


def paid(gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
         out_trade_no: str = "P20240305A1", amount: str = "12.30") -> str:
    simulator.pay(opened(gateway, simulator, clock, out_trade_no, amount))
    return out_trade_no


# -- paying --------------------------------------------------------------------------------------

def test_page_pay_is_a_signed_form_that_opens_the_cashier(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock) -> None:
    step = gateway.start(pay_request(clock))

    assert (step.kind, step.url) == ("post_form", BASE + "/gateway.do?charset=utf-8")
    assert step.fields["method"] == "alipay.trade.page.pay"
    assert step.fields["timestamp"] == "2024-03-05 10:00:00"  # Beijing time
    biz = json.loads(step.fields["biz_content"])
    assert biz == {"out_trade_no": "P20240305A1", "total_amount": "12.30",
                   "subject": "青花瓷茶杯 ×2", "product_code": "FAST_INSTANT_TRADE_PAY",
                   "time_expire": "2024-03-05 10:30:00"}
    reply = submit(simulator, step)
    page = reply.body.decode()
    assert reply.status == 200
    assert "支付宝模拟收银台" in page and "青花瓷茶杯 ×2" in page and "¥12.30" in page
    assert "确认付款" in page and "支付失败" in page
    assert simulator.trades["P20240305A1"].status == "WAIT_BUYER_PAY"


def test_mobile_pays_through_wap_pay(gateway: AlipayGateway, simulator: AlipaySimulator,
                                     clock: ManualClock) -> None:
    step = gateway.start(pay_request(clock, device="mobile"))

    assert step.fields["method"] == "alipay.trade.wap.pay"
    assert json.loads(step.fields["biz_content"])["product_code"] == "QUICK_WAP_WAY"
    assert submit(simulator, step).status == 200


@pytest.mark.parametrize(("change", "code"), [
    ({"biz_content": '{"out_trade_no":"P20240305A1","total_amount":"0.01"}'},
     "isv.invalid-signature"),
    ({"sign_type": "RSA"}, "isv.invalid-signature-type"),
    ({"app_id": "2021000000000999"}, "isv.invalid-app-id"),
    ({"timestamp": "2024-03-05 10:00:01"}, "isv.invalid-signature"),  # sign_type is signed too
])
def test_the_simulator_refuses_a_form_changed_after_signing(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        change: dict[str, str], code: str) -> None:
    step = gateway.start(pay_request(clock))
    reply = submit(simulator, NextStep("post_form", step.url, {**step.fields, **change}))

    assert reply.status == 400 and code in reply.body.decode()
    assert simulator.trades == {}


def test_installments_ask_alipay_for_huabei(gateway: AlipayGateway, simulator: AlipaySimulator,
                                            clock: ManualClock) -> None:
    step = gateway.start(pay_request(clock, amount="300.00", installments=6))

    assert json.loads(step.fields["biz_content"])["extend_params"] == {
        "hb_fq_num": "6", "hb_fq_seller_percent": "0"}
    assert "花呗分期：6 期，用户承担手续费" in submit(simulator, step).body.decode()


@pytest.mark.parametrize(("amount", "periods"), [("300.00", 4), ("99.99", 3)])
def test_installments_alipay_would_refuse_are_refused(
        gateway: AlipayGateway, clock: ManualClock, amount: str, periods: int) -> None:
    with pytest.raises(Invalid) as refused:
        gateway.start(pay_request(clock, amount=amount, installments=periods))
    assert "installments" in refused.value.errors


def test_the_shop_bears_the_installment_fee_when_configured(
        keys: Path, simulator: AlipaySimulator, clock: ManualClock) -> None:
    settings = {**shop_settings(keys, BASE),
                "shop.payments.alipay.installment_seller_percent": "100"}
    gateway = AlipayGateway(AlipayConfig.from_settings(settings), WsgiTransport(simulator), clock)
    step = gateway.start(pay_request(clock, amount="300.00", installments=12))

    assert json.loads(step.fields["biz_content"])["extend_params"]["hb_fq_seller_percent"] == "100"
    assert "商家承担手续费" in submit(simulator, step).body.decode()


# -- the notification and the return ---------------------------------------------------------------

def test_paying_sends_a_notification_the_adapter_verifies(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        inbox: Inbox) -> None:
    paid(gateway, simulator, clock)
    url, _, _ = inbox.received[-1]
    notification = gateway.verify_notification(inbox.last())

    assert url == "https://shop.example/payments/alipay/notify"
    assert (notification.kind, notification.out_trade_no, notification.amount) == (
        "paid", "P20240305A1", D("12.30"))
    trade = simulator.trades["P20240305A1"]
    assert notification.trade_no == trade.trade_no and len(trade.trade_no) == 28
    assert notification.event_id == notification.raw["notify_id"]
    assert notification.occurred_at == clock.now()
    assert gateway.acknowledge(True).body == b"success"
    assert simulator.sent[-1].accepted


def test_the_cashier_button_pays_and_returns_the_shopper_signed(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        inbox: Inbox) -> None:
    opened(gateway, simulator, clock)
    trade_no = simulator.trades["P20240305A1"].trade_no
    reply = WsgiTransport(simulator)(Call("POST", f"{BASE}/cashier/{trade_no}", FORM,
                                          b"action=pay"))
    back = urlsplit(reply.headers["location"])
    query = dict(parse_qsl(back.query))

    assert reply.status == 302
    assert back.path == "/payments/alipay/return"
    assert query["method"] == "alipay.trade.page.pay.return"
    assert gateway.verify_return(HttpRequest({}, b"", query)) == "P20240305A1"
    assert gateway.verify_notification(inbox.last()).kind == "paid"
    with pytest.raises(BadNotification):
        gateway.verify_return(HttpRequest({}, b"", {**query, "out_trade_no": "P20240305A2"}))


def test_a_failed_payment_sends_nothing_and_leaves_the_trade_payable(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        inbox: Inbox) -> None:
    out_trade_no = opened(gateway, simulator, clock)
    simulator.fail(out_trade_no)

    assert inbox.received == []
    assert gateway.query(out_trade_no).state == "unpaid"
    simulator.pay(out_trade_no)
    assert gateway.query(out_trade_no).state == "paid"


@pytest.mark.parametrize(("tampering", "reason"), [
    ({"tamper": {"total_amount": "1.00"}}, "signature"),
    ({"tamper": {"gmt_payment": "2024-03-05 10:00:01"}}, "signature"),
    ({"sign": "A" * 344}, "signature"),
    ({"seller_id": "2088000000000999"}, "seller_id"),
    ({"app_id": "2021000000000999"}, "app_id"),
    ({"total_amount": "12.3"}, "12.3"),
    ({"total_amount": "1e3"}, "1e3"),
    ({"sign_type": "RSA"}, "sign_type"),
    ({"notify_id": None}, "notify_id"),
    ({"trade_status": "TRADE_PENDING"}, "trade_status"),
])
def test_a_notification_failing_a_check_is_bad(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        tampering: dict[str, object], reason: str) -> None:
    out_trade_no = paid(gateway, simulator, clock)
    headers, body = simulator.notification(out_trade_no, **tampering)  # type: ignore[arg-type]

    with pytest.raises(BadNotification) as bad:
        gateway.verify_notification(HttpRequest(headers, body))
    assert reason in bad.value.reason
    assert gateway.acknowledge(False).body == b"failure"


def test_a_signed_notification_is_read_as_sent_for_the_service_to_compare(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock) -> None:
    out_trade_no = paid(gateway, simulator, clock)
    headers, body = simulator.notification(out_trade_no, total_amount="1.00")

    assert gateway.verify_notification(HttpRequest(headers, body)).amount == D("1.00")


def test_the_signing_string_sorts_and_leaves_out_sign_sign_type_and_empty_values() -> None:
    fields = {"trade_no": "2", "app_id": "1", "sign": "x", "sign_type": "RSA2", "body": ""}

    assert signing_string(fields, CALLBACK_UNSIGNED) == "app_id=1&trade_no=2"
    assert signing_string(fields, REQUEST_UNSIGNED) == "app_id=1&sign_type=RSA2&trade_no=2"


def test_a_notification_verifies_only_under_alipays_canonical_string(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        config: AlipayConfig) -> None:
    out_trade_no = paid(gateway, simulator, clock)
    # An empty field travels but is not signed; sign_type travels but is not signed.
    headers, body = simulator.notification(out_trade_no, passback_params="")
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
    right = signing_string(fields, CALLBACK_UNSIGNED)
    with_sign_type = "&".join(f"{k}={v}" for k, v in sorted(fields.items())
                              if k != "sign" and v)
    with_empty = "&".join(f"{k}={v}" for k, v in sorted(fields.items())
                          if k not in ("sign", "sign_type"))

    assert fields["passback_params"] == "" and fields["sign_type"] == "RSA2"
    assert verifies(config.alipay_public_key, right.encode(), fields["sign"])
    for wrong in (with_sign_type, with_empty):
        assert not verifies(config.alipay_public_key, wrong.encode(), fields["sign"])
    assert gateway.verify_notification(HttpRequest(headers, body)).kind == "paid"


def test_a_gbk_notification_is_decoded_and_verified_in_gbk(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock) -> None:
    out_trade_no = paid(gateway, simulator, clock)
    headers, body = simulator.notification(out_trade_no, charset="gbk")

    assert "%C7%E0" in body.decode()  # 青 in GBK
    notification = gateway.verify_notification(HttpRequest(headers, body))
    assert notification.raw["subject"] == "青花瓷茶杯 ×2"


def test_trade_finished_is_paid(gateway: AlipayGateway, simulator: AlipaySimulator,
                                clock: ManualClock, inbox: Inbox) -> None:
    simulator.finish(paid(gateway, simulator, clock))
    notification = gateway.verify_notification(inbox.last())

    assert (notification.raw["trade_status"], notification.kind) == ("TRADE_FINISHED", "paid")


def test_wait_buyer_pay_is_pending(gateway: AlipayGateway, simulator: AlipaySimulator,
                                   clock: ManualClock) -> None:
    headers, body = simulator.notification(opened(gateway, simulator, clock))

    assert gateway.verify_notification(HttpRequest(headers, body)).kind == "pending"


def test_unrequested_notifications_are_delivered_again(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        inbox: Inbox) -> None:
    inbox.answer = b"failure"
    paid(gateway, simulator, clock)
    inbox.answer = b"success"
    simulator.redeliver()
    simulator.redeliver()

    first, again = (gateway.verify_notification(HttpRequest(h, b))
                    for _, h, b in inbox.received)
    assert len(inbox.received) == 2 and first.event_id == again.event_id


# -- query, close, refund -------------------------------------------------------------------------

def test_query_follows_the_trade(gateway: AlipayGateway, simulator: AlipaySimulator,
                                 clock: ManualClock) -> None:
    with pytest.raises(GatewayRefused) as unknown:
        gateway.query("P20240305A1")
    assert unknown.value.code == "ACQ.TRADE_NOT_EXIST"

    opened(gateway, simulator, clock)
    assert gateway.query("P20240305A1").state == "unpaid"
    simulator.pay("P20240305A1")
    status = gateway.query("P20240305A1")
    assert (status.state, status.amount) == ("paid", D("12.30"))
    assert status.trade_no == simulator.trades["P20240305A1"].trade_no


def test_close_closes_an_unpaid_trade_and_a_stale_cashier_cannot_pay(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        inbox: Inbox) -> None:
    out_trade_no = opened(gateway, simulator, clock)
    gateway.close(out_trade_no)
    gateway.close(out_trade_no)

    assert gateway.query(out_trade_no).state == "closed"
    assert gateway.verify_notification(inbox.last()).kind == "closed"
    with pytest.raises(Refusal):
        simulator.pay(out_trade_no)


def test_closing_a_trade_alipay_never_created_is_no_error(gateway: AlipayGateway) -> None:
    gateway.close("P20240305NEVER")


def test_a_paid_trade_cannot_be_closed(gateway: AlipayGateway, simulator: AlipaySimulator,
                                       clock: ManualClock) -> None:
    with pytest.raises(GatewayRefused) as refused:
        gateway.close(paid(gateway, simulator, clock))
    assert refused.value.code == "ACQ.TRADE_STATUS_ERROR"


def test_a_trade_past_time_expire_is_closed(gateway: AlipayGateway, simulator: AlipaySimulator,
                                            clock: ManualClock) -> None:
    out_trade_no = opened(gateway, simulator, clock)
    clock.advance(minutes=31)

    with pytest.raises(Refusal):
        simulator.pay(out_trade_no)
    assert gateway.query(out_trade_no).state == "closed"


def refund(out_trade_no: str, refund_no: str, amount: str) -> RefundRequest:
    return RefundRequest(out_trade_no=out_trade_no, trade_no="", refund_no=refund_no,
                         amount=D(amount), total=D("100.00"), reason="尺码不合适")


def test_refunds_add_up_to_the_amount_paid(gateway: AlipayGateway, simulator: AlipaySimulator,
                                           clock: ManualClock, inbox: Inbox) -> None:
    out_trade_no = paid(gateway, simulator, clock, amount="100.00")

    assert gateway.refund(refund(out_trade_no, "R1", "30.00")).state == "succeeded"
    notification = gateway.verify_notification(inbox.last())
    assert (notification.kind, notification.refund_no, notification.amount) == (
        "refunded", "R1", D("30.00"))
    assert gateway.query(out_trade_no).state == "paid"
    assert gateway.refund(refund(out_trade_no, "R2", "70.00")).state == "succeeded"
    assert gateway.query(out_trade_no).state == "refunded"
    last = gateway.verify_notification(inbox.last())
    assert (last.kind, last.refund_no, last.amount) == ("refunded", "R2", D("100.00"))
    assert last.raw["trade_status"] == "TRADE_CLOSED"


def test_a_retried_refund_refunds_once(gateway: AlipayGateway, simulator: AlipaySimulator,
                                       clock: ManualClock, inbox: Inbox) -> None:
    out_trade_no = paid(gateway, simulator, clock, amount="100.00")
    first = gateway.refund(refund(out_trade_no, "R1", "30.00"))
    notified = len(inbox.received)
    again = gateway.refund(refund(out_trade_no, "R1", "30.00"))

    assert first == again and again.state == "succeeded"
    assert list(simulator.refunds) == [(out_trade_no, "R1")]
    assert simulator.trades[out_trade_no].refunded == D("30.00")
    assert len(inbox.received) == notified
    with pytest.raises(GatewayRefused) as discordant:
        gateway.refund(refund(out_trade_no, "R1", "31.00"))
    assert discordant.value.code == "ACQ.DISCORDANT_REPEAT_REQUEST"


def test_a_refund_still_under_way_is_pending_until_alipay_makes_it(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        inbox: Inbox) -> None:
    out_trade_no = paid(gateway, simulator, clock, amount="100.00")
    simulator.refunds_wait = True
    notified = len(inbox.received)

    assert gateway.refund(refund(out_trade_no, "R1", "30.00")).state == "pending"
    assert gateway.refund(refund(out_trade_no, "R1", "30.00")).state == "pending"
    assert len(inbox.received) == notified
    simulator.complete_refunds()
    assert gateway.verify_notification(inbox.last()).refund_no == "R1"
    assert gateway.refund(refund(out_trade_no, "R1", "30.00")).state == "succeeded"
    assert simulator.trades[out_trade_no].refunded == D("30.00")


def test_refunding_more_than_was_paid_is_refused(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock) -> None:
    out_trade_no = paid(gateway, simulator, clock, amount="100.00")
    gateway.refund(refund(out_trade_no, "R1", "60.00"))

    with pytest.raises(GatewayRefused) as refused:
        gateway.refund(refund(out_trade_no, "R2", "40.01"))
    assert refused.value.code == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    assert simulator.trades[out_trade_no].refunded == D("60.00")


def test_an_unpaid_trade_cannot_be_refunded(gateway: AlipayGateway, simulator: AlipaySimulator,
                                            clock: ManualClock) -> None:
    with pytest.raises(GatewayRefused) as refused:
        gateway.refund(refund(opened(gateway, simulator, clock), "R1", "1.00"))
    assert refused.value.code == "ACQ.TRADE_STATUS_ERROR"


# -- answers that are no answers ------------------------------------------------------------------

def test_an_unreachable_gateway_is_unavailable(gateway: AlipayGateway, simulator: AlipaySimulator,
                                               clock: ManualClock) -> None:
    out_trade_no = paid(gateway, simulator, clock)
    simulator.unreachable = True

    for call in (lambda: gateway.query(out_trade_no), lambda: gateway.close(out_trade_no),
                 lambda: gateway.refund(refund(out_trade_no, "R1", "1.00")),
                 lambda: gateway.statement(date(2024, 3, 4))):
        with pytest.raises(GatewayUnavailable):
            call()
    assert simulator.refunds == {}


def _altered(simulator: AlipaySimulator, change: Callable[[bytes], bytes]) -> WsgiTransport:
    transport = WsgiTransport(simulator)

    class Altering(WsgiTransport):
        def __call__(self, call: Call) -> Reply:
            reply = transport(call)
            return Reply(reply.status, reply.headers, change(reply.body))

    return Altering(simulator)


@pytest.mark.parametrize("change", [
    lambda body: body.replace(b'"12.30"', b'"1.23"'),  # the response object, after signing
    lambda body: body.replace(b'"sign":"', b'"sign":"AAAA'),
    lambda body: body[: body.index(b',"sign"')] + b"}",  # unsigned
    lambda body: body + b" {}",
    lambda body: b"<html>502 Bad Gateway</html>",
    lambda body: body.replace(b'{"alipay_trade_query_response":',
                              b'{"alipay_trade_query_response":{"code":"10000"},'
                              b'"alipay_trade_query_response":'),
], ids=["amount", "signature", "unsigned", "trailing", "html", "repeated"])
def test_an_answer_failing_its_signature_is_unavailable(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock,
        config: AlipayConfig, change: Callable[[bytes], bytes]) -> None:
    out_trade_no = paid(gateway, simulator, clock)
    altered = AlipayGateway(config, _altered(simulator, change), clock)

    with pytest.raises(GatewayUnavailable):
        altered.query(out_trade_no)


def test_an_answer_signed_by_another_key_is_unavailable(
        config: AlipayConfig, simulator: AlipaySimulator, clock: ManualClock,
        tmp_path: Path) -> None:
    stranger = AlipaySimulator.from_directory(tmp_path, base_url=BASE, clock=clock)
    impostor = AlipaySimulator(stranger.key, simulator.merchant_key, base_url=BASE, clock=clock)
    gateway = AlipayGateway(config, WsgiTransport(impostor), clock)

    with pytest.raises(GatewayUnavailable):
        gateway.query("P20240305A1")


# -- the statement --------------------------------------------------------------------------------

def test_the_statement_lists_payments_and_refunds(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock) -> None:
    first = paid(gateway, simulator, clock, "P20240305A1", "100.00")
    clock.advance(minutes=5)
    second = paid(gateway, simulator, clock, "P20240305A2", "45.60")
    gateway.refund(refund(first, "R1", "30.00"))
    with pytest.raises(GatewayRefused) as not_yet:
        gateway.statement(date(2024, 3, 5))
    assert not_yet.value.code == "isp.bill_not_exist"

    clock.advance(days=1)
    lines = gateway.statement(date(2024, 3, 5))

    assert [(line.kind, line.out_trade_no, line.amount, line.refund_no) for line in lines] == [
        ("payment", first, D("100.00"), ""), ("payment", second, D("45.60"), ""),
        ("refund", first, D("30.00"), "R1")]
    assert lines[0].trade_no == simulator.trades[first].trade_no
    assert lines[1].occurred_at == datetime(2024, 3, 5, 2, 5, tzinfo=UTC)
    assert gateway.statement(date(2024, 3, 4)) == []


def test_the_bill_is_a_zip_of_gbk_csv_like_alipays(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock) -> None:
    paid(gateway, simulator, clock)
    clock.advance(days=1)
    url = simulator._bill_url({"bill_type": "trade", "bill_date": "2024-03-05"}, [])
    reply = WsgiTransport(simulator)(Call("GET", url["bill_download_url"]))

    with zipfile.ZipFile(io.BytesIO(reply.body)) as bill:
        names = [entry.filename.encode("cp437").decode("gbk") for entry in bill.infolist()]
        text = bill.read(bill.infolist()[0]).decode("gbk")
    assert names == ["20880000000000010156_20240305_业务明细.csv",
                     "20880000000000010156_20240305_业务明细(汇总).csv"]
    assert text.startswith("#支付宝业务明细查询") and "P20240305A1\t,交易\t" in text
    clock.advance(seconds=31)  # a download address lives 30 seconds
    assert WsgiTransport(simulator)(Call("GET", url["bill_download_url"])).status == 404


def test_an_unreadable_bill_is_unavailable(
        config: AlipayConfig, simulator: AlipaySimulator, clock: ManualClock) -> None:
    def truncated_zip(body: bytes) -> bytes:
        return body[: len(body) // 2] if body.startswith(b"PK") else body

    gateway = AlipayGateway(config, _altered(simulator, truncated_zip), clock)
    clock.advance(days=1)

    with pytest.raises(GatewayUnavailable):
        gateway.statement(date(2024, 3, 5))


def test_a_planted_difference_shows_in_the_statement(
        gateway: AlipayGateway, simulator: AlipaySimulator, clock: ManualClock) -> None:
    first = paid(gateway, simulator, clock, "P20240305A1", "100.00")
    second = paid(gateway, simulator, clock, "P20240305A2", "45.60")
    simulator.plant_statement_mismatch(first, D("99.00"))
    simulator.plant_statement_mismatch(second)
    clock.advance(days=1)

    assert [(line.out_trade_no, line.amount) for line in gateway.statement(date(2024, 3, 5))] == [
        (first, D("99.00"))]


# -- settings -------------------------------------------------------------------------------------

def test_settings_name_each_problem(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as missing:
        AlipayConfig.from_settings({})
    assert set(missing.value.errors) == {
        "shop.payments.alipay.app_id", "shop.payments.alipay.seller_id",
        "shop.payments.alipay.private_key", "shop.payments.alipay.alipay_public_key"}

    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(Invalid) as unreadable:
        AlipayConfig.from_settings({
            "shop.payments.alipay.app_id": "2021000000000001",
            "shop.payments.alipay.seller_id": "2088000000000001",
            "shop.payments.alipay.private_key": str(tmp_path / "absent.pem"),
            "shop.payments.alipay.alipay_public_key": str(garbage),
            "shop.payments.alipay.installment_seller_percent": "50"})
    assert set(unreadable.value.errors) == {
        "shop.payments.alipay.private_key", "shop.payments.alipay.alipay_public_key",
        "shop.payments.alipay.installment_seller_percent"}


def test_the_simulators_settings_make_a_working_config(keys: Path) -> None:
    config = AlipayConfig.from_settings(shop_settings(keys, BASE + "/"))

    assert (config.app_id, config.seller_id) == ("2021000000000001", "2088000000000001")
    assert config.gateway_url == BASE + "/gateway.do"
    assert (config.installment_seller_percent, config.installment_minimum) == (0, D("100.00"))
