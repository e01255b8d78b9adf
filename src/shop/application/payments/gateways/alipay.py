"""Alipay (支付宝) through its OpenAPI with RSA2 keys: page and WAP pay, notifications, query,
close, refund and the daily bill.

The protocol as opendocs.alipay.com describes it (签名/验签, alipay.trade.*):

- A request is the common parameters (app_id, method, format, charset, sign_type, a Beijing-time
  timestamp, version) and ``biz_content``, a JSON object. The merchant signs it SHA256withRSA
  (PKCS#1 v1.5) over the parameters sorted by name and joined ``k=v&…``, leaving out empty
  values and ``sign`` only (``sign_type`` is signed).
- A notification (异步通知) or a browser return (同步跳转) is signed by Alipay the same way but
  with ``sign_type`` left out as well, and verified with Alipay's public key.
- An API answer is ``{"alipay_<method>_response": {…}, "sign": "…"}``. The signature covers the
  response object's exact text as sent, so that text is cut out of the body, never re-encoded.
  ``code`` 10000 is success; any other is a refusal with ``sub_code``/``sub_msg``. An answer
  that does not verify is no answer at all, even a refusal (the SDKs trust unsigned errors; a
  refund's outcome must not rest on an unauthenticated message).
- Amounts are yuan strings with two decimals: ``_yuan`` and ``_amount`` are the only
  conversions. Times are Beijing time, ``yyyy-MM-dd HH:mm:ss``.

Settings (paths to PEM files, so keys stay out of the ini file)::

    shop.payments.alipay.app_id = 2021000000000001
    shop.payments.alipay.seller_id = 2088000000000001        # the merchant's PID
    shop.payments.alipay.private_key = /etc/shop/alipay-app-private.pem
    shop.payments.alipay.alipay_public_key = /etc/shop/alipay-public.pem
    shop.payments.alipay.gateway_url = https://openapi.alipay.com/gateway.do
    shop.payments.alipay.installment_seller_percent = 0     # 花呗分期 fee: 0 shopper, 100 shop
    shop.payments.alipay.installment_minimum = 100.00
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from shop.application.clock import Clock
from shop.application.errors import Invalid
from shop.application.money import from_yuan, to_money, to_yuan
from shop.application.payments.gateways.http import Call, Transport
from shop.application.payments.gateways.installments import (
    MINIMUM,
    PERIODS,
    SELLER_PERCENTS,
    InstallmentPlan,
    plans,
)
from shop.application.payments.gateways.port import (
    Acknowledgement,
    BadNotification,
    GatewayRefused,
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

PREFIX = "shop.payments.alipay."
GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FORM = "application/x-www-form-urlencoded"
#: What a merchant's request leaves out of its signature, and what Alipay's callbacks leave out.
REQUEST_UNSIGNED = frozenset({"sign"})
CALLBACK_UNSIGNED = frozenset({"sign", "sign_type"})
PAY_METHODS = {"desktop": ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
               "mobile": ("alipay.trade.wap.pay", "QUICK_WAP_WAY")}
PAID_STATES = ("TRADE_SUCCESS", "TRADE_FINISHED")
MAX_BILL_FILE = 64 << 20


def signing_string(params: Mapping[str, str], unsigned: Iterable[str]) -> str:
    """The text Alipay signs: parameters sorted by name, ``k=v`` joined by ``&``, without the
    ``unsigned`` names and without empty values."""
    left_out = frozenset(unsigned)
    return "&".join(f"{name}={value}" for name, value in sorted(params.items())
                    if name not in left_out and value != "")


def sign(key: RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verifies(key: RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(),
                   hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    seller_id: str
    private_key: RSAPrivateKey
    alipay_public_key: RSAPublicKey
    gateway_url: str = GATEWAY_URL
    installment_seller_percent: int = 0
    installment_minimum: Decimal = MINIMUM

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> AlipayConfig:
        """Read and check every setting at once; ``Invalid`` names each one that is wrong."""
        errors: dict[str, str] = {}

        def text(name: str, default: str = "") -> str:
            return str(settings.get(PREFIX + name) or default).strip()

        def check(name: str, ok: bool, message: str) -> None:
            if not ok:
                errors[PREFIX + name] = message

        app_id, seller_id = text("app_id"), text("seller_id")
        check("app_id", re.fullmatch(r"[0-9]{16}", app_id) is not None,
              "the 16-digit APPID of the Alipay application, e.g. 2021000000000001")
        check("seller_id", re.fullmatch(r"2088[0-9]{12}", seller_id) is not None,
              "the merchant's 16-digit PID, starting 2088")
        private_key = _key_file(text("private_key"), PREFIX + "private_key", errors, private=True)
        public_key = _key_file(text("alipay_public_key"), PREFIX + "alipay_public_key", errors,
                               private=False)
        gateway_url = text("gateway_url", GATEWAY_URL)
        parts = urlsplit(gateway_url)
        check("gateway_url", parts.scheme in ("http", "https") and bool(parts.hostname)
              and not parts.query, "an http(s) address such as " + GATEWAY_URL)
        percent = text("installment_seller_percent", "0")
        check("installment_seller_percent", percent in ("0", "100"),
              "0 (the shopper bears the 花呗分期 fee) or 100 (the shop does)")
        try:
            minimum = to_money(text("installment_minimum", str(MINIMUM)))
        except ValueError:
            minimum = Decimal(-1)
        check("installment_minimum", minimum >= 0, "an amount in yuan such as 100.00")
        if errors:
            raise Invalid(errors)
        assert isinstance(private_key, RSAPrivateKey) and isinstance(public_key, RSAPublicKey)
        return cls(app_id, seller_id, private_key, public_key, gateway_url, int(percent), minimum)


def _key_file(path: str, setting: str, errors: dict[str, str],
              *, private: bool) -> RSAPrivateKey | RSAPublicKey | None:
    what = "the merchant's RSA private key" if private else "Alipay's RSA public key"
    if not path:
        errors[setting] = f"the path of a PEM file holding {what}"
        return None
    try:
        pem = Path(path).read_bytes()
        key: object = (serialization.load_pem_private_key(pem, password=None) if private
                       else serialization.load_pem_public_key(pem))
    except (OSError, ValueError, TypeError) as exc:
        errors[setting] = f"cannot read {what} from {path}: {exc}"
        return None
    wanted = RSAPrivateKey if private else RSAPublicKey
    if not isinstance(key, wanted) or key.key_size < 2048:
        errors[setting] = f"{path} does not hold {what} of at least 2048 bits (RSA2)"
        return None
    return key


class AlipayGateway:
    name = "alipay"

    def __init__(self, config: AlipayConfig, transport: Transport, clock: Clock) -> None:
        self.config = config
        self.transport = transport
        self.clock = clock

    def installment_plans(self, amount: Decimal) -> list[InstallmentPlan]:
        """The 花呗分期 plans this merchant offers for ``amount`` (none below the minimum)."""
        return plans(amount, self.config.installment_seller_percent,
                     self.config.installment_minimum)

    # -- paying -------------------------------------------------------------------------------

    def start(self, request: PayRequest) -> NextStep:
        """The signed page (desktop) or WAP (mobile) pay form; Alipay creates the trade when the
        shopper opens its cashier, so nothing is sent from here."""
        method, product_code = PAY_METHODS[request.device]
        biz: dict[str, Any] = {
            "out_trade_no": request.out_trade_no, "total_amount": _yuan(request.amount),
            "subject": request.subject, "product_code": product_code,
            "time_expire": _beijing(request.expires_at)}
        if request.installments:
            biz["extend_params"] = self._installments(request)
        fields = self._signed(method, biz, notify_url=request.notify_url,
                              return_url=request.return_url)
        return NextStep(kind="post_form", url=self._endpoint(), fields=fields)

    def _installments(self, request: PayRequest) -> dict[str, str]:
        if request.installments not in PERIODS:
            raise Invalid({"installments": f"花呗分期 is offered in {PERIODS} periods"})
        if request.amount < self.config.installment_minimum:
            raise Invalid({"installments": f"花呗分期 starts at {self.config.installment_minimum}"})
        assert self.config.installment_seller_percent in SELLER_PERCENTS
        return {"hb_fq_num": str(request.installments),
                "hb_fq_seller_percent": str(self.config.installment_seller_percent)}

    # -- callbacks ----------------------------------------------------------------------------

    def verify_notification(self, request: HttpRequest) -> Notification:
        """A verified notification. A refund is told by ``out_biz_no`` (the refund's
        out_request_no); its amount is ``refund_fee``, which Alipay gives as the trade's total
        refunded so far. WAIT_BUYER_PAY (sent only on subscription) is ``pending``."""
        fields = _form_fields(request.body)
        self._verify_callback(fields, "notification")
        status = fields.get("trade_status", "")
        kind: Literal["paid", "closed", "refunded", "pending"]
        if fields.get("out_biz_no"):
            kind, amount_field, time_field = "refunded", "refund_fee", "gmt_refund"
        elif status in PAID_STATES:
            kind, amount_field, time_field = "paid", "total_amount", "gmt_payment"
        elif status == "TRADE_CLOSED":
            kind, amount_field, time_field = "closed", "total_amount", "gmt_close"
        elif status == "WAIT_BUYER_PAY":
            kind, amount_field, time_field = "pending", "total_amount", "gmt_create"
        else:
            raise BadNotification(f"notification: unknown trade_status {status!r}")
        missing = [name for name in ("notify_id", "out_trade_no", "trade_no", amount_field)
                   if not fields.get(name)]
        if missing:
            raise BadNotification(f"notification: missing {', '.join(missing)}")
        try:
            amount = _amount(fields[amount_field])
            occurred_at = _from_beijing(fields[time_field]) if fields.get(time_field) else None
        except ValueError as exc:
            raise BadNotification(f"notification: {exc}") from exc
        return Notification(
            gateway=self.name, event_id=fields["notify_id"], kind=kind,
            out_trade_no=fields["out_trade_no"], trade_no=fields["trade_no"], amount=amount,
            occurred_at=occurred_at, refund_no=fields.get("out_biz_no", ""), raw=fields)

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        """``success`` stops Alipay's retries; anything else makes it send again later."""
        return Acknowledgement(200, "text/plain; charset=utf-8",
                               b"success" if accepted else b"failure")

    def verify_return(self, request: HttpRequest) -> str:
        fields = dict(request.query)
        self._verify_callback(fields, "return")
        if not fields.get("out_trade_no"):
            raise BadNotification("return: no out_trade_no")
        return fields["out_trade_no"]

    def _verify_callback(self, fields: Mapping[str, str], what: str) -> None:
        signature = fields.get("sign", "")
        if not signature:
            raise BadNotification(f"{what}: not signed")
        if fields.get("sign_type", "RSA2") != "RSA2":
            raise BadNotification(f"{what}: sign_type {fields['sign_type']!r}, not RSA2")
        try:
            message = signing_string(fields, CALLBACK_UNSIGNED).encode(
                fields.get("charset") or "utf-8")
        except (LookupError, UnicodeError) as exc:
            raise BadNotification(f"{what}: charset {fields.get('charset')!r}: {exc}") from exc
        if not verifies(self.config.alipay_public_key, message, signature):
            raise BadNotification(f"{what}: the signature does not verify with Alipay's key")
        for name, ours in (("app_id", self.config.app_id), ("seller_id", self.config.seller_id)):
            if fields.get(name) != ours:
                raise BadNotification(f"{what}: {name} {fields.get(name)!r} is not this shop's")

    # -- the API ------------------------------------------------------------------------------

    def query(self, out_trade_no: str) -> TradeStatus:
        """A closed trade that was once paid (``send_pay_date``) was closed by a full refund."""
        answer = self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        self._same_trade(answer, out_trade_no)
        status = answer.get("trade_status")
        state: Literal["paid", "unpaid", "closed", "refunded"]
        if status in PAID_STATES:
            state = "paid"
        elif status == "WAIT_BUYER_PAY":
            state = "unpaid"
        elif status == "TRADE_CLOSED":
            state = "refunded" if answer.get("send_pay_date") else "closed"
        else:
            raise GatewayUnavailable(f"alipay.trade.query: unknown trade_status {status!r}")
        return TradeStatus(state, out_trade_no, str(answer.get("trade_no", "")),
                           self._answer_amount(answer, "total_amount"))

    def close(self, out_trade_no: str) -> None:
        """ACQ.TRADE_NOT_EXIST: the shopper never opened the cashier, so no trade can be paid."""
        try:
            self._call("alipay.trade.close", {"out_trade_no": out_trade_no})
        except GatewayRefused as refusal:
            if refusal.code != "ACQ.TRADE_NOT_EXIST":
                raise

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """``fund_change`` Y: refunded now. N: this request moved no money, either because the
        same out_request_no was refunded before (a retry) or because the refund is still under
        way; Alipay says to ask alipay.trade.fastpay.refund.query which."""
        biz = {"out_trade_no": request.out_trade_no, "trade_no": request.trade_no,
               "refund_amount": _yuan(request.amount), "out_request_no": request.refund_no,
               "refund_reason": request.reason}
        answer = self._call("alipay.trade.refund", {k: v for k, v in biz.items() if v})
        self._same_trade(answer, request.out_trade_no)
        if answer.get("fund_change") == "Y":
            return RefundOutcome("succeeded", request.refund_no)
        found = self._call("alipay.trade.fastpay.refund.query",
                           {"out_trade_no": request.out_trade_no,
                            "out_request_no": request.refund_no})
        # Data for this out_request_no with refund_status empty or REFUND_SUCCESS is a refund
        # made; no data is a refund not (yet) made.
        done = (found.get("out_request_no") == request.refund_no
                and found.get("refund_status", "REFUND_SUCCESS") == "REFUND_SUCCESS"
                and self._answer_amount(found, "refund_amount") == request.amount)
        return RefundOutcome("succeeded" if done else "pending", request.refund_no)

    def statement(self, day: date) -> list[StatementLine]:
        """The trade bill (对账单) of ``day``: a zip of GBK CSV files, of which the 业务明细
        (details) one lists each payment (交易) and refund (退款)."""
        answer = self._call("alipay.data.dataservice.bill.downloadurl.query",
                            {"bill_type": "trade", "bill_date": day.isoformat()})
        url = answer.get("bill_download_url")
        if not isinstance(url, str) or not url:
            raise GatewayUnavailable("bill download: no bill_download_url")
        reply = self.transport(Call("GET", url))
        if reply.status != 200:
            raise GatewayUnavailable(f"bill download: HTTP {reply.status}")
        try:
            return _bill_lines(reply.body)
        except (zipfile.BadZipFile, UnicodeDecodeError, csv.Error, ValueError, LookupError) as exc:
            raise GatewayUnavailable(f"bill download: unreadable bill: {exc}") from exc

    # -- requests and answers -----------------------------------------------------------------

    def _endpoint(self) -> str:
        return self.config.gateway_url + "?charset=utf-8"

    def _signed(self, method: str, biz: Mapping[str, Any], **extra: str) -> dict[str, str]:
        params = {"app_id": self.config.app_id, "method": method, "format": "JSON",
                  "charset": "utf-8", "sign_type": "RSA2",
                  "timestamp": _beijing(self.clock.now()), "version": "1.0",
                  **{name: value for name, value in extra.items() if value},
                  "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":"))}
        params["sign"] = sign(self.config.private_key,
                              signing_string(params, REQUEST_UNSIGNED).encode("utf-8"))
        return params

    def _call(self, method: str, biz: Mapping[str, Any]) -> dict[str, Any]:
        body = urlencode(self._signed(method, biz)).encode("ascii")
        reply = self.transport(Call("POST", self._endpoint(),
                                    {"Content-Type": FORM + ";charset=utf-8"}, body))
        if reply.status != 200:
            raise GatewayUnavailable(f"{method}: HTTP {reply.status}")
        answer = _verified_answer(reply.body, method, self.config.alipay_public_key)
        if answer.get("code") != "10000":
            raise GatewayRefused(str(answer.get("sub_code") or answer.get("code") or "unknown"),
                           str(answer.get("sub_msg") or answer.get("msg") or ""))
        return answer

    @staticmethod
    def _same_trade(answer: Mapping[str, Any], out_trade_no: str) -> None:
        if answer.get("out_trade_no", out_trade_no) != out_trade_no:
            raise GatewayUnavailable(f"an answer about {answer['out_trade_no']!r}, "
                                     f"not {out_trade_no!r}")

    @staticmethod
    def _answer_amount(answer: Mapping[str, Any], field: str) -> Decimal:
        try:
            return _amount(answer[field])
        except (KeyError, ValueError) as exc:
            raise GatewayUnavailable(f"an answer without a usable {field}: {exc}") from exc


def _yuan(amount: Decimal) -> str:
    """The shop's amount as Alipay writes it ("12.30"): the one conversion out."""
    return to_yuan(amount)


def _amount(text: object) -> Decimal:
    """Alipay's yuan text as the shop's amount, strictly: the one conversion in."""
    if not isinstance(text, str):
        raise ValueError(f"not a yuan amount: {text!r}")
    return from_yuan(text)


def _beijing(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("an aware time is needed")
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def _from_beijing(text: str) -> datetime:
    """Alipay's Beijing time (refund times carry milliseconds) as an aware UTC time."""
    for layout in (TIME_FORMAT, TIME_FORMAT + ".%f"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=BEIJING).astimezone(UTC)
        except ValueError:
            continue
    raise ValueError(f"not a Beijing time: {text!r}")


def _form_fields(body: bytes) -> dict[str, str]:
    """A form body's fields, decoded in the charset the body names (``charset``, UTF-8 when
    absent). Form encoding percent-escapes every non-ASCII byte, so the body itself is ASCII."""
    try:
        text = body.decode("ascii")
        probe = dict(parse_qsl(text, keep_blank_values=True, encoding="latin-1"))
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text),
                          encoding=probe.get("charset") or "utf-8", errors="strict",
                          max_num_fields=200)
    except (UnicodeError, LookupError, ValueError) as exc:
        raise BadNotification(f"notification: unreadable form body: {exc}") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise BadNotification("notification: a field is repeated")
    return fields


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _verified_answer(body: bytes, method: str, key: RSAPublicKey) -> dict[str, Any]:
    """The response object of an API answer whose signature verifies over its exact text."""
    try:
        members = _members(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise GatewayUnavailable(f"{method}: unreadable answer: {exc}") from exc
    found = members.get(method.replace(".", "_") + "_response") or members.get("error_response")
    if found is None or not isinstance(found[0], dict):
        raise GatewayUnavailable(f"{method}: the answer has no response object")
    answer: dict[str, Any] = found[0]
    text = found[1]
    signature = members.get("sign", ("", ""))[0]
    if not isinstance(signature, str) or not verifies(key, text.encode("utf-8"), signature):
        raise GatewayUnavailable(f"{method}: the answer's signature does not verify "
                                 f"(code {answer.get('code')} {answer.get('sub_code', '')})")
    return answer


def _members(text: str) -> dict[str, tuple[Any, str]]:
    """Each member of a JSON object: its value and the exact text it was sent as. A repeated
    name or anything after the object is refused, so the signed text is the one read."""
    decoder = json.JSONDecoder()

    def skip(position: int) -> int:
        match = _WHITESPACE.match(text, position)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    position = skip(0)
    if text[position:position + 1] != "{":
        raise ValueError("not a JSON object")
    members: dict[str, tuple[Any, str]] = {}
    position = skip(position + 1)
    while text[position:position + 1] != "}":
        if members:
            if text[position:position + 1] != ",":
                raise ValueError(f"',' expected at {position}")
            position = skip(position + 1)
        if text[position:position + 1] != '"':
            raise ValueError(f"a name expected at {position}")
        name, position = decoder.raw_decode(text, position)
        position = skip(position)
        if text[position:position + 1] != ":" or name in members:
            raise ValueError(f"a bad or repeated member {name!r}")
        start = skip(position + 1)
        value, position = decoder.raw_decode(text, start)
        members[name] = (value, text[start:position])
        position = skip(position)
    if skip(position + 1) != len(text):
        raise ValueError("text after the JSON object")
    return members


# -- the bill -----------------------------------------------------------------------------------

_KINDS: dict[str, Literal["payment", "refund"]] = {"交易": "payment", "退款": "refund"}


def _bill_lines(archive: bytes) -> list[StatementLine]:
    with zipfile.ZipFile(io.BytesIO(archive)) as bill:
        details = [entry for entry in bill.infolist()
                   if _entry_name(entry).endswith("_业务明细.csv")]
        if len(details) != 1 or details[0].file_size > MAX_BILL_FILE:
            raise ValueError("the bill has no single details file (业务明细) of a sane size")
        text = bill.read(details[0]).decode("gbk")
    # Comment lines (#…) frame the table; the first other line is its header.
    rows = csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    column = {name.strip(): index for index, name in enumerate(next(rows, []))}
    lines = []
    for row in rows:
        # Alipay ends identifiers with a tab so that spreadsheets keep them as text.
        cells = [cell.strip() for cell in row]
        kind = _KINDS.get(cells[column["业务类型"]])
        if kind is None:
            continue
        lines.append(StatementLine(
            kind=kind, out_trade_no=cells[column["商户订单号"]],
            trade_no=cells[column["支付宝交易号"]],
            amount=abs(_amount(cells[column["订单金额（元）"]])),
            occurred_at=_from_beijing(cells[column["完成时间"]]),
            refund_no=cells[column["退款批次号/请求号"]] if kind == "refund" else ""))
    return lines


def _entry_name(entry: zipfile.ZipInfo) -> str:
    """An entry's name: Alipay writes GBK names without the UTF-8 flag, which zipfile reads as
    code page 437, so the original bytes are recovered and read as GBK."""
    if entry.flag_bits & 0x800:
        return entry.filename
    return entry.filename.encode("cp437").decode("gbk", errors="replace")
