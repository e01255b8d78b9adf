"""A local UnionPay ACP 5.1.0 gateway: the bank page, notifications, refunds, queries, statements.

It keeps its own certificate chain in a directory (a root CA, an intermediate CA, UnionPay's
signing certificate with the real subject shape ``…@中国银联股份有限公司@…``, and a merchant
certificate with its key, as PEM and as a .pfx), checks the merchant's signature with the
merchant certificate named by ``certId``, and signs everything it sends with its signing key and
``signPubKeyCert`` inline, as UnionPay does. Its certificates are valid 2020–2040: a test moves
the clock past ``VALID_UNTIL`` to see the adapter refuse an expired one.

Test controls: ``pay``, ``notification`` (with tampering), ``unreachable``,
``plant_statement_mismatch``, and the ``transactions`` and ``deliveries`` it keeps.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import re
import secrets
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from webob import Request, Response

from shop.application.clock import Clock
from shop.simulators import rsa_private_key

BEIJING = ZoneInfo("Asia/Shanghai")
MER_ID = "777290058110048"
PFX_PASSWORD = "000000"  # noqa: S105 - a simulator's, as UnionPay's test .pfx files use
VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2040, 1, 1, tzinfo=UTC)
UNIONPAY_CN = "041@Z12@中国银联股份有限公司@00000001"
BANKS = {"ICBC": "中国工商银行", "ABC": "中国农业银行", "BOC": "中国银行", "CCB": "中国建设银行",
         "COMM": "交通银行", "CMB": "招商银行", "PSBC": "中国邮政储蓄银行"}
ZM_WIDTHS = (3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4,
             32, 1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32, 98)
OK = ("00", "成功[0000000]")
LATE = ("39", "交易已超过支付时间")
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
#: Signing certificates a tampered notification can carry instead of UnionPay's valid one.
Signer = Literal["unionpay", "expired", "foreign", "not_unionpay"]
Deliver = Callable[[str, Mapping[str, str], bytes], tuple[int, bytes]]


@dataclass
class Transaction:
    """A consume (txnType 01) or a refund (04) as the gateway records it; amounts in fen."""

    txn_type: str
    order_id: str
    txn_time: str
    amount: int
    back_url: str
    front_url: str = ""
    orig_query_id: str = ""
    req_reserved: str = ""
    bank: str = ""
    pay_timeout: str = ""
    state: Literal["pending", "paid", "failed"] = "pending"
    resp_code: str = ""
    query_id: str = ""
    trace_no: str = ""
    trace_time: str = ""
    settle_date: str = ""
    refunded: int = 0


@dataclass(frozen=True)
class Delivery:
    url: str
    status: int
    body: bytes


@dataclass(frozen=True)
class Keys:
    """The simulator's chain and the merchant's certificate, kept in a directory."""

    directory: Path
    root: x509.Certificate
    middle: x509.Certificate
    signing: x509.Certificate
    signing_key: RSAPrivateKey
    merchant: x509.Certificate

    @classmethod
    def load(cls, directory: Path) -> Keys:
        """Read the directory, making what is missing (a key is loaded only when needed:
        checking an RSA key on load takes a tenth of a second)."""
        key = cache(lambda name: rsa_private_key(directory / f"{name}.key"))
        root = _kept(directory / "root.cer", lambda: _issue(
            _name("CFCA TEST CA (shop simulator)"), key("root"), None, key("root"), ca=True))
        middle = _kept(directory / "middle.cer", lambda: _issue(
            _name("CFCA TEST OCA1 (shop simulator)"), key("middle"), root, key("root"),
            ca=True))
        signing = _kept(directory / "signing.cer", lambda: _issue(
            _name(UNIONPAY_CN, "00040000:SIGN"), key("signing"), middle, key("middle")))
        merchant = _kept(directory / "merchant.cer", lambda: _issue(
            _name(f"041@Z{MER_ID}@shop@00000001", "Enterprises"), key("merchant"), middle,
            key("middle")))
        _kept(directory / "merchant.pfx", lambda: pkcs12.serialize_key_and_certificates(
            b"merchant", key("merchant"), merchant, None,
            serialization.BestAvailableEncryption(PFX_PASSWORD.encode())), pem=False)
        return cls(directory, root, middle, signing, key("signing"), merchant)

    def middle_key(self) -> RSAPrivateKey:
        """The intermediate CA's key, to issue the impostor certificates of tamper tests."""
        return rsa_private_key(self.directory / "middle.key")


def shop_settings(directory: Path, base_url: str) -> dict[str, str]:
    """The shop's ``shop.payments.unionpay.*`` settings to pay through this simulator."""
    Keys.load(directory)
    base = base_url.rstrip("/")
    prefix = "shop.payments.unionpay."
    return {prefix + "mer_id": MER_ID, prefix + "sign_key": str(directory / "merchant.key"),
            prefix + "sign_cert": str(directory / "merchant.cer"),
            prefix + "root_cert": str(directory / "root.cer"),
            prefix + "middle_cert": str(directory / "middle.cer"),
            prefix + "front_url": base + "/gateway/api/frontTransReq.do",
            prefix + "back_url": base + "/gateway/api/backTransReq.do",
            prefix + "query_url": base + "/gateway/api/queryTrans.do",
            prefix + "file_url": base + "/filedownload/"}


class UnionpaySimulator:
    def __init__(self, keys: Keys, *, base_url: str, clock: Clock,
                 deliver: Deliver | None = None) -> None:
        self.keys = keys
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.deliver = deliver or post_form
        self.unreachable = False
        self.transactions: dict[str, Transaction] = {}  # by orderId
        self.deliveries: list[Delivery] = []
        self.pages: dict[str, str] = {}  # the bank page's token (tn) -> orderId
        self.statement_changes: dict[str, int | None] = {}  # orderId -> fen, None: left out

    @classmethod
    def from_directory(cls, directory: Path, *, base_url: str, clock: Clock,
                       deliver: Deliver | None = None) -> UnionpaySimulator:
        return cls(Keys.load(directory), base_url=base_url, clock=clock, deliver=deliver)

    # -- test controls -----------------------------------------------------------------------

    @property
    def trades(self) -> list[Transaction]:
        return [each for each in self.transactions.values() if each.txn_type == "01"]

    @property
    def refunds(self) -> list[Transaction]:
        return [each for each in self.transactions.values() if each.txn_type == "04"]

    def pay(self, order_id: str, bank: str = "") -> Transaction:
        """The shopper pays the consume the shop's form opened: record it, notify the shop."""
        trade = self.transactions[order_id]
        if trade.txn_type != "01" or trade.state != "pending" or self._late(trade.pay_timeout):
            raise ValueError(f"{order_id} is not an open consume")
        trade.bank = bank or trade.bank
        self._complete(trade, "00")
        self.notify(order_id)
        return trade

    def notify(self, order_id: str) -> Delivery:
        """(Re)send the back notification of a completed transaction to its backUrl."""
        transaction = self.transactions[order_id]
        body = urllib.parse.urlencode(self._signed(self._notice(transaction))).encode()
        try:
            status, answer = self.deliver(transaction.back_url, FORM, body)
        except OSError as exc:  # the shop is down: UnionPay would retry later
            status, answer = 0, str(exc).encode()
        delivery = Delivery(transaction.back_url, status, answer)
        self.deliveries.append(delivery)
        return delivery

    def notification(self, order_id: str, *, signer: Signer = "unionpay",
                     tamper: Mapping[str, str] | None = None,
                     **fields: str) -> tuple[dict[str, str], bytes]:
        """The back notification of ``order_id`` as (headers, body), without sending it.
        ``fields`` change it before signing (a validly signed lie, e.g. another ``merId``),
        ``tamper`` after (e.g. ``txnAmt``: the signature no longer matches), ``signer`` picks
        the certificate it is signed with."""
        notice = {**self._notice(self.transactions[order_id]), **fields}
        signed = {**self._signed(notice, signer), **(tamper or {})}
        return dict(FORM), urllib.parse.urlencode(signed).encode()

    def plant_statement_mismatch(self, order_id: str, *, amount: int | None = None) -> None:
        """The statement reports ``amount`` fen for ``order_id``, or leaves it out (None)."""
        self.statement_changes[order_id] = amount

    # -- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if self.unreachable:
            raise ConnectionRefusedError("the UnionPay simulator is unreachable")
        request = Request(environ)
        path = request.path_info
        prefix = urllib.parse.urlsplit(self.base_url).path
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix):]
        routes = {"/gateway/api/frontTransReq.do": self._front,
                  "/gateway/api/bankPay.do": self._bank_decision,
                  "/gateway/api/backTransReq.do": self._back,
                  "/gateway/api/queryTrans.do": self._query,
                  "/filedownload/": self._file}
        handler = routes.get(path)
        if handler is None or request.method != "POST":
            response = Response(status=404 if handler is None else 405)
        else:
            response = handler({key: str(value) for key, value in request.POST.items()})
        return response(environ, start_response)

    # -- the shopper's pages -----------------------------------------------------------------

    def _front(self, fields: dict[str, str]) -> Response:
        refusal = self._refusal(fields, CONSUME)
        existing = self.transactions.get(fields.get("orderId", ""))
        if not refusal and existing and existing.state != "pending":
            refusal = ("12", "订单重复[2010002]")
        if not refusal and self._late(fields.get("payTimeout", "")):
            refusal = LATE
        if refusal:
            return _page("银联模拟网关", f"<p>交易失败：{html.escape(' '.join(refusal))}</p>")
        trade = Transaction(
            "01", fields["orderId"], fields["txnTime"], int(fields["txnAmt"]), fields["backUrl"],
            front_url=fields["frontUrl"], bank=fields.get("issInsCode", ""),
            pay_timeout=fields.get("payTimeout", ""),
            req_reserved=fields.get("reqReserved", ""))
        self.transactions[trade.order_id] = trade
        token = secrets.token_hex(10)
        self.pages[token] = trade.order_id
        banks = "".join(
            f'<label><input type="radio" name="bank" value="{code}"'
            f'{" checked" if code == (trade.bank or "ICBC") else ""}> {name}</label><br>'
            for code, name in BANKS.items())
        return _page("银联模拟网关", f"""
<p>商户订单号：{html.escape(trade.order_id)}</p>
<p>支付金额：<strong>¥{_yuan(trade.amount)}</strong></p>
<form method="post" action="{html.escape(self.base_url)}/gateway/api/bankPay.do">
<input type="hidden" name="tn" value="{token}">
<fieldset><legend>选择银行（网银支付）</legend>{banks}</fieldset>
<button type="submit" name="decision" value="pay">确认支付</button>
<button type="submit" name="decision" value="fail">支付失败</button>
</form>
<p><a href="{html.escape(trade.front_url)}">返回商户</a></p>""")

    def _bank_decision(self, fields: dict[str, str]) -> Response:
        trade = self.transactions.get(self.pages.pop(fields.get("tn", ""), ""))
        if trade is None or trade.state != "pending":
            return _page("银联模拟网关", "<p>交易不存在或已完成</p>")
        if self._late(trade.pay_timeout):
            return _page("银联模拟网关", f"<p>交易失败：{' '.join(LATE)}</p>")
        if fields.get("decision") == "pay":
            self.pay(trade.order_id, fields.get("bank", ""))
        else:
            self._complete(trade, "01")
        inputs = "".join(
            f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">'
            for key, value in self._signed(self._notice(trade)).items())
        return _page("正在返回商户", f"""
<form method="post" action="{html.escape(trade.front_url)}">{inputs}
<noscript><button type="submit">返回商户</button></noscript></form>
<script>document.forms[0].submit()</script>""")

    # -- the merchant's server calls ---------------------------------------------------------

    def _back(self, fields: dict[str, str]) -> Response:
        """退货 (txnType 04): once per orderId, never more than the payment has left."""
        original = next((each for each in self.trades if each.state == "paid"
                         and each.query_id == fields.get("origQryId")), None)
        refusal = self._refusal(fields, REFUND)
        if refusal is None and fields["orderId"] in self.transactions:
            refusal = ("12", "订单重复[2010002]")
        if refusal is None and original is None:
            refusal = ("35", "原交易不存在或状态不正确[2040004]")
        if refusal is None and original and int(fields["txnAmt"]) > (
                original.amount - original.refunded):
            refusal = ("36", "与原交易信息不符[2050004]")
        if refusal or original is None:
            return self._answer(fields, refusal or ("35", ""))
        refund = Transaction(
            "04", fields["orderId"], fields["txnTime"], int(fields["txnAmt"]), fields["backUrl"],
            orig_query_id=original.query_id, req_reserved=fields.get("reqReserved", ""))
        self.transactions[refund.order_id] = refund
        original.refunded += refund.amount
        self._complete(refund, "00")
        answer = self._answer(fields, OK, queryId=refund.query_id)
        self.notify(refund.order_id)
        return answer

    def _query(self, fields: dict[str, str]) -> Response:
        refusal = self._refusal(fields, QUERY)
        found = self.transactions.get(fields.get("orderId", ""))
        if refusal:
            return self._answer(fields, refusal)
        if found is None or found.txn_time != fields["txnTime"] or found.state == "pending":
            return self._answer(fields, ("34", "查无此交易"))
        return self._answer(
            fields, OK, origRespCode=found.resp_code, origRespMsg=_message(found.resp_code),
            queryId=found.query_id, traceNo=found.trace_no, traceTime=found.trace_time,
            settleDate=found.settle_date, txnAmt=str(found.amount),
            settleAmt=str(found.amount), settleCurrencyCode="156", currencyCode="156")

    def _file(self, fields: dict[str, str]) -> Response:
        refusal = self._refusal(fields, FILE)
        if refusal:
            return self._answer(fields, refusal)
        day = fields["settleDate"]
        year = self.clock.now().astimezone(BEIJING).year
        lines = [self._zm_line(each) for each in self.transactions.values()
                 if each.state == "paid" and each.settle_date == day
                 and not (each.order_id in self.statement_changes
                          and self.statement_changes[each.order_id] is None)]
        archive = io.BytesIO()
        stamp = f"{year % 100:02d}{day}"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as files:
            files.writestr(f"INN{stamp}88ZM_{MER_ID}", b"".join(lines))
            files.writestr(f"INN{stamp}88ZME_{MER_ID}", b"")  # no errors (差错) to report
        content = base64.b64encode(zlib.compress(archive.getvalue())).decode("ascii")
        return self._answer(fields, OK, fileContent=content, fileType="00", settleDate=day,
                            fileName=f"{MER_ID}_{year}{day}.zip")

    # -- messages ----------------------------------------------------------------------------

    def _refusal(self, fields: Mapping[str, str], kind: Kind) -> tuple[str, str] | None:
        """What UnionPay answers a malformed or badly signed request; None if it is fine."""
        missing = [name for name in (*COMMON, *kind.required) if not fields.get(name)]
        if missing:
            return "13", f"报文交易要素缺失[{','.join(missing)}]"
        wrong = [name for name, values in {**FIXED, **kind.fixed}.items()
                 if fields[name] not in values]
        if wrong or any(not re.fullmatch(pattern, fields[name])
                        for name, pattern in {**PATTERNS, **kind.patterns}.items()
                        if name in fields):
            return "10", f"报文格式错误[{','.join(wrong)}]"
        if fields["merId"] != MER_ID:
            return "31", "商户状态不正确"
        if not self._merchant_signed(fields):
            return "11", "验证签名失败"
        return None

    def _merchant_signed(self, fields: Mapping[str, str]) -> bool:
        """The merchant's signature, checked with the certificate its certId names."""
        key = self.keys.merchant.public_key()
        if fields["certId"] != str(self.keys.merchant.serial_number) or not isinstance(
                key, RSAPublicKey):
            return False
        try:
            key.verify(
                base64.b64decode(fields["signature"], validate=True), _digest(fields),
                padding.PKCS1v15(), hashes.SHA256())
        except (ValueError, InvalidSignature):
            return False
        return True

    def _signed(self, fields: Mapping[str, str], signer: Signer = "unionpay") -> dict[str, str]:
        cert, key = self._signer(signer)
        pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii").replace("\n", "\r\n")
        message = {**fields, "signMethod": "01", "signPubKeyCert": pem}
        message.pop("signature", None)
        message["signature"] = base64.b64encode(key.sign(
            _digest(message), padding.PKCS1v15(), hashes.SHA256())).decode("ascii")
        return message

    def _signer(self, signer: Signer) -> tuple[x509.Certificate, RSAPrivateKey]:
        keys, spare = self.keys, _spare_key()
        if signer == "unionpay":
            return keys.signing, keys.signing_key
        if signer == "expired":
            now = self.clock.now()
            return _issue(_name(UNIONPAY_CN, "00040000:SIGN"), spare, keys.middle,
                          keys.middle_key(), valid=(now - timedelta(days=730),
                                                    now - timedelta(days=1))), spare
        if signer == "not_unionpay":
            return _issue(_name("041@Z12@某某支付科技有限公司@00000001", "00040000:SIGN"), spare,
                          keys.middle, keys.middle_key()), spare
        other_root = _issue(_name("CFCA TEST CA (shop simulator)"), spare, None, spare, ca=True)
        other_middle = _issue(_name("CFCA TEST OCA1 (shop simulator)"), spare, other_root, spare,
                              ca=True)
        return _issue(_name(UNIONPAY_CN, "00040000:SIGN"), spare, other_middle, spare), spare

    def _answer(self, request: Mapping[str, str], result: tuple[str, str],
                **fields: str) -> Response:
        """A synchronous answer: signed ``k=v&…``, not URL-encoded, as UnionPay sends it."""
        echo = {name: request[name] for name in ECHO if request.get(name)}
        message = self._signed({**echo, "respCode": result[0], "respMsg": result[1], **fields})
        body = "&".join(f"{key}={value}" for key, value in sorted(message.items()))
        return Response(body=body.encode("utf-8"), content_type="text/plain", charset="UTF-8")

    def _notice(self, transaction: Transaction) -> dict[str, str]:
        """A back or front notification's fields (before signing)."""
        consume = transaction.txn_type == "01"
        notice = {
            "version": "5.1.0", "encoding": "UTF-8", "accessType": "0", "bizType": "000201",
            "txnType": transaction.txn_type, "txnSubType": "01" if consume else "00",
            "merId": MER_ID, "orderId": transaction.order_id, "txnTime": transaction.txn_time,
            "txnAmt": str(transaction.amount), "currencyCode": "156",
            "respCode": transaction.resp_code, "respMsg": _message(transaction.resp_code),
            "queryId": transaction.query_id, "traceNo": transaction.trace_no,
            "traceTime": transaction.trace_time, "settleDate": transaction.settle_date,
            "settleAmt": str(transaction.amount), "settleCurrencyCode": "156",
            "reqReserved": transaction.req_reserved, "origQryId": transaction.orig_query_id,
            "issInsCode": transaction.bank,
        }
        if consume:
            notice.update(accNo="621626*********0018", payCardType="01", payType="0001")
        return {key: value for key, value in notice.items() if value}

    def _complete(self, transaction: Transaction, code: str) -> None:
        transaction.state = "paid" if code == "00" else "failed"
        transaction.resp_code = code
        if code != "00":
            return
        now = self.clock.now().astimezone(BEIJING)
        transaction.query_id = now.strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**7):07d}"
        transaction.trace_no = f"{secrets.randbelow(10**6):06d}"
        transaction.trace_time = now.strftime("%m%d%H%M%S")
        # the clearing day (清算日) turns at 23:00 Beijing time
        transaction.settle_date = (now + timedelta(hours=1)).strftime("%m%d")

    def _zm_line(self, transaction: Transaction) -> bytes:
        """One fixed-width ZM row (GBK; fields apart by one space, 文件接口 6.1)."""
        planted = self.statement_changes.get(transaction.order_id)
        amount = transaction.amount if planted is None else planted
        refund = transaction.txn_type == "04"
        values = {0: "S30" if refund else "S22", 1: "48020000", 2: "48020000",
                  3: transaction.trace_no, 4: transaction.trace_time,
                  5: "621626*********0018", 6: f"{amount:012d}", 7: "5311", 8: "07",
                  9: transaction.query_id, 10: "00", 11: transaction.order_id, 12: "01",
                  16: ("D" if refund else "C") + f"{amount:012d}", 17: "0001", 19:
                  transaction.txn_type, 20: "00" if refund else "01", 21: "000201", 22: "01",
                  26: transaction.orig_query_id, 27: MER_ID}
        row = " ".join(values.get(index, "").ljust(width)[:width]
                       for index, width in enumerate(ZM_WIDTHS))
        return row.encode("gbk") + b"\r\n"

    def _late(self, pay_timeout: str) -> bool:
        """Past the form's payTimeout (yyyyMMddHHmmss, Beijing): UnionPay no longer pays it."""
        now = self.clock.now().astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
        return bool(pay_timeout) and pay_timeout <= now


@dataclass(frozen=True)
class Kind:
    """What a request of one kind must carry beyond the common fields."""

    required: tuple[str, ...]
    fixed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    patterns: Mapping[str, str] = field(default_factory=dict)


COMMON = ("version", "encoding", "signMethod", "certId", "signature", "txnType", "txnSubType",
          "bizType", "accessType", "merId")
FIXED = {"version": ("5.1.0",), "signMethod": ("01",), "accessType": ("0",),
         "encoding": ("UTF-8", "utf-8")}
PATTERNS = {"orderId": r"[0-9A-Za-z]{8,40}", "txnTime": r"20\d{6}([01]\d|2[0-3])[0-5]\d[0-5]\d",
            "txnAmt": r"[1-9]\d{0,11}", "payTimeout": r"20\d{12}"}
CONSUME = Kind(("orderId", "txnTime", "txnAmt", "currencyCode", "channelType", "frontUrl",
                "backUrl"),
               {"txnType": ("01",), "txnSubType": ("01",), "bizType": ("000201",),
                "currencyCode": ("156",), "channelType": ("07", "08")})
REFUND = Kind(("orderId", "txnTime", "txnAmt", "currencyCode", "origQryId", "backUrl"),
              {"txnType": ("04",), "txnSubType": ("00",), "bizType": ("000201",),
               "currencyCode": ("156",)})
QUERY = Kind(("orderId", "txnTime"), {"txnType": ("00",), "txnSubType": ("00",)})
FILE = Kind(("settleDate", "txnTime", "fileType"),
            {"txnType": ("76",), "txnSubType": ("01",), "bizType": ("000000",),
             "fileType": ("00",)}, {"settleDate": r"(0[1-9]|1[0-2])[0-3]\d"})
ECHO = ("version", "encoding", "bizType", "txnType", "txnSubType", "accessType", "merId",
        "orderId", "txnTime", "certId")


def post_form(url: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
    """Deliver a notification over HTTP, as UnionPay's servers do."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise OSError(f"not an HTTP URL: {url}")
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _digest(fields: Mapping[str, str]) -> bytes:
    """ACP 5.1.0: SHA-256 hex of the sorted ``k=v&…`` of every field but ``signature``."""
    text = "&".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "signature")
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def _message(code: str) -> str:
    return {"00": "成功[0000000]", "01": "交易失败"}.get(code, "")


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _page(title: str, body: str) -> Response:
    return Response(f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>""", content_type="text/html", charset="UTF-8")


def _name(common_name: str, *units: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CFCA TEST OCA1 (shop simulator)"),
        *(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit) for unit in units),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(subject: x509.Name, key: RSAPrivateKey, issuer: x509.Certificate | None,
           issuer_key: RSAPrivateKey, *, ca: bool = False,
           valid: tuple[datetime, datetime] = (VALID_FROM, VALID_UNTIL)) -> x509.Certificate:
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer.subject if issuer else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(valid[0]).not_valid_after(valid[1])
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                   encipher_only=False, decipher_only=False), critical=True))
    return builder.sign(issuer_key, hashes.SHA256())


def _kept(path: Path, make: Callable[[], Any], *, pem: bool = True) -> Any:
    """The certificate (or file) at ``path``, made on first use; written aside and renamed so
    a process starting beside another reads whichever landed whole."""
    if not path.exists():
        made = make()
        content = made.public_bytes(serialization.Encoding.PEM) if pem else made
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cer-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        if path.exists():
            os.unlink(temporary)
        else:
            os.replace(temporary, path)
    return x509.load_pem_x509_certificate(path.read_bytes()) if pem else path.read_bytes()


@cache
def _spare_key() -> RSAPrivateKey:
    """The key behind the impostor certificates a tampered notification is signed with."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
