"""WeChat Pay API v3 (微信支付): Native (a QR code) on desktop, H5 in a mobile browser.

::

    shop.payments.wechat.mch_id = 1900000109           # 商户号
    shop.payments.wechat.appid = wx8888888888888888    # the AppID bound to the merchant
    shop.payments.wechat.api_v3_key = …                # APIv3 密钥, 32 bytes
    shop.payments.wechat.merchant_serial = 3775B6A4…   # 商户API证书序列号
    shop.payments.wechat.private_key = /etc/shop/apiclient_key.pem
    shop.payments.wechat.platform_certificates = /etc/shop/wechatpay_5157F09E.pem …
    shop.payments.wechat.public_key = /etc/shop/pub_key.pem      # or 微信支付公钥 mode,
    shop.payments.wechat.public_key_id = PUB_KEY_ID_0114…         # alone or beside certificates
    shop.payments.wechat.api_url = https://api.mch.weixin.qq.com

Every request carries a ``WECHATPAY2-SHA256-RSA2048`` Authorization signed with the merchant's
key; every answer and every notification is verified with the WeChat Pay key its
``Wechatpay-Serial`` names. Keys come only from the settings: an unknown serial is refused, never
fetched (a fetched certificate would be trusted on the word of whoever answered). Notifications
are decrypted with the APIv3 key (AEAD_AES_256_GCM) and must name this merchant.

Refund notifications that say the refund did not happen (``REFUND.ABNORMAL``: the payer's account
cannot take it; ``REFUND.CLOSED``) become ``kind="failed"`` with ``refund_no`` set, so finance
sees them; a payment failure never carries a ``refund_no``.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import secrets
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shop.application.clock import Clock
from shop.application.errors import Invalid
from shop.application.money import CURRENCY, from_fen, from_yuan, to_fen
from shop.application.payments.gateways.http import Call, Reply, Transport, header
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

PREFIX = "shop.payments.wechat."
API_URL = "https://api.mch.weixin.qq.com"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
#: WeChat Pay sends signatures starting so to check that merchants verify: they must fail.
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"
#: A signed timestamp this far from the clock, or further, is refused (a replay).
MAX_SKEW = timedelta(minutes=5)
#: WeChat Pay's times (time_expire, bills, bill_date) are Beijing time.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
USER_AGENT = "shop-wechatpay-v3"
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
T = TypeVar("T")

TradeState = Literal["paid", "unpaid", "closed", "refunded"]
#: trade_state of the query API; PAYERROR and REVOKED trades can no longer be paid.
TRADE_STATES: Mapping[str, TradeState] = {
    "SUCCESS": "paid", "REFUND": "refunded", "NOTPAY": "unpaid", "USERPAYING": "unpaid",
    "CLOSED": "closed", "REVOKED": "closed", "PAYERROR": "closed",
}
REFUND_OUTCOMES: Mapping[str, Literal["succeeded", "pending"]] = {
    "SUCCESS": "succeeded", "PROCESSING": "pending",
}


class _Unusable(ValueError):
    """A signature, document or field that fails a check; the caller says which error it is
    (``GatewayUnavailable`` for an answer, ``BadNotification`` for a notification)."""


@dataclass(frozen=True)
class PlatformKey:
    """A key WeChat Pay signs with and the time it may be trusted (a platform certificate's
    validity; a 微信支付公钥 has none)."""

    public_key: RSAPublicKey
    not_before: datetime | None = None
    not_after: datetime | None = None


@dataclass(frozen=True)
class WechatConfig:
    mch_id: str
    appid: str
    api_v3_key: bytes = field(repr=False)
    merchant_serial: str
    private_key: RSAPrivateKey = field(repr=False)
    #: By ``Wechatpay-Serial``: a certificate's serial in upper-case hex, or the public key's id.
    platform_keys: Mapping[str, PlatformKey]
    api_url: str = API_URL

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> WechatConfig:
        """Read and check every setting, naming each that is missing or wrong at once."""
        values = {name: str(settings.get(PREFIX + name) or "").strip() for name in (
            "mch_id", "appid", "api_v3_key", "merchant_serial", "private_key",
            "platform_certificates", "public_key", "public_key_id", "api_url")}
        errors: dict[str, str] = {}

        def check(name: str, ok: bool, message: str) -> None:
            if not ok:
                errors[PREFIX + name] = message if values[name] else "required"

        check("mch_id", re.fullmatch(r"[0-9]{1,32}", values["mch_id"]) is not None,
              "digits: the 商户号 WeChat Pay assigned")
        check("appid", values["appid"].startswith("wx"), "an AppID such as wx8888888888888888")
        check("api_v3_key", len(values["api_v3_key"].encode()) == 32,
              "the APIv3 key is exactly 32 bytes")
        check("merchant_serial", re.fullmatch(r"[0-9A-Fa-f]{1,40}", values["merchant_serial"])
              is not None, "the merchant API certificate's serial number, in hex")
        api_url = (values["api_url"] or API_URL).rstrip("/")
        parts = urllib.parse.urlsplit(api_url)
        values["api_url"] = api_url
        check("api_url", parts.scheme in ("http", "https") and bool(parts.netloc),
              "an http(s) URL")
        private_key = _load(values["private_key"], _private_key, errors, "private_key")
        keys = _platform_keys(values, errors)
        if errors:
            raise Invalid(errors)
        assert private_key is not None
        return cls(values["mch_id"], values["appid"], values["api_v3_key"].encode(),
                   values["merchant_serial"].upper(), private_key, keys, api_url)


def _platform_keys(values: Mapping[str, str], errors: dict[str, str]) -> dict[str, PlatformKey]:
    """WeChat Pay's keys by serial: platform certificates, the 微信支付公钥, or both (while a
    merchant switches from one to the other)."""
    keys: dict[str, PlatformKey] = {}
    for path in values["platform_certificates"].split():
        certificate = _load(path, _certificate, errors, "platform_certificates")
        if certificate is not None:
            serial, key = certificate
            keys[serial] = key
    if values["public_key"] or values["public_key_id"]:
        if not values["public_key_id"]:
            errors[PREFIX + "public_key_id"] = "required with public_key"
        public_key = _load(values["public_key"], _public_key, errors, "public_key")
        if public_key is not None and values["public_key_id"]:
            keys[values["public_key_id"]] = PlatformKey(public_key)
    elif not values["platform_certificates"]:
        errors[PREFIX + "platform_certificates"] = (
            "required: WeChat Pay's platform certificates (or public_key with public_key_id)")
    return keys


def _load(path: str, read: Callable[[bytes], T], errors: dict[str, str], name: str) -> T | None:
    """``read`` applied to the PEM file at ``path``; None, with the reason in ``errors``, when
    the file is missing, unreadable or holds something else."""
    if not path:
        errors[PREFIX + name] = "required"
        return None
    try:
        return read(Path(path).read_bytes())
    except OSError as exc:
        errors[PREFIX + name] = f"cannot read {path}: {exc.strerror}"
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        errors[PREFIX + name] = f"{path}: {exc}"
    return None


def _private_key(pem: bytes) -> RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def _public_key(pem: bytes) -> RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def _certificate(pem: bytes) -> tuple[str, PlatformKey]:
    certificate = x509.load_pem_x509_certificate(pem)
    key = certificate.public_key()
    if not isinstance(key, RSAPublicKey):
        raise ValueError("not a certificate of an RSA key")
    return format(certificate.serial_number, "X"), PlatformKey(
        key, certificate.not_valid_before_utc, certificate.not_valid_after_utc)


class WechatGateway:
    """The ``Gateway`` port spoken as WeChat Pay API v3 for a direct merchant (直连商户)."""

    name = "wechat"

    def __init__(self, config: WechatConfig, transport: Transport, clock: Clock) -> None:
        self.config, self.transport, self.clock = config, transport, clock

    def start(self, request: PayRequest) -> NextStep:
        """Native 下单 on desktop (the shop shows ``code_url`` as a QR code); H5 下单 on mobile,
        whose ``h5_url`` sends the shopper back to ``return_url`` after paying (or not), with
        ``out_trade_no`` added to it (WeChat Pay adds nothing)."""
        if request.installments:
            raise ValueError("WeChat Pay Native and H5 offer no installments")
        order: dict[str, Any] = {
            "appid": self.config.appid, "mchid": self.config.mch_id,
            "description": request.subject, "out_trade_no": request.out_trade_no,
            "time_expire": _rfc3339(request.expires_at), "notify_url": request.notify_url,
            "amount": _amount_json(total=request.amount),
        }
        if request.device == "desktop":
            return self._call("POST", "/v3/pay/transactions/native", order,
                              lambda answer: NextStep(kind="qr", qr_text=_text(answer, "code_url")))
        order["scene_info"] = {"payer_client_ip": request.client_ip, "h5_info": {"type": "Wap"}}
        back = request.return_url + ("&" if "?" in request.return_url else "?") + \
            urllib.parse.urlencode({"out_trade_no": request.out_trade_no})
        return_to = "&redirect_url=" + urllib.parse.quote(back, safe="")
        return self._call("POST", "/v3/pay/transactions/h5", order, lambda answer: NextStep(
            kind="redirect", url=_text(answer, "h5_url") + return_to))

    def verify_notification(self, request: HttpRequest) -> Notification:
        try:
            self._verify(request.headers, request.body)
            return self._notification(_object(request.body))
        except ValueError as exc:  # _Unusable, or a field that does not parse
            raise BadNotification(str(exc)) from None

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        """200 with no body (WeChat Pay reads only the status); otherwise 500 with the documented
        ``{"code": "FAIL", "message": …}``, and WeChat Pay notifies again later."""
        if accepted:
            return Acknowledgement(200, "text/plain", b"")
        return Acknowledgement(500, "application/json",
                               _json_bytes({"code": "FAIL", "message": "失败"}))

    def verify_return(self, request: HttpRequest) -> str:
        """The ``out_trade_no`` ``start`` added to the ``return_url``. WeChat Pay's H5 page sends
        the shopper back to that URL as given, paid or not, and signs nothing on the way: this
        proves nothing, and the service must ``query`` (or wait for the notification)."""
        out_trade_no = request.query.get("out_trade_no", "")
        if not OUT_TRADE_NO.match(out_trade_no):
            raise BadNotification("the return URL carries no out_trade_no")
        return out_trade_no

    def query(self, out_trade_no: str) -> TradeStatus:
        target = (f"/v3/pay/transactions/out-trade-no/{_segment(out_trade_no)}"
                  f"?mchid={_segment(self.config.mch_id)}")
        return self._call("GET", target, None,
                          lambda answer: self._trade_status(answer, out_trade_no))

    def close(self, out_trade_no: str) -> None:
        """关闭订单: 204, for a trade WeChat Pay never created as well; a paid trade is
        refused (``ORDERPAID``)."""
        target = f"/v3/pay/transactions/out-trade-no/{_segment(out_trade_no)}/close"
        self._call("POST", target, {"mchid": self.config.mch_id}, lambda answer: None)

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """申请退款. WeChat Pay refunds an ``out_refund_no`` once, however often it is asked.
        ``ABNORMAL`` (the payer's account cannot take it) and ``CLOSED`` are refusals."""
        payload: dict[str, Any] = {
            "out_trade_no": request.out_trade_no, "out_refund_no": request.refund_no,
            "amount": _amount_json(refund=request.amount, total=request.total),
        }
        if request.reason:
            payload["reason"] = request.reason
        if request.notify_url:
            payload["notify_url"] = request.notify_url
        return self._call("POST", "/v3/refund/domestic/refunds", payload,
                          lambda answer: _refund_outcome(answer, request.refund_no))

    def statement(self, day: date) -> list[StatementLine]:
        """申请交易账单 of a Beijing day, then the bill itself: it is not signed, so its SHA1
        must equal the ``hash_value`` of the signed answer. A day without trades has no bill."""
        try:
            download_url, sha1 = self._call(
                "GET", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL", None,
                _bill_reference)
        except GatewayRefused as refused:
            if refused.code == "NO_STATEMENT_EXIST":
                return []
            raise
        reply = self._send("GET", download_url, b"")
        if reply.status != 200:
            raise GatewayUnavailable(f"the trade bill of {day}: HTTP {reply.status}")
        if hashlib.sha1(reply.body, usedforsecurity=False).hexdigest() != sha1:
            raise GatewayUnavailable(f"the trade bill of {day} does not match its SHA1")
        try:
            return _bill_lines(reply.body.decode("utf-8-sig"))
        except ValueError as exc:
            raise GatewayUnavailable(f"the trade bill of {day}: {exc}") from None

    def _call(self, method: str, target: str, payload: Mapping[str, Any] | None,
              read: Callable[[Mapping[str, Any]], T]) -> T:
        """Send a signed request, verify the answer's signature and ``read`` a 2xx answer; a 4xx
        is the gateway's refusal (``code``/``message``), anything else is no usable answer."""
        reply = self._send(method, self.config.api_url + target,
                           b"" if payload is None else _json_bytes(payload))
        if reply.status >= 500:
            raise GatewayUnavailable(f"{method} {target}: HTTP {reply.status}")
        try:
            self._verify(reply.headers, reply.body)
            answer = _object(reply.body) if reply.body else {}
            if 200 <= reply.status < 300:
                return read(answer)
        except ValueError as exc:  # _Unusable, or a field that does not parse
            raise GatewayUnavailable(f"{method} {target}: HTTP {reply.status}, {exc}") from None
        code = answer.get("code")
        if 400 <= reply.status < 500 and isinstance(code, str) and code:
            raise GatewayRefused(code, str(answer.get("message") or ""))
        raise GatewayUnavailable(f"{method} {target}: HTTP {reply.status} without an error code")

    def _send(self, method: str, url: str, body: bytes) -> Reply:
        """The request with its Authorization: SHA256withRSA over
        ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with the merchant's key."""
        parts = urllib.parse.urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        timestamp = str(int(self.clock.now().timestamp()))
        nonce = secrets.token_hex(16).upper()
        message = f"{method}\n{target}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"
        signature = base64.b64encode(self.config.private_key.sign(
            message, padding.PKCS1v15(), hashes.SHA256())).decode()
        authorization = (f'{SIGNATURE_TYPE} mchid="{self.config.mch_id}",nonce_str="{nonce}",'
                         f'signature="{signature}",timestamp="{timestamp}",'
                         f'serial_no="{self.config.merchant_serial}"')
        headers = {"Authorization": authorization, "Accept": "application/json",
                   "User-Agent": USER_AGENT}
        if body:
            headers["Content-Type"] = "application/json"
        return self.transport(Call(method, url, headers, body))

    def _verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """WeChat Pay's signature over ``TIMESTAMP\\nNONCE\\nBODY\\n`` (answers and notifications
        alike) by the key its ``Wechatpay-Serial`` names, signed less than five minutes ago."""
        serial, timestamp, nonce, signature = (header(headers, "Wechatpay-" + name) for name in (
            "Serial", "Timestamp", "Nonce", "Signature"))
        if not (serial and timestamp and nonce and signature):
            raise _Unusable("unsigned: a Wechatpay-Serial/Timestamp/Nonce/Signature is missing")
        kind = header(headers, "Wechatpay-Signature-Type")
        if kind not in ("", SIGNATURE_TYPE):
            raise _Unusable(f"unknown Wechatpay-Signature-Type {kind!r}")
        if signature.startswith(PROBE_PREFIX):
            raise _Unusable("a WeChat Pay signature probe (WECHATPAY/SIGNTEST/): refused")
        key = self._platform_key(serial)
        if not re.fullmatch(r"[0-9]{1,12}", timestamp):
            raise _Unusable(f"Wechatpay-Timestamp {timestamp!r} is not a Unix time")
        if abs(self.clock.now() - datetime.fromtimestamp(int(timestamp), UTC)) >= MAX_SKEW:
            raise _Unusable(f"Wechatpay-Timestamp {timestamp} is five minutes or more off")
        message = b"%s\n%s\n%s\n" % (timestamp.encode(), nonce.encode(), body)
        try:
            key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(),
                       hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise _Unusable("the signature does not verify with WeChat Pay's key") from None

    def _platform_key(self, serial: str) -> RSAPublicKey:
        keys = self.config.platform_keys
        key = keys.get(serial) or keys.get(serial.upper().lstrip("0"))
        if key is None:
            raise _Unusable(f"Wechatpay-Serial {serial!r} names no key in the settings")
        now = self.clock.now()
        if (key.not_before and now < key.not_before) or (key.not_after and now > key.not_after):
            raise _Unusable(f"the platform certificate {serial} is not valid now")
        return key.public_key

    def _notification(self, event: Mapping[str, Any]) -> Notification:
        event_type = _text(event, "event_type")
        if event.get("resource_type") != "encrypt-resource":
            raise _Unusable("the notification carries no encrypt-resource")
        resource = self._decrypt(event.get("resource"))
        if _text(resource, "mchid") != self.config.mch_id:
            raise _Unusable(f"the notification is for merchant {resource['mchid']}")
        raw = {name: value for name, value in event.items() if isinstance(value, str)}
        raw.update(_flat(resource))
        event_id, out_trade_no = _text(event, "id"), _text(resource, "out_trade_no")
        trade_no = _text(resource, "transaction_id")
        if event_type == "TRANSACTION.SUCCESS":
            if _text(resource, "appid") != self.config.appid:
                raise _Unusable(f"the notification is for app {resource['appid']}")
            if _text(resource, "trade_state") != "SUCCESS":
                raise _Unusable(f"TRANSACTION.SUCCESS in trade_state {resource['trade_state']}")
            return Notification(self.name, event_id, "paid", out_trade_no, trade_no,
                                _amount(resource, "total"), _time(resource, "success_time"),
                                raw=raw)
        if event_type in ("REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"):
            status = _text(resource, "refund_status")
            if event_type != f"REFUND.{status}":
                raise _Unusable(f"{event_type} with refund_status {status}")
            refunded = status == "SUCCESS"
            return Notification(
                self.name, event_id, "refunded" if refunded else "failed", out_trade_no,
                trade_no, _amount(resource, "refund"),
                _time(resource, "success_time") if refunded else _time(event, "create_time"),
                refund_no=_text(resource, "out_refund_no"), raw=raw)
        raise _Unusable(f"an event_type the shop does not take: {event_type}")

    def _decrypt(self, resource: Any) -> dict[str, Any]:
        """The resource, AEAD_AES_256_GCM with the APIv3 key over ``associated_data``."""
        if not isinstance(resource, Mapping) or resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise _Unusable("the resource is not AEAD_AES_256_GCM")
        nonce, ciphertext = resource.get("nonce"), resource.get("ciphertext")
        associated = resource.get("associated_data") or ""
        if not (isinstance(nonce, str) and isinstance(ciphertext, str)
                and isinstance(associated, str)):
            raise _Unusable("the resource lacks its nonce or ciphertext")
        try:
            plain = AESGCM(self.config.api_v3_key).decrypt(
                nonce.encode(), base64.b64decode(ciphertext, validate=True), associated.encode())
        except (InvalidTag, ValueError):
            raise _Unusable("the resource does not decrypt with the APIv3 key") from None
        return _object(plain)

    def _trade_status(self, answer: Mapping[str, Any], out_trade_no: str) -> TradeStatus:
        if (_text(answer, "out_trade_no"), _text(answer, "mchid")) != (
                out_trade_no, self.config.mch_id):
            raise _Unusable("the answer is about another trade")
        state = TRADE_STATES.get(_text(answer, "trade_state"))
        if state is None:
            raise _Unusable(f"unknown trade_state {answer['trade_state']}")
        return TradeStatus(state, out_trade_no, str(answer.get("transaction_id") or ""),
                           _amount(answer, "total"))


def _refund_outcome(answer: Mapping[str, Any], refund_no: str) -> RefundOutcome:
    if _text(answer, "out_refund_no") != refund_no:
        raise _Unusable("the answer is about another refund")
    status = _text(answer, "status")
    state = REFUND_OUTCOMES.get(status)
    if state is None:
        raise GatewayRefused(f"REFUND_{status}", f"WeChat Pay did not refund ({status})")
    return RefundOutcome(state, refund_no, _text(answer, "refund_id"))


def _bill_reference(answer: Mapping[str, Any]) -> tuple[str, str]:
    if answer.get("hash_type") != "SHA1":
        raise _Unusable(f"unknown hash_type {answer.get('hash_type')!r}")
    return _text(answer, "download_url"), _text(answer, "hash_value").lower()


def _bill_lines(text: str) -> list[StatementLine]:
    """A trade bill (ALL): a header, a line per payment or refund whose fields each start with a
    backtick (so that spreadsheets keep long numbers), then a summary header and its line, which
    must agree with the lines above."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if len(rows) < 3 or rows[-2][0] != "总交易单数":
        raise _Unusable("not a WeChat Pay trade bill")
    columns = {name: index for index, name in enumerate(rows[0])}
    lines = [_bill_line(columns, [cell.removeprefix("`") for cell in row]) for row in rows[1:-2]]
    summary = dict(zip(rows[-2], (cell.removeprefix("`") for cell in rows[-1]), strict=False))
    totals = (len(lines), sum((line.amount for line in lines if line.kind == "payment"),
                              Decimal("0.00")),
              sum((line.amount for line in lines if line.kind == "refund"), Decimal("0.00")))
    if totals != (int(summary.get("总交易单数", "-1")), from_yuan(summary.get("订单总金额", "")),
                  from_yuan(summary.get("申请退款总金额", ""))):
        raise _Unusable("the bill's summary disagrees with its lines")
    return lines


def _bill_line(columns: Mapping[str, int], row: list[str]) -> StatementLine:
    def cell(name: str) -> str:
        index = columns.get(name)
        if index is None or index >= len(row):
            raise _Unusable(f"a bill line without {name}")
        return row[index]

    occurred_at = datetime.strptime(cell("交易时间"), "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=BEIJING).astimezone(UTC)
    state, out_trade_no, trade_no = cell("交易状态"), cell("商户订单号"), cell("微信订单号")
    if state == "SUCCESS":
        return StatementLine("payment", out_trade_no, trade_no, from_yuan(cell("订单金额")),
                             occurred_at)
    if state == "REFUND":
        return StatementLine("refund", out_trade_no, trade_no, from_yuan(cell("申请退款金额")),
                             occurred_at, refund_no=cell("商户退款单号"))
    raise _Unusable(f"a bill line in state {state!r}")


def _amount_json(**amounts: Decimal) -> dict[str, Any]:
    """A request's ``amount`` object: the one place yuan become WeChat Pay's integer fen."""
    return {name: to_fen(value) for name, value in amounts.items()} | {"currency": CURRENCY}


def _amount(document: Mapping[str, Any], name: str) -> Decimal:
    """``amount.<name>`` of an answer or a notification: the one place fen become yuan."""
    amount = document.get("amount")
    fen = amount.get(name) if isinstance(amount, Mapping) else None
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise _Unusable(f"amount.{name} is not a number of fen")
    return from_fen(fen)


def _text(document: Mapping[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value:
        raise _Unusable(f"{name} is missing")
    return value


def _time(document: Mapping[str, Any], name: str) -> datetime:
    """An RFC 3339 time (``2018-06-08T10:34:56+08:00``), in UTC."""
    moment = datetime.fromisoformat(_text(document, name))
    if moment.tzinfo is None:
        raise _Unusable(f"{name} has no offset")
    return moment.astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def _object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise _Unusable("the body is not JSON") from None
    if not isinstance(document, dict):
        raise _Unusable("the body is not a JSON object")
    return document


def _flat(resource: Mapping[str, Any]) -> dict[str, str]:
    """The resource's plain fields, nested objects as ``amount.total``, for finance's record."""
    flat: dict[str, str] = {}
    for name, value in resource.items():
        if isinstance(value, Mapping):
            flat.update((f"{name}.{key}", str(item)) for key, item in value.items()
                        if isinstance(item, str | int))
        elif isinstance(value, str | int):
            flat[name] = str(value)
    return flat


def _json_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _segment(text: str) -> str:
    return urllib.parse.quote(text, safe="")
