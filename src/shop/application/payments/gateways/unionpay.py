"""UnionPay online payment (银联在线 / 网关支付 with 网银直联) over ACP 全渠道 5.1.0.

Every message is a flat set of ``key=value`` fields. The merchant signs: sort all fields but
``signature`` by key, join ``k=v`` with ``&``, take the lowercase SHA-256 hex of that string and
sign the hex with SHA256withRSA (the key of the certificate whose serial is ``certId``).
UnionPay signs its answers and notifications the same way and puts its signing certificate
inline (``signPubKeyCert``): we trust it only when it chains to the configured intermediate and
root certificates, is valid now, and its CN names UnionPay (``…@中国银联股份有限公司@…``;
the test environment's is ``…@00040000:SIGN@…``).

UnionPay finds a transaction by ``orderId`` together with the ``txnTime`` it was sent with, and
a retried refund with the same pair is refused as a duplicate (重复交易) instead of paid twice. So
``txnTime`` must be derivable from the number alone: the shop's payment and refund numbers
start with the time they were made (``yyyyMMddHHmmss``, after one letter for a refund), and that
is their ``txnTime``. ``orderId`` is 8–40 letters and digits (no ``-`` or ``_``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from shop.application.clock import Clock
from shop.application.errors import Invalid
from shop.application.money import from_fen, to_fen
from shop.application.payments.gateways.http import Call, Transport
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

PREFIX = "shop.payments.unionpay."
BEIJING = ZoneInfo("Asia/Shanghai")
VERSION = "5.1.0"
GATEWAY_PAY = "000201"  # bizType of 网关支付 (B2C gateway, bank pages incl. 网银直联)
ORDER_ID = re.compile(r"[0-9A-Za-z]{8,40}")
#: The company part of UnionPay's signing certificate's CN, per environment.
SIGNERS = {"production": frozenset({"中国银联股份有限公司"}),
           "test": frozenset({"中国银联股份有限公司", "00040000:SIGN"})}
GATEWAYS = {"production": ("https://gateway.95516.com", "https://filedownload.95516.com/"),
            "test": ("https://gateway.test.95516.com", "https://filedownload.test.95516.com/")}
SUCCEEDED = ("00", "A6")  # A6: 有缺陷的成功, still a success
IN_DOUBT = ("03", "04", "05")  # timed out, unclear, accepted: ask again later
#: The merchant statement (ZM file): fixed-width fields, one space between them (文件接口 6.1).
ZM_WIDTHS = (3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4,
             32, 1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98)
ZM_FIELDS = {"traceTime": 4, "txnAmt": 6, "queryId": 9, "orderId": 11, "txnType": 19,
             "origQryId": 26}
MAX_STATEMENT = 64 << 20  # a day's inflated zip, bounded against a deflate bomb
_T = TypeVar("_T")


@dataclass(frozen=True)
class UnionpayConfig:
    mer_id: str
    sign_key: RSAPrivateKey
    cert_id: str  # the decimal serial number of the merchant's signing certificate
    root_cert: x509.Certificate
    middle_cert: x509.Certificate
    front_url: str
    back_url: str
    query_url: str
    file_url: str
    signer_names: frozenset[str] = SIGNERS["production"]

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> UnionpayConfig:
        """Read ``shop.payments.unionpay.*``; every problem at once as ``Invalid``."""
        def get(name: str) -> str:
            return str(settings.get(PREFIX + name, "")).strip()

        errors: dict[str, str] = {}
        environment = get("environment") or "production"
        if environment not in SIGNERS:
            errors[PREFIX + "environment"] = "production or test"
            environment = "production"
        gateway, file_url = GATEWAYS[environment]
        for name in ("mer_id", "sign_key", "root_cert", "middle_cert"):
            if not get(name):
                errors[PREFIX + name] = "required"

        def load(name: str, loader: Callable[[Path], _T]) -> _T | None:
            try:
                return loader(Path(get(name))) if get(name) else None
            except (OSError, ValueError, TypeError) as exc:
                errors[PREFIX + name] = f"cannot be read: {exc}"
                return None

        signing = load("sign_key", lambda path: _signing_key(path, get("sign_key_password")))
        key, key_cert = signing or (None, None)
        merchant_cert = load("sign_cert", _certificate) or key_cert
        root, middle = load("root_cert", _certificate), load("middle_cert", _certificate)
        cert_id = get("sign_cert_id") or (str(merchant_cert.serial_number) if merchant_cert else "")
        if key and not cert_id:
            errors[PREFIX + "sign_cert_id"] = "required (or sign_cert, or a .pfx holding it)"
        if key and merchant_cert and merchant_cert.public_key() != key.public_key():
            errors[PREFIX + "sign_cert"] = "does not belong to sign_key"
        if errors or key is None or root is None or middle is None:
            raise Invalid(errors)
        return cls(
            mer_id=get("mer_id"), sign_key=key, cert_id=cert_id, root_cert=root,
            middle_cert=middle,
            front_url=get("front_url") or gateway + "/gateway/api/frontTransReq.do",
            back_url=get("back_url") or gateway + "/gateway/api/backTransReq.do",
            query_url=get("query_url") or gateway + "/gateway/api/queryTrans.do",
            file_url=get("file_url") or file_url, signer_names=SIGNERS[environment])


def _signing_key(path: Path, password: str) -> tuple[RSAPrivateKey, x509.Certificate | None]:
    """A PEM private key, or the .pfx (PKCS#12) UnionPay's merchants are issued."""
    data = path.read_bytes()
    secret = password.encode() if password else None
    if data.lstrip().startswith(b"-----BEGIN"):
        return _rsa(serialization.load_pem_private_key(data, secret), path), None
    key, cert, _ = pkcs12.load_key_and_certificates(data, secret)
    return _rsa(key, path), cert


def _rsa(key: object, path: Path) -> RSAPrivateKey:
    if not isinstance(key, RSAPrivateKey):
        raise ValueError(f"{path} holds no RSA private key")
    return key


def _certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


class UnionpayGateway:
    name = "unionpay"

    def __init__(self, config: UnionpayConfig, transport: Transport, clock: Clock) -> None:
        self.config = config
        self.transport = transport
        self.clock = clock

    # -- paying ------------------------------------------------------------------------------

    def start(self, request: PayRequest, *, bank: str = "") -> NextStep:
        """The signed front consume form (消费, 网关支付). ``bank`` is a UnionPay bank code
        (``issInsCode``, e.g. ``ICBC``) to go straight to that bank's online banking (网银直联)."""
        if request.installments:
            raise ValueError("UnionPay gateway payment takes no installments")
        fields = {
            "txnType": "01", "txnSubType": "01", "bizType": GATEWAY_PAY,
            "channelType": "08" if request.device == "mobile" else "07",
            "currencyCode": "156", "txnAmt": _fen(request.amount),
            "orderId": request.out_trade_no, "txnTime": _txn_time(request.out_trade_no),
            "frontUrl": request.return_url, "backUrl": request.notify_url,
            "payTimeout": request.expires_at.astimezone(BEIJING).strftime("%Y%m%d%H%M%S"),
            "riskRateInfo": f"{{commodityName={_commodity(request.subject)}}}",
            "issInsCode": bank,
        }
        return NextStep(kind="post_form", url=self.config.front_url, fields=self._signed(fields))

    def verify_notification(self, request: HttpRequest) -> Notification:
        """The back notification (后台通知) UnionPay POSTs to backUrl."""
        fields = self._verified(_form(request.body))
        kind, code = fields.get("txnType", ""), fields.get("respCode", "")
        refund = kind == "04"
        if kind not in ("01", "04") or (refund and not fields.get("origQryId")):
            raise BadNotification(f"unexpected txnType {kind!r}")
        if not fields.get("queryId"):
            raise BadNotification("no queryId")
        try:
            amount = _amount(fields.get("txnAmt", ""))
        except ValueError as exc:
            raise BadNotification(f"txnAmt: {exc}") from exc
        result: Literal["paid", "refunded", "failed"] = (
            "failed" if code not in SUCCEEDED else "refunded" if refund else "paid")
        return Notification(
            gateway=self.name, event_id=f"{fields['queryId']}:{kind}", kind=result,
            # a refund is known by its own orderId; the payment's comes back in reqReserved
            out_trade_no=fields.get("reqReserved", "") if refund else _order_id(fields),
            trade_no=fields.get("origQryId", "") if refund else fields.get("queryId", ""),
            amount=amount, occurred_at=_beijing(fields.get("traceTime", ""), self.clock.now()),
            refund_no=_order_id(fields) if refund else "", raw=fields)

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        """UnionPay retries the notification until it gets HTTP 200."""
        if accepted:
            return Acknowledgement(200, "text/plain; charset=utf-8", b"ok")
        return Acknowledgement(500, "text/plain; charset=utf-8", b"fail")

    def verify_return(self, request: HttpRequest) -> str:
        """The front notification the shopper's browser POSTs to frontUrl, signed like the back
        one (a failed payment comes back this way too: only ``query`` says what happened)."""
        return _order_id(self._verified(_form(request.body)))

    # -- asking ------------------------------------------------------------------------------

    def query(self, out_trade_no: str) -> TradeStatus:
        answer = self._query(out_trade_no)
        status = answer.get("origRespCode", "")
        state: Literal["paid", "unpaid", "closed"] = (
            "paid" if status in SUCCEEDED else "unpaid" if status in IN_DOUBT else "closed")
        try:
            amount = _amount(answer.get("txnAmt", "")) if state == "paid" else Decimal("0.00")
        except ValueError as exc:
            raise GatewayUnavailable(f"UnionPay query answer: {exc}") from exc
        return TradeStatus(state=state, out_trade_no=out_trade_no,
                           trade_no=answer.get("queryId", ""), amount=amount)

    def close(self, out_trade_no: str) -> None:
        """Nothing to send: ACP has no close for an unpaid consume. The form carries
        ``payTimeout``, after which UnionPay refuses to pay the order (and refunds a payment that
        completes late by itself), so the trade closes on its own. A paid trade is never reversed
        here: that is a refund."""

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """退货 (txnType 04): ``respCode`` 00 only says UnionPay accepted it; the outcome comes by
        notification or ``query``. A retry with the same ``refund_no`` is a duplicate (12), and
        then the first one's state is what we report."""
        if not request.notify_url:
            raise ValueError("UnionPay needs a backUrl for a refund")
        answer = self._call(self.config.back_url, {
            "txnType": "04", "txnSubType": "00", "bizType": GATEWAY_PAY, "channelType": "07",
            "orderId": request.refund_no, "txnTime": _txn_time(request.refund_no),
            "currencyCode": "156", "txnAmt": _fen(request.amount), "origQryId": request.trade_no,
            "backUrl": request.notify_url, "reqReserved": request.out_trade_no})
        code = answer.get("respCode", "")
        if code == "12":
            status = self._query(request.refund_no)
            state = status.get("origRespCode", "")
            if state in SUCCEEDED:
                return RefundOutcome("succeeded", request.refund_no, status.get("queryId", ""))
            if state not in IN_DOUBT:
                raise GatewayRefused(state, status.get("origRespMsg", ""))
            answer = status
        else:
            _accepted(answer)
        return RefundOutcome("pending", request.refund_no, answer.get("queryId", ""))

    def statement(self, day: date) -> list[StatementLine]:
        """The merchant statement (对账文件, fileType 00) of the clearing day ``day``: a zip,
        deflated and base64-encoded in ``fileContent``, whose ZM file lists the day's trades."""
        answer = _accepted(self._call(self.config.file_url, {
            "txnType": "76", "txnSubType": "01", "bizType": "000000",
            "settleDate": day.strftime("%m%d"),
            "txnTime": self.clock.now().astimezone(BEIJING).strftime("%Y%m%d%H%M%S"),
            "fileType": "00"}))
        near = datetime(day.year, day.month, day.day, 23, 59, tzinfo=BEIJING)
        try:
            return [_statement_line(fields, near) for fields in _zm_records(answer["fileContent"])]
        except (KeyError, ValueError, zlib.error, zipfile.BadZipFile) as exc:
            raise GatewayUnavailable(f"unreadable UnionPay statement: {exc}") from exc

    # -- messages ----------------------------------------------------------------------------

    def _query(self, order_id: str) -> dict[str, str]:
        """交易状态查询 of the transaction sent as ``order_id``; its respCode is the query's own."""
        return _accepted(self._call(self.config.query_url, {
            "txnType": "00", "txnSubType": "00", "bizType": GATEWAY_PAY,
            "orderId": order_id, "txnTime": _txn_time(order_id)}))

    def _signed(self, fields: Mapping[str, str]) -> dict[str, str]:
        message = {"version": VERSION, "encoding": "UTF-8", "signMethod": "01",
                   "accessType": "0", "merId": self.config.mer_id, "certId": self.config.cert_id,
                   **fields}
        message = {key: value for key, value in message.items() if value}  # ACP drops blanks
        message["signature"] = base64.b64encode(self.config.sign_key.sign(
            _digest(message), padding.PKCS1v15(), hashes.SHA256())).decode("ascii")
        return message

    def _call(self, url: str, fields: Mapping[str, str]) -> dict[str, str]:
        """POST a signed message; its verified answer (any doubt is ``GatewayUnavailable``)."""
        body = urllib.parse.urlencode(self._signed(fields)).encode("utf-8")
        reply = self.transport(Call("POST", url, {
            "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}, body))
        if reply.status != 200 or not reply.body.strip():
            raise GatewayUnavailable(f"UnionPay answered HTTP {reply.status}")
        try:
            return self._verified(_answer(reply.body.decode("utf-8")))
        except (UnicodeDecodeError, ValueError, BadNotification) as exc:
            raise GatewayUnavailable(f"unverifiable UnionPay answer: {exc}") from exc

    def _verified(self, fields: dict[str, str]) -> dict[str, str]:
        """``fields`` once UnionPay's signature over them and its certificate check out."""
        if fields.get("signMethod") != "01" or fields.get("version") != VERSION:
            raise BadNotification("not an RSA-signed 5.1.0 message")
        signer = self._unionpay_key(fields.get("signPubKeyCert", ""))
        try:
            signer.verify(base64.b64decode(fields.get("signature", ""), validate=True),
                          _digest(fields), padding.PKCS1v15(), hashes.SHA256())
        except (ValueError, InvalidSignature) as exc:
            raise BadNotification("signature does not verify") from exc
        if fields.get("merId") != self.config.mer_id:
            raise BadNotification(f"merId {fields.get('merId')!r} is not ours")
        return fields

    def _unionpay_key(self, pem: str) -> RSAPublicKey:
        """The key of the inline signing certificate, if it is UnionPay's and trusted now."""
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise BadNotification("signPubKeyCert is not a certificate") from exc
        now, middle, root = self.clock.now(), self.config.middle_cert, self.config.root_cert
        try:
            cert.verify_directly_issued_by(middle)
            middle.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise BadNotification("signPubKeyCert does not chain to UnionPay's root") from exc
        try:
            is_ca = middle.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise BadNotification("the intermediate certificate is not a CA")
        for each in (cert, middle, root):
            if not each.not_valid_before_utc <= now <= each.not_valid_after_utc:
                raise BadNotification(f"certificate {each.subject.rfc4514_string()} "
                                      f"is not valid at {now.isoformat()}")
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        parts = str(names[0].value).split("@") if names else []
        if len(parts) < 3 or parts[2] not in self.config.signer_names:
            raise BadNotification("signPubKeyCert is not UnionPay's signing certificate")
        key = cert.public_key()
        if not isinstance(key, RSAPublicKey):
            raise BadNotification("signPubKeyCert holds no RSA key")
        return key


def _commodity(subject: str) -> str:
    """riskRateInfo is ``{k=v&…}``: braces and separators in the name would break it."""
    return re.sub(r"[{}&=]", "", subject)[:64]


def _digest(fields: Mapping[str, str]) -> bytes:
    """What ACP 5.1.0 signs: the SHA-256 hex (lowercase) of the sorted ``k=v&…`` string."""
    text = "&".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "signature")
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def _fen(amount: Decimal) -> str:
    """txnAmt: integer fen. The one conversion out of yuan."""
    return str(to_fen(amount))


def _amount(fen: str) -> Decimal:
    """txnAmt (possibly zero-padded in a statement) back to yuan. The one conversion in."""
    if not fen.isascii() or not fen.isdigit():
        raise ValueError(f"not an amount in fen: {fen!r}")
    return from_fen(int(fen))


def _txn_time(number: str) -> str:
    """The ``txnTime`` a number is sent with: the time it starts with (after a letter)."""
    if not ORDER_ID.fullmatch(number):
        raise ValueError(f"UnionPay orderId is 8-40 letters and digits: {number!r}")
    stamp = number[1:15] if number[0].isalpha() else number[:14]
    datetime.strptime(stamp, "%Y%m%d%H%M%S")  # a time, or ValueError
    return stamp


def _order_id(fields: Mapping[str, str]) -> str:
    if not fields.get("orderId"):
        raise BadNotification("no orderId")
    return fields["orderId"]


def _beijing(mmddhhmmss: str, near: datetime) -> datetime | None:
    """UnionPay's ``MMDDhhmmss`` (Beijing time, no year) as the latest such time not after
    ``near`` (plus a day's slack for clocks apart)."""
    latest = near.astimezone(BEIJING) + timedelta(days=1)
    try:
        at = datetime.strptime(f"{latest.year}{mmddhhmmss}", "%Y%m%d%H%M%S")
    except ValueError:
        return None
    at = at.replace(tzinfo=BEIJING)
    if at > latest:  # e.g. a 12-31 transaction seen on 01-01
        at = at.replace(year=at.year - 1)
    return at


def _form(body: bytes) -> dict[str, str]:
    """A form-encoded notification (UTF-8); a repeated field is a forgery attempt."""
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                       strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadNotification("not a form") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise BadNotification("a field appears twice")
    return fields


def _answer(text: str) -> dict[str, str]:
    """A synchronous answer: ``k=v&…`` *not* URL-encoded, a value holding ``&`` wrapped in
    ``{…}`` or ``[…]`` (how the ACP SDKs read it)."""
    fields: dict[str, str] = {}
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    key, value, closing, in_key = "", "", "", True
    for char in text + "&":
        if in_key:
            if char == "=":
                in_key = False
            elif char == "&":
                raise ValueError(f"field without a value: {key!r}")
            else:
                key += char
            continue
        if closing:
            closing = "" if char == closing else closing
        elif char in "{[":
            closing = "}" if char == "{" else "]"
        if char == "&" and not closing:
            if not key or key in fields:
                raise ValueError(f"empty or repeated field {key!r}")
            fields[key], key, value, in_key = value, "", "", True
        else:
            value += char
    return fields


def _accepted(answer: dict[str, str]) -> dict[str, str]:
    """The answer, if its respCode says the request was done; otherwise the refusal."""
    code = answer.get("respCode", "")
    if code == "00":
        return answer
    if code in IN_DOUBT:
        raise GatewayUnavailable(f"UnionPay {code}: {answer.get('respMsg', '')}")
    raise GatewayRefused(code, answer.get("respMsg", ""))


def _zm_records(file_content: str) -> Iterator[dict[str, str]]:
    """The rows of the statement's ZM file (GBK, fixed-width) as the fields we read."""
    packed = zlib.decompressobj()
    archive = packed.decompress(base64.b64decode(file_content, validate=True), MAX_STATEMENT)
    if packed.unconsumed_tail:
        raise ValueError("statement larger than allowed")
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        for name in files.namelist():
            if "ZM_" not in name:  # ZME_ is the error (差错) file
                continue
            for line in files.read(name).splitlines():
                if line.strip():
                    yield _zm_row(line)


def _zm_row(line: bytes) -> dict[str, str]:
    starts = [sum(ZM_WIDTHS[:index]) + index for index in range(len(ZM_WIDTHS))]
    if len(line) < starts[max(ZM_FIELDS.values()) + 1]:
        raise ValueError(f"short ZM line: {line[:40]!r}")
    return {name: line[starts[index]:starts[index] + ZM_WIDTHS[index]].decode("gbk").strip()
            for name, index in ZM_FIELDS.items()}


def _statement_line(row: Mapping[str, str], near: datetime) -> StatementLine:
    refund = row["txnType"] == "04"
    if row["txnType"] not in ("01", "04"):
        raise ValueError(f"unexpected txnType {row['txnType']!r} in the statement")
    occurred = _beijing(row["traceTime"], near)
    if occurred is None:
        raise ValueError(f"bad time {row['traceTime']!r} in the statement")
    # a refund's row names the payment only by origQryId (its own orderId is the refund_no)
    return StatementLine(
        kind="refund" if refund else "payment", out_trade_no="" if refund else row["orderId"],
        trade_no=row["origQryId"] if refund else row["queryId"], amount=_amount(row["txnAmt"]),
        occurred_at=occurred, refund_no=row["orderId"] if refund else "")
