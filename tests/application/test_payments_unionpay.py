"""The UnionPay adapter against the UnionPay simulator, in-process (no database, no network).

The simulator signs and checks with its own code and certificate chain, so each round trip
proves the adapter speaks ACP 5.1.0; each tamper flips one thing and must be refused.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from shop.application.clock import ManualClock
from shop.application.errors import Invalid
from shop.application.payments.gateways.http import Call, Reply, WsgiTransport
from shop.application.payments.gateways.port import (
    BadNotification,
    GatewayRefused,
    GatewayUnavailable,
    HttpRequest,
    Notification,
    PayRequest,
    RefundRequest,
)
from shop.application.payments.gateways.unionpay import UnionpayConfig, UnionpayGateway
from shop.simulators.unionpay import (
    MER_ID,
    PFX_PASSWORD,
    VALID_UNTIL,
    UnionpaySimulator,
    shop_settings,
)

#: Touches no database: `make test` runs it once, on the SQLite pass.
pytestmark = pytest.mark.no_database

BASE = "http://gateway.simulator.test/_simulators/unionpay"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
NUMBER = "20261201000000000123"


@dataclass
class Inbox:
    """The shop's notify URL, as the simulator's ``deliver`` reaches it."""

    received: list[tuple[str, Mapping[str, str], bytes]] = field(default_factory=list)

    def __call__(self, url: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        self.received.append((url, headers, body))
        return 200, b"ok"

    def last(self) -> HttpRequest:
        _, headers, body = self.received[-1]
        return HttpRequest(headers=headers, body=body)


class FormReader(HTMLParser):
    """The first form of a page: its action, hidden and checked inputs, and buttons."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.action:
            self.action = attributes["action"]
        elif tag == "input" and (attributes.get("type") == "hidden" or "checked" in attributes):
            self.fields[attributes["name"]] = attributes["value"]
        elif tag == "button":
            self.buttons.append(attributes.get("value", ""))


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = tmp_path_factory.mktemp("unionpay")
    shop_settings(made, BASE)  # makes the chain and the merchant's keys once for the module
    return made


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def simulator(directory: Path, clock: ManualClock, inbox: Inbox) -> UnionpaySimulator:
    return UnionpaySimulator.from_directory(directory, base_url=BASE, clock=clock, deliver=inbox)


@pytest.fixture(scope="module")
def config(directory: Path) -> UnionpayConfig:
    return UnionpayConfig.from_settings(shop_settings(directory, BASE))


@pytest.fixture
def gateway(config: UnionpayConfig, simulator: UnionpaySimulator, clock: ManualClock
            ) -> UnionpayGateway:
    return UnionpayGateway(config, WsgiTransport(simulator), clock)


def pay_request(number: str = NUMBER, amount: str = "12.30", device: str = "desktop"
                ) -> PayRequest:
    return PayRequest(out_trade_no=number, amount=Decimal(amount), subject="订单 & {礼物}",
                      device=device,  # type: ignore[arg-type]
                      notify_url="https://shop.example/payments/unionpay/notify",
                      return_url="https://shop.example/payments/unionpay/return",
                      client_ip="203.0.113.9", expires_at=NOW + timedelta(days=1))


def post(simulator: UnionpaySimulator, url: str, fields: Mapping[str, str]) -> Reply:
    body = urllib.parse.urlencode(fields).encode()
    return WsgiTransport(simulator)(Call("POST", url, FORM, body))


def decide(simulator: UnionpaySimulator, page: FormReader, decision: str) -> FormReader:
    """Press 确认支付 (pay) or 支付失败 (fail) on the bank page: the page going back."""
    return FormReader(post(simulator, page.action, {**page.fields, "decision": decision})
                      .body.decode())


def bank_page(gateway: UnionpayGateway, simulator: UnionpaySimulator, **changes: str) -> str:
    step = gateway.start(pay_request())
    return post(simulator, step.url, {**step.fields, **changes}).body.decode()


def paid(gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox,
         number: str = NUMBER, amount: str = "12.30") -> Notification:
    step = gateway.start(pay_request(number, amount))
    post(simulator, step.url, step.fields)
    simulator.pay(number)
    return gateway.verify_notification(inbox.last())


def refund_request(refund_no: str = "20261202000000000777", amount: str = "5.00",
                   trade_no: str = "") -> RefundRequest:
    return RefundRequest(out_trade_no=NUMBER, trade_no=trade_no, refund_no=refund_no,
                         amount=Decimal(amount), total=Decimal("12.30"),
                         notify_url="https://shop.example/payments/unionpay/notify")


# -- paying ------------------------------------------------------------------------------------


def test_the_front_form_is_an_acp_consume_signed_for_the_simulator(
        gateway: UnionpayGateway, simulator: UnionpaySimulator) -> None:
    step = gateway.start(pay_request())

    assert (step.kind, step.url) == ("post_form", BASE + "/gateway/api/frontTransReq.do")
    fields = step.fields
    assert {name: fields[name] for name in (
        "version", "signMethod", "txnType", "txnSubType", "bizType", "channelType",
        "accessType", "currencyCode", "txnAmt", "orderId", "txnTime", "payTimeout", "merId",
    )} == {"version": "5.1.0", "signMethod": "01", "txnType": "01", "txnSubType": "01",
           "bizType": "000201", "channelType": "07", "accessType": "0", "currencyCode": "156",
           "txnAmt": "1230", "orderId": NUMBER, "txnTime": "20261201000000",
           "payTimeout": "20261202100000", "merId": MER_ID}
    assert fields["riskRateInfo"] == "{commodityName=订单  礼物}"
    page = post(simulator, step.url, fields).body.decode()
    assert "¥12.30" in page
    assert FormReader(page).buttons == ["pay", "fail"]
    assert "确认支付" in page and "支付失败" in page and "返回商户" in page


@pytest.mark.parametrize("changes", [{"txnAmt": "1"}, {"orderId": "20261201000000000124"},
                                     {"certId": "12345"}])
def test_the_simulator_refuses_a_form_changed_after_signing(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, changes: dict[str, str]) -> None:
    page = bank_page(gateway, simulator, **changes)

    assert "11 验证签名失败" in page
    assert "确认支付" not in page


def test_a_form_past_its_pay_timeout_opens_no_bank_page(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, clock: ManualClock) -> None:
    step = gateway.start(pay_request())
    clock.advance(days=1)

    page = post(simulator, step.url, step.fields).body.decode()

    assert "39" in page and "确认支付" not in page


def test_a_bank_page_left_open_past_its_pay_timeout_cannot_pay(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox,
        clock: ManualClock) -> None:
    page = FormReader(bank_page(gateway, simulator))
    clock.advance(days=1)

    assert decide(simulator, page, "pay").action == ""  # an error page, no way back signed
    assert inbox.received == []
    with pytest.raises(GatewayRefused):
        gateway.query(NUMBER)


def test_mobile_pays_on_channel_08_and_a_bank_code_goes_to_that_bank(
        gateway: UnionpayGateway, simulator: UnionpaySimulator) -> None:
    step = gateway.start(pay_request(device="mobile"), bank="CMB")

    assert (step.fields["channelType"], step.fields["issInsCode"]) == ("08", "CMB")
    assert FormReader(post(simulator, step.url, step.fields).body.decode()).fields["bank"] == "CMB"


def test_paying_on_the_bank_page_notifies_the_shop_and_returns_the_shopper_signed(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox,
        clock: ManualClock) -> None:
    form = decide(simulator, FormReader(bank_page(gateway, simulator)), "pay")

    (url, _, body), = inbox.received
    assert url == "https://shop.example/payments/unionpay/notify"
    assert urllib.parse.parse_qs(body.decode())["txnAmt"] == ["1230"]  # fen on the wire
    notification = gateway.verify_notification(inbox.last())
    trade, = simulator.trades
    assert (notification.kind, notification.out_trade_no, notification.amount) == (
        "paid", NUMBER, Decimal("12.30"))
    assert (notification.trade_no, notification.event_id) == (
        trade.query_id, trade.query_id + ":01")
    assert notification.occurred_at == clock.now()
    assert (trade.bank, simulator.deliveries[0].status) == ("ICBC", 200)
    assert form.action == "https://shop.example/payments/unionpay/return"
    assert gateway.verify_return(HttpRequest(
        headers=FORM, body=urllib.parse.urlencode(form.fields).encode())) == NUMBER


def test_a_failed_payment_returns_signed_but_notifies_nothing(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    form = decide(simulator, FormReader(bank_page(gateway, simulator)), "fail")

    assert form.fields["respCode"] == "01"
    assert gateway.verify_return(HttpRequest(
        headers=FORM, body=urllib.parse.urlencode(form.fields).encode())) == NUMBER
    assert inbox.received == []
    assert gateway.query(NUMBER).state == "closed"


def test_a_return_with_a_changed_field_is_refused(
        gateway: UnionpayGateway, simulator: UnionpaySimulator) -> None:
    form = decide(simulator, FormReader(bank_page(gateway, simulator)), "pay")

    with pytest.raises(BadNotification):
        gateway.verify_return(HttpRequest(headers=FORM, body=urllib.parse.urlencode(
            {**form.fields, "orderId": "20261201000000000999"}).encode()))


def test_the_answer_to_a_notification() -> None:
    gateway = UnionpayGateway.__new__(UnionpayGateway)

    assert (gateway.acknowledge(True).status, gateway.acknowledge(True).body) == (200, b"ok")
    assert gateway.acknowledge(False).status != 200  # UnionPay retries until it gets 200


# -- notifications that must be refused ----------------------------------------------------------


def test_an_untouched_notification_verifies(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    paid(gateway, simulator, inbox)
    headers, body = simulator.notification(NUMBER)

    assert gateway.verify_notification(HttpRequest(headers, body)).amount == Decimal("12.30")


@pytest.mark.parametrize(("how", "reason"), [
    ({"tamper": {"txnAmt": "123000"}}, "signature"),
    ({"tamper": {"signature": "A" + "B" * 343}}, "signature"),
    ({"tamper": {"signature": "not base64!"}}, "signature"),
    ({"signer": "foreign"}, "chain"),
    ({"signer": "expired"}, "not valid"),
    ({"signer": "not_unionpay"}, "not UnionPay's"),
    ({"merId": "777290058110097"}, "merId"),
    ({"version": "5.0.0"}, "5.1.0"),
    ({"tamper": {"signPubKeyCert": "-----BEGIN CERTIFICATE-----\r\nAAAA"}}, "certificate"),
])
def test_a_tampered_notification_is_refused(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox,
        how: dict[str, object], reason: str) -> None:
    paid(gateway, simulator, inbox)
    headers, body = simulator.notification(NUMBER, **how)  # type: ignore[arg-type]

    with pytest.raises(BadNotification, match=reason):
        gateway.verify_notification(HttpRequest(headers, body))


def test_a_field_sent_twice_is_refused(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    paid(gateway, simulator, inbox)
    headers, body = simulator.notification(NUMBER)

    with pytest.raises(BadNotification, match="twice"):
        gateway.verify_notification(HttpRequest(headers, body + b"&txnAmt=123000"))


def test_unionpays_certificate_is_refused_once_it_expires(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox,
        clock: ManualClock) -> None:
    paid(gateway, simulator, inbox)
    headers, body = simulator.notification(NUMBER)
    clock.set(VALID_UNTIL + timedelta(days=1))

    with pytest.raises(BadNotification, match="not valid"):
        gateway.verify_notification(HttpRequest(headers, body))


def test_a_chain_to_another_root_is_refused(
        gateway: UnionpayGateway, config: UnionpayConfig, tmp_path: Path,
        simulator: UnionpaySimulator, inbox: Inbox, clock: ManualClock) -> None:
    other = UnionpayConfig.from_settings(shop_settings(tmp_path, BASE))  # another simulator's
    paid(gateway, simulator, inbox)
    stranger = UnionpayGateway(
        UnionpayConfig(**{**vars(config), "root_cert": other.root_cert}),
        WsgiTransport(simulator), clock)

    with pytest.raises(BadNotification, match="chain"):
        stranger.verify_notification(inbox.last())


# -- asking the gateway ------------------------------------------------------------------------


def test_query_knows_nothing_before_payment_and_the_payment_after(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    with pytest.raises(GatewayRefused) as refused:
        gateway.query(NUMBER)
    assert refused.value.code == "34"

    notification = paid(gateway, simulator, inbox)
    status = gateway.query(NUMBER)

    assert (status.state, status.amount, status.trade_no) == (
        "paid", Decimal("12.30"), notification.trade_no)


def test_close_sends_nothing_and_never_reverses_a_payment(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    paid(gateway, simulator, inbox)

    gateway.close(NUMBER)

    assert gateway.query(NUMBER).state == "paid"
    assert simulator.refunds == []


def test_a_refund_is_accepted_then_notified(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    payment = paid(gateway, simulator, inbox)

    outcome = gateway.refund(refund_request(trade_no=payment.trade_no))

    refund, = simulator.refunds
    assert (outcome.state, outcome.gateway_refund_id) == ("pending", refund.query_id)
    assert (refund.amount, refund.orig_query_id) == (500, payment.trade_no)
    notification = gateway.verify_notification(inbox.last())
    assert (notification.kind, notification.out_trade_no, notification.trade_no,
            notification.refund_no, notification.amount, notification.event_id) == (
        "refunded", NUMBER, payment.trade_no, "20261202000000000777", Decimal("5.00"),
        refund.query_id + ":04")


def test_a_refund_sent_again_refunds_once(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    payment = paid(gateway, simulator, inbox)
    gateway.refund(refund_request(trade_no=payment.trade_no))

    again = gateway.refund(refund_request(trade_no=payment.trade_no))

    assert again.state == "succeeded"
    assert [refund.amount for refund in simulator.refunds] == [500]
    assert simulator.trades[0].refunded == 500


@pytest.mark.parametrize(("amounts", "code"), [(["12.31"], "36"), (["10.00", "2.31"], "36")])
def test_refunding_more_than_was_paid_is_refused(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox,
        amounts: list[str], code: str) -> None:
    payment = paid(gateway, simulator, inbox)
    *first, last = amounts
    for index, amount in enumerate(first):
        gateway.refund(refund_request(f"2026120200000000070{index}", amount, payment.trade_no))

    with pytest.raises(GatewayRefused) as refused:
        gateway.refund(refund_request("20261202000000000799", last, payment.trade_no))

    assert refused.value.code == code
    assert simulator.trades[0].refunded == sum(int(Decimal(each) * 100) for each in first)


def test_refunding_an_unknown_trade_is_refused(gateway: UnionpayGateway) -> None:
    with pytest.raises(GatewayRefused) as refused:
        gateway.refund(refund_request(trade_no="202612011000000000000"))
    assert refused.value.code == "35"


def test_an_unreachable_gateway_is_unavailable(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    payment = paid(gateway, simulator, inbox)
    simulator.unreachable = True

    with pytest.raises(GatewayUnavailable):
        gateway.query(NUMBER)
    with pytest.raises(GatewayUnavailable):
        gateway.refund(refund_request(trade_no=payment.trade_no))
    with pytest.raises(GatewayUnavailable):
        gateway.statement(date(2026, 12, 1))
    assert simulator.refunds == []


def test_an_answer_that_does_not_verify_is_unavailable(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox,
        clock: ManualClock) -> None:
    paid(gateway, simulator, inbox)
    clock.set(VALID_UNTIL + timedelta(days=1))  # the simulator still signs with its certificate

    with pytest.raises(GatewayUnavailable, match="unverifiable"):
        gateway.query(NUMBER)


def test_an_http_error_is_unavailable(config: UnionpayConfig, clock: ManualClock) -> None:
    def broken(call: Call) -> Reply:
        return Reply(502, {}, b"Bad Gateway")
    gateway = UnionpayGateway(config, broken, clock)

    with pytest.raises(GatewayUnavailable, match="502"):
        gateway.query(NUMBER)


# -- the statement -----------------------------------------------------------------------------


def test_the_statement_lists_the_days_payments_and_refunds(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox,
        clock: ManualClock) -> None:
    first = paid(gateway, simulator, inbox)
    paid(gateway, simulator, inbox, "20261201000000000456", "99.99")
    gateway.refund(refund_request(trade_no=first.trade_no, amount="2.50"))
    clock.set(datetime(2026, 12, 1, 15, 30, tzinfo=UTC))  # 23:30 in Beijing: the next day's
    paid(gateway, simulator, inbox, "20261201000000000789", "1.00")

    lines = gateway.statement(date(2026, 12, 1))

    assert sorted((line.kind, line.out_trade_no, line.refund_no, line.amount, line.trade_no)
                  for line in lines) == [
        ("payment", "20261201000000000123", "", Decimal("12.30"), first.trade_no),
        ("payment", "20261201000000000456", "", Decimal("99.99"), simulator.trades[1].query_id),
        ("refund", "", "20261202000000000777", Decimal("2.50"), first.trade_no)]
    assert {line.occurred_at for line in lines} == {NOW}
    assert [line.out_trade_no for line in gateway.statement(date(2026, 12, 2))] == [
        "20261201000000000789"]


def test_a_planted_mismatch_shows_in_the_statement(
        gateway: UnionpayGateway, simulator: UnionpaySimulator, inbox: Inbox) -> None:
    paid(gateway, simulator, inbox)
    paid(gateway, simulator, inbox, "20261201000000000456", "99.99")
    simulator.plant_statement_mismatch(NUMBER, amount=1229)
    simulator.plant_statement_mismatch("20261201000000000456")

    lines = gateway.statement(date(2026, 12, 1))

    assert [(line.out_trade_no, line.amount) for line in lines] == [(NUMBER, Decimal("12.29"))]


# -- numbers and settings ----------------------------------------------------------------------


@pytest.mark.parametrize("number", ["20261201_0001", "2026120", "20261301000000000123"])
def test_a_number_unionpay_cannot_take_or_date_is_refused(
        gateway: UnionpayGateway, number: str) -> None:
    with pytest.raises(ValueError, match=r"orderId|time data|unconverted"):
        gateway.start(pay_request(number))


def test_settings_name_what_is_missing() -> None:
    with pytest.raises(Invalid) as invalid:
        UnionpayConfig.from_settings({"shop.payments.unionpay.environment": "staging"})

    assert set(invalid.value.errors) == {
        "shop.payments.unionpay." + name for name in (
            "environment", "mer_id", "sign_key", "root_cert", "middle_cert")}


def test_a_pfx_gives_the_key_and_the_cert_id(directory: Path) -> None:
    settings = shop_settings(directory, BASE)
    pem = UnionpayConfig.from_settings(settings)
    del settings["shop.payments.unionpay.sign_cert"]

    with pytest.raises(Invalid) as invalid:  # a PEM key alone does not say its certificate
        UnionpayConfig.from_settings(settings)
    assert set(invalid.value.errors) == {"shop.payments.unionpay.sign_cert_id"}
    pfx = UnionpayConfig.from_settings({
        **settings, "shop.payments.unionpay.sign_key": str(directory / "merchant.pfx"),
        "shop.payments.unionpay.sign_key_password": PFX_PASSWORD})

    assert pfx.cert_id == pem.cert_id
    with pytest.raises(Invalid) as invalid:
        UnionpayConfig.from_settings({
            **settings, "shop.payments.unionpay.sign_key": str(directory / "merchant.pfx"),
            "shop.payments.unionpay.sign_key_password": "123456"})
    assert "shop.payments.unionpay.sign_key" in invalid.value.errors


def test_a_certificate_of_another_key_is_refused(directory: Path) -> None:
    settings = shop_settings(directory, BASE)

    with pytest.raises(Invalid) as invalid:
        UnionpayConfig.from_settings({
            **settings, "shop.payments.unionpay.sign_cert": str(directory / "middle.cer")})

    assert invalid.value.errors == {
        "shop.payments.unionpay.sign_cert": "does not belong to sign_key"}


def test_the_test_environment_has_its_own_gateway_and_signer(directory: Path) -> None:
    settings = {key: value for key, value in shop_settings(directory, BASE).items()
                if not key.endswith("_url")}

    production = UnionpayConfig.from_settings(settings)
    test = UnionpayConfig.from_settings({**settings, "shop.payments.unionpay.environment": "test"})

    assert production.front_url == "https://gateway.95516.com/gateway/api/frontTransReq.do"
    assert test.query_url == "https://gateway.test.95516.com/gateway/api/queryTrans.do"
    assert (production.signer_names, test.signer_names) == (
        {"中国银联股份有限公司"}, {"中国银联股份有限公司", "00040000:SIGN"})
