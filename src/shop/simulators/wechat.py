"""A local WeChat Pay API v3 (微信支付): the merchant API, the phone that scans, the H5 cashier.

It holds what WeChat Pay holds: its own platform key with a self-signed platform certificate
(whose serial it puts in ``Wechatpay-Serial``), the merchant's public key, to check every
request's ``WECHATPAY2-SHA256-RSA2048`` Authorization (``401 SIGN_ERROR`` otherwise, unsigned,
as WeChat Pay answers), and the APIv3 key it encrypts notifications with. Every other answer is
signed; the bill download is not (its SHA1 is in the signed answer that points to it).

API: ``POST /v3/pay/transactions/native`` and ``/h5``, ``GET /v3/pay/transactions/out-trade-no/
{no}?mchid=``, ``POST …/{no}/close``, ``POST /v3/refund/domestic/refunds``, ``GET /v3/bill/
tradebill`` and the download it points to. Pages: ``GET /scan?code_url=…`` is the payer's phone
scanning the QR code; ``GET /h5pay/checkmweb?prepay_id=…&redirect_url=…`` is the H5 cashier, which
sends the browser to ``redirect_url`` whether the payer paid or not. Paying sends the v3
notification to the trade's ``notify_url`` through ``deliver(url, headers, body)``.

Test controls: ``pay``, ``notification`` and ``refund_notification`` (signed, with ``Tamper``
options), ``settle_refund``, ``unreachable``, ``refund_status``, ``balance``, ``misstate`` (a
bill that disagrees with the shop), and the ``trades``, ``refunds`` and ``deliveries`` kept.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
import re
import secrets
import string
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from webob import Request, Response

from shop.application.clock import Clock
from shop.simulators import public_pem, rsa_private_key, write_once

MCH_ID = "1900000109"
APPID = "wx8888888888888888"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW = timedelta(minutes=5)
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-*|]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-*|@]{1,64}$")
STATE_DESCRIPTIONS = {"NOTPAY": "订单未支付", "SUCCESS": "支付成功", "CLOSED": "订单已关闭",
                      "REFUND": "转入退款"}
REFUND_SUMMARIES = {"SUCCESS": "退款成功", "CLOSED": "退款关闭", "ABNORMAL": "退款异常"}
#: The columns of a trade bill of type ALL, as WeChat Pay writes them.
BILL_COLUMNS = (
    "交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号",
    "用户标识", "交易类型", "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额",
    "微信退款单号", "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态",
    "商品名称", "商户数据包", "手续费", "费率", "订单金额", "申请退款金额", "费率备注",
)
BILL_SUMMARY = (
    "总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额",
    "订单总金额", "申请退款总金额",
)
FEE_RATE = Decimal("0.006")

#: ``deliver(url, headers, body) -> (status, body)``: how a notification reaches the shop.
Deliver = Callable[[str, Mapping[str, str], bytes], tuple[int, bytes]]


@dataclass
class Trade:
    out_trade_no: str
    trade_type: str  # NATIVE or MWEB
    description: str
    total: int  # fen
    notify_url: str
    time_expire: datetime | None
    token: str  # the code_url's pr, or the H5 prepay_id
    state: str = "NOTPAY"  # NOTPAY, SUCCESS, REFUND, CLOSED
    transaction_id: str = ""
    success_time: datetime | None = None
    refunded: int = 0  # fen, by refunds that have not failed


@dataclass
class Refund:
    out_refund_no: str
    refund_id: str
    trade: Trade
    refund: int  # fen
    create_time: datetime
    notify_url: str
    status: str = "PROCESSING"  # PROCESSING, SUCCESS, CLOSED, ABNORMAL
    success_time: datetime | None = None


@dataclass(frozen=True)
class Tamper:
    """How ``notification`` spoils what it builds; each option flips one thing."""

    #: Fields replaced in the resource before it is encrypted (a wrong amount, another mchid).
    resource: Mapping[str, Any] = field(default_factory=dict)
    api_v3_key: bytes | None = None  # encrypt with another key
    associated_data: str | None = None  # declare other associated_data than was encrypted over
    timestamp: datetime | None = None  # sign as of another time
    serial: str | None = None  # name another platform certificate
    signature: str | None = None  # replace the signature (``WECHATPAY/SIGNTEST/…``)
    corrupt_signature: bool = False  # flip a bit of the signature
    body: Callable[[bytes], bytes] | None = None  # change the body after signing


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class WechatSimulator:
    def __init__(self, *, platform_key: RSAPrivateKey, certificate: x509.Certificate,
                 merchant_key: RSAPublicKey, merchant_serial: str, api_v3_key: bytes,
                 base_url: str, clock: Clock, deliver: Deliver | None = None,
                 mch_id: str = MCH_ID, appid: str = APPID) -> None:
        self.platform_key, self.certificate = platform_key, certificate
        self.merchant_key, self.merchant_serial = merchant_key, merchant_serial.upper()
        self.api_v3_key, self.base_url, self.clock = api_v3_key, base_url.rstrip("/"), clock
        self.deliver: Deliver = deliver or post
        self.mch_id, self.appid = mch_id, appid
        self.trades: dict[str, Trade] = {}
        self.refunds: dict[str, Refund] = {}
        #: (url, HTTP status) of each notification sent; status 0 when it did not get through.
        self.deliveries: list[tuple[str, int]] = []
        #: The merchant API raises as an unreachable server would (the pages still answer).
        self.unreachable = False
        #: What a new refund answers: SUCCESS, or PROCESSING until ``settle_refund``.
        self.refund_status = "SUCCESS"
        #: The merchant's balance for refunds in fen (None: enough); short → 403 NOT_ENOUGH.
        self.balance: int | None = None
        #: Bill lines shown with another amount in fen (None: left out), by out_trade_no for a
        #: payment, out_refund_no for a refund.
        self.misstatements: dict[str, int | None] = {}
        self._bills: dict[str, bytes] = {}

    @classmethod
    def from_directory(cls, directory: Path, *, base_url: str, clock: Clock,
                       deliver: Deliver | None = None) -> WechatSimulator:
        """A simulator with the keys kept in ``directory`` (made on first use), the same ones
        ``shop_settings`` points the shop at."""
        keys = _Keys.in_directory(directory)
        return cls(platform_key=keys.platform_key, certificate=keys.certificate,
                   merchant_key=keys.merchant_public_key, merchant_serial=keys.merchant_serial,
                   api_v3_key=keys.api_v3_key, base_url=base_url, clock=clock, deliver=deliver)

    @property
    def serial(self) -> str:
        """The platform certificate's serial, as ``Wechatpay-Serial`` carries it."""
        return format(self.certificate.serial_number, "X")

    def scan_url(self, code_url: str) -> str:
        """The page of the phone that scans ``code_url`` (what the QR code stands for)."""
        return f"{self.base_url}/scan?code_url={urllib.parse.quote(code_url, safe='')}"

    # -- test controls -------------------------------------------------------------------------

    def pay(self, out_trade_no: str) -> None:
        """The payer confirms: the trade is paid and its notification sent to ``notify_url``."""
        trade = self.trades[out_trade_no]
        state = self._state(trade)
        if state != "NOTPAY":
            raise ValueError(f"trade {out_trade_no} is {state}, not payable")
        trade.state, trade.success_time = "SUCCESS", self.clock.now()
        trade.transaction_id = "4200" + _digits(24)
        self._send(trade.notify_url, *self.notification(out_trade_no))

    def notification(self, out_trade_no: str, **tamper: Any) -> tuple[dict[str, str], bytes]:
        """The signed TRANSACTION.SUCCESS notification of a paid trade, spoiled as ``Tamper``
        options say."""
        trade = self.trades[out_trade_no]
        if not trade.transaction_id:
            raise ValueError(f"trade {out_trade_no} is not paid")
        resource = self._transaction(trade) | {"trade_state": "SUCCESS",
                                               "trade_state_desc": "支付成功"}
        return self._event("TRANSACTION.SUCCESS", out_trade_no, "transaction", resource,
                           Tamper(**tamper))

    def refund_notification(self, out_refund_no: str,
                            **tamper: Any) -> tuple[dict[str, str], bytes]:
        """The signed REFUND.<status> notification of a settled refund."""
        refund = self.refunds[out_refund_no]
        if refund.status not in REFUND_SUMMARIES:
            raise ValueError(f"refund {out_refund_no} is {refund.status}")
        resource = self._refund_resource(refund)
        resource["refund_status"] = resource.pop("status")  # the notification's name for it
        return self._event(f"REFUND.{refund.status}", out_refund_no, "refund", resource,
                           Tamper(**tamper))

    def settle_refund(self, out_refund_no: str, status: str = "SUCCESS") -> None:
        """A PROCESSING refund ends SUCCESS, CLOSED or ABNORMAL, and its notification is sent
        (when the refund named a ``notify_url``)."""
        refund = self.refunds[out_refund_no]
        if refund.status != "PROCESSING" or status not in REFUND_SUMMARIES:
            raise ValueError(f"refund {out_refund_no} is {refund.status}, cannot become {status}")
        refund.status = status
        if status == "SUCCESS":
            refund.success_time = self.clock.now()
        else:
            refund.trade.refunded -= refund.refund
        if refund.notify_url:
            self._send(refund.notify_url, *self.refund_notification(out_refund_no))

    def misstate(self, number: str, fen: int | None) -> None:
        """Plant a mismatch: the bill shows this payment (out_trade_no) or refund
        (out_refund_no) with ``fen`` instead, or leaves it out when ``fen`` is None."""
        self.misstatements[number] = fen

    # -- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if request.path_info.startswith("/v3/"):
            if self.unreachable:
                raise ConnectionRefusedError("the WeChat Pay simulator is unreachable")
            response = self._api(request)
        elif request.path_info == "/scan":
            response = self._scan_page(request)
        elif request.path_info == "/h5pay/checkmweb":
            response = self._h5_page(request)
        else:
            response = Response(status=404, text="Not Found", charset="utf-8")
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def _api(self, request: Request) -> Response:
        problem = self._authorization_problem(request)
        if problem:  # WeChat Pay signs only answers to requests whose signature it verified
            return self._answer(401, {"code": "SIGN_ERROR", "message": problem}, signed=False)
        try:
            return self._route(request)
        except _Refusal as refusal:
            return self._answer(refusal.status, {"code": refusal.code,
                                                 "message": refusal.message})

    def _route(self, request: Request) -> Response:
        route = (request.method, request.path_info)
        if route == ("POST", "/v3/pay/transactions/native"):
            return self._prepay(_document(request), "NATIVE")
        if route == ("POST", "/v3/pay/transactions/h5"):
            return self._prepay(_document(request), "MWEB")
        if route == ("POST", "/v3/refund/domestic/refunds"):
            return self._refund(_document(request))
        if route == ("GET", "/v3/bill/tradebill"):
            return self._tradebill(request)
        if route == ("GET", "/v3/billdownload/file"):
            return self._download(request)
        match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?",
                             request.path_info)
        if match and match[2] and request.method == "POST":
            return self._close(match[1], _document(request))
        if match and request.method == "GET":
            return self._query(match[1], request.GET.get("mchid", ""))
        raise _Refusal(404, "NOT_FOUND", "请求的资源不存在")

    def _authorization_problem(self, request: Request) -> str:
        """Why the Authorization fails WeChat Pay's check ("" when it passes): the merchant's
        SHA256withRSA over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``."""
        scheme, _, rest = request.headers.get("Authorization", "").partition(" ")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if scheme != SIGNATURE_TYPE or not {
                "mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= fields.keys():
            return "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》"
        if fields["mchid"] != self.mch_id:
            return "商户号不存在或与签名不匹配"
        if fields["serial_no"].upper() != self.merchant_serial:
            return "商户证书序列号有误。请使用签名私钥匹配的证书序列号"
        timestamp = fields["timestamp"]
        if not re.fullmatch(r"[0-9]{1,12}", timestamp) or abs(
                self.clock.now() - datetime.fromtimestamp(int(timestamp), UTC)) >= MAX_SKEW:
            return "Http头Authorization中的timestamp与当前时间相差过大"
        message = (f"{request.method}\n{request.path_qs}\n{timestamp}\n{fields['nonce_str']}\n"
                   .encode() + request.body + b"\n")
        try:
            self.merchant_key.verify(base64.b64decode(fields["signature"], validate=True),
                                     message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return "错误的签名，验签失败"
        return ""

    # -- the merchant API ----------------------------------------------------------------------

    def _prepay(self, order: Mapping[str, Any], trade_type: str) -> Response:
        """Native or H5 下单. The same out_trade_no asked again with the same order gets the same
        answer; with another order it is OUT_TRADE_NO_USED."""
        if _need(order, "mchid") != self.mch_id:
            raise _Refusal(400, "MCH_NOT_EXISTS", "商户号不存在")
        if _need(order, "appid") != self.appid:
            raise _Refusal(400, "APPID_MCHID_NOT_MATCH", "AppID和mch_id不匹配")
        out_trade_no, description = _need(order, "out_trade_no"), _need(order, "description")
        notify_url, total = _need(order, "notify_url"), _need(order, "amount.total", int)
        if not OUT_TRADE_NO.match(out_trade_no) or len(description) > 127 or total <= 0:
            raise _Refusal(400, "PARAM_ERROR", "out_trade_no、description或amount.total格式错误")
        if order["amount"].get("currency", "CNY") != "CNY":
            raise _Refusal(400, "PARAM_ERROR", "amount.currency只支持CNY")
        if not notify_url.startswith(("https://", "http://")):  # WeChat Pay wants https only
            raise _Refusal(400, "PARAM_ERROR", "notify_url格式错误")
        if trade_type == "MWEB":
            _need(order, "scene_info.payer_client_ip")
            _need(order, "scene_info.h5_info.type")
        trade = self.trades.get(out_trade_no)
        if trade is None:
            trade = Trade(out_trade_no, trade_type, description, total, notify_url,
                          _time(order.get("time_expire")), _token(trade_type, self.clock))
            self.trades[out_trade_no] = trade
        elif self._state(trade) in ("SUCCESS", "REFUND"):
            raise _Refusal(400, "ORDERPAID", "订单已支付")
        elif trade.state == "CLOSED":
            raise _Refusal(400, "ORDER_CLOSED", "订单已关闭")
        elif (trade.trade_type, trade.description, trade.total) != (
                trade_type, description, total):
            raise _Refusal(403, "OUT_TRADE_NO_USED", "商户订单号重复")
        if trade_type == "NATIVE":
            return self._answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr={trade.token}"})
        return self._answer(200, {"h5_url": f"{self.base_url}/h5pay/checkmweb?prepay_id="
                                            f"{trade.token}&package={_digits(10)}"})

    def _query(self, out_trade_no: str, mchid: str) -> Response:
        if mchid != self.mch_id:
            raise _Refusal(400, "PARAM_ERROR" if not mchid else "MCH_NOT_EXISTS",
                           "mchid缺失或商户号不存在")
        trade = self.trades.get(out_trade_no)
        if trade is None:
            raise _Refusal(404, "ORDER_NOT_EXIST", "订单不存在")
        return self._answer(200, self._transaction(trade))

    def _close(self, out_trade_no: str, body: Mapping[str, Any]) -> Response:
        """关闭订单: 204, also for a trade never created (as WeChat Pay answers)."""
        if _need(body, "mchid") != self.mch_id:
            raise _Refusal(400, "MCH_NOT_EXISTS", "商户号不存在")
        trade = self.trades.get(out_trade_no)
        if trade is not None:
            if self._state(trade) in ("SUCCESS", "REFUND"):
                raise _Refusal(400, "ORDERPAID", "订单已支付")
            trade.state = "CLOSED"
        return self._answer(204, None)

    def _refund(self, body: Mapping[str, Any]) -> Response:
        """申请退款: an out_refund_no refunds once; asked again with the same amounts it answers
        the same refund. A trade that was not paid is not in WeChat Pay's refund system."""
        out_refund_no = _need(body, "out_refund_no")
        refund, total = _need(body, "amount.refund", int), _need(body, "amount.total", int)
        if not OUT_REFUND_NO.match(out_refund_no) or refund <= 0 or (
                body["amount"].get("currency", "CNY") != "CNY"):
            raise _Refusal(400, "PARAM_ERROR", "out_refund_no或amount格式错误")
        trade = self.trades.get(str(body.get("out_trade_no") or "")) or next(
            (trade for trade in self.trades.values()
             if trade.transaction_id and trade.transaction_id == body.get("transaction_id")),
            None)
        if trade is None or self._state(trade) not in ("SUCCESS", "REFUND"):
            raise _Refusal(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        known = self.refunds.get(out_refund_no)
        if known is not None:
            if (known.trade, known.refund, known.trade.total) != (trade, refund, total):
                raise _Refusal(400, "INVALID_REQUEST",
                               "订单金额或退款金额与之前请求不一致，请核实后再试")
            return self._answer(200, self._refund_resource(known))
        if total != trade.total:
            raise _Refusal(400, "INVALID_REQUEST", "订单金额与实际支付金额不一致")
        if refund > trade.total - trade.refunded:
            raise _Refusal(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        if self.balance is not None and refund > self.balance:
            raise _Refusal(403, "NOT_ENOUGH", "基本账户余额不足，请充值后重新发起")
        now = self.clock.now()
        record = Refund(out_refund_no, "50" + _digits(27), trade, refund, now,
                        str(body.get("notify_url") or ""), self.refund_status,
                        now if self.refund_status == "SUCCESS" else None)
        self.refunds[out_refund_no] = record
        trade.refunded += refund
        trade.state = "REFUND"
        if self.balance is not None:
            self.balance -= refund
        return self._answer(200, self._refund_resource(record))

    def _tradebill(self, request: Request) -> Response:
        """申请交易账单 (type ALL, not compressed): a day's bill exists from the next day on."""
        try:
            day = date.fromisoformat(request.GET.get("bill_date", ""))
        except ValueError:
            raise _Refusal(400, "PARAM_ERROR", "bill_date格式错误，应为yyyy-MM-DD") from None
        if request.GET.get("bill_type", "ALL") != "ALL" or request.GET.get("tar_type"):
            raise _Refusal(400, "PARAM_ERROR", "模拟器只提供不压缩的ALL账单")
        if day >= self.clock.now().astimezone(BEIJING).date():
            raise _Refusal(400, "STATEMENT_CREATING", "账单生成中，请稍后再试")
        content = self.bill(day)
        if content is None:
            raise _Refusal(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        token = secrets.token_urlsafe(24)
        self._bills[token] = content
        return self._answer(200, {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(content, usedforsecurity=False).hexdigest(),
            "download_url": f"{self.base_url}/v3/billdownload/file?token={token}"})

    def _download(self, request: Request) -> Response:
        content = self._bills.get(request.GET.get("token", ""))
        if content is None:
            raise _Refusal(404, "RESOURCE_NOT_EXISTS", "账单下载地址无效")
        return Response(status=200, body=content, content_type="application/octet-stream")

    def bill(self, day: date) -> bytes | None:
        """The trade bill (ALL) of a Beijing day, None when nothing happened that day: a line per
        payment and per refund, each field after a backtick, then the summary."""
        lines: list[tuple[datetime, list[str]]] = []
        for trade in self.trades.values():
            fen = self.misstatements.get(trade.out_trade_no, trade.total)
            if trade.success_time and _day(trade.success_time) == day and fen is not None:
                lines.append((trade.success_time, self._bill_line(
                    trade, trade.success_time, "SUCCESS", fen, 0, ("0", "0", "", ""))))
        for refund in self.refunds.values():
            fen = self.misstatements.get(refund.out_refund_no, refund.refund)
            if _day(refund.create_time) == day and fen is not None:
                lines.append((refund.create_time, self._bill_line(
                    refund.trade, refund.create_time, "REFUND", 0, fen,
                    (refund.refund_id, refund.out_refund_no, "ORIGINAL", refund.status))))
        if not lines:
            return None
        rows = [row for _, row in sorted(lines, key=lambda line: line[0])]
        paid = sum(Decimal(row[24]) for row in rows)
        refunded = sum(Decimal(row[25]) for row in rows)
        fees = sum(Decimal(row[22]) for row in rows)
        summary = [str(len(rows)), f"{paid:.2f}", f"{refunded:.2f}", "0.00", f"{fees:.5f}",
                   f"{paid:.2f}", f"{refunded:.2f}"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(BILL_COLUMNS)
        writer.writerows(["`" + cell for cell in row] for row in rows)
        writer.writerow(BILL_SUMMARY)
        writer.writerow("`" + cell for cell in summary)
        return out.getvalue().encode()

    def _bill_line(self, trade: Trade, moment: datetime, state: str, paid: int, refunded: int,
                   refund: tuple[str, str, str, str]) -> list[str]:
        fee = (Decimal(paid - refunded) * FEE_RATE / 100).quantize(Decimal("0.00001"))
        return [moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"), self.appid,
                self.mch_id, "0", "", trade.transaction_id, trade.out_trade_no, OPENID,
                trade.trade_type, state, "OTHERS", "CNY", _yuan(paid), "0.00", refund[0],
                refund[1], _yuan(refunded), "0.00", refund[2], refund[3], trade.description, "",
                f"{fee:.5f}", "0.60%", _yuan(paid), _yuan(refunded), ""]

    def _transaction(self, trade: Trade) -> dict[str, Any]:
        """A trade as the query API and the payment notification show it."""
        state = self._state(trade)
        document: dict[str, Any] = {
            "appid": self.appid, "mchid": self.mch_id, "out_trade_no": trade.out_trade_no,
            "trade_type": trade.trade_type, "trade_state": state,
            "trade_state_desc": STATE_DESCRIPTIONS[state], "attach": "",
            "amount": {"total": trade.total, "currency": "CNY", "payer_currency": "CNY"},
        }
        if trade.transaction_id and trade.success_time:
            document |= {"transaction_id": trade.transaction_id, "bank_type": "OTHERS",
                         "success_time": _rfc3339(trade.success_time),
                         "payer": {"openid": OPENID}}
            document["amount"]["payer_total"] = trade.total
        return document

    def _refund_resource(self, refund: Refund) -> dict[str, Any]:
        """A refund as the refund API answers it (the notification says ``refund_status``)."""
        document: dict[str, Any] = {
            "mchid": self.mch_id, "out_trade_no": refund.trade.out_trade_no,
            "transaction_id": refund.trade.transaction_id, "out_refund_no": refund.out_refund_no,
            "refund_id": refund.refund_id, "status": refund.status, "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱", "create_time": _rfc3339(refund.create_time),
            "funds_account": "AVAILABLE",
            "amount": {"total": refund.trade.total, "refund": refund.refund,
                       "payer_total": refund.trade.total, "payer_refund": refund.refund,
                       "settlement_total": refund.trade.total,
                       "settlement_refund": refund.refund, "discount_refund": 0,
                       "currency": "CNY", "refund_fee": 0},
        }
        if refund.success_time:
            document["success_time"] = _rfc3339(refund.success_time)
        return document

    def _state(self, trade: Trade) -> str:
        """The trade's state; an unpaid trade closes at its time_expire."""
        if trade.state == "NOTPAY" and trade.time_expire and self.clock.now() >= trade.time_expire:
            trade.state = "CLOSED"
        return trade.state

    # -- signing and sending -------------------------------------------------------------------

    def _event(self, event_type: str, number: str, original_type: str,
               resource: Mapping[str, Any], tamper: Tamper) -> tuple[dict[str, str], bytes]:
        """A v3 notification: the resource encrypted with the APIv3 key (AEAD_AES_256_GCM over
        ``associated_data``), the whole body signed. Its id is the same each time the same event
        is sent, as WeChat Pay's retries are."""
        nonce = secrets.token_hex(6)
        plain = _json({**resource, **tamper.resource})
        ciphertext = AESGCM(tamper.api_v3_key or self.api_v3_key).encrypt(
            nonce.encode(), plain, original_type.encode())
        event = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.mch_id}/{event_type}/{number}")),
            "create_time": _rfc3339(self.clock.now()), "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": REFUND_SUMMARIES.get(event_type.removeprefix("REFUND."), "支付成功"),
            "resource": {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(ciphertext).decode(),
                         "associated_data": (original_type if tamper.associated_data is None
                                             else tamper.associated_data),
                         "nonce": nonce},
        }
        body = _json(event)
        headers = self._signed_headers(body, tamper.timestamp)
        headers["Content-Type"] = "application/json"
        if tamper.serial is not None:
            headers["Wechatpay-Serial"] = tamper.serial
        if tamper.signature is not None:
            headers["Wechatpay-Signature"] = tamper.signature
        if tamper.corrupt_signature:
            signature = bytearray(base64.b64decode(headers["Wechatpay-Signature"]))
            signature[len(signature) // 2] ^= 1
            headers["Wechatpay-Signature"] = base64.b64encode(signature).decode()
        return headers, tamper.body(body) if tamper.body else body

    def _signed_headers(self, body: bytes, at: datetime | None = None) -> dict[str, str]:
        """WeChat Pay's signature over ``TIMESTAMP\\nNONCE\\nBODY\\n`` with the platform key."""
        timestamp = str(int((at or self.clock.now()).timestamp()))
        nonce = secrets.token_hex(16)
        signature = self.platform_key.sign(f"{timestamp}\n{nonce}\n".encode() + body + b"\n",
                                           padding.PKCS1v15(), hashes.SHA256())
        return {"Wechatpay-Nonce": nonce, "Wechatpay-Timestamp": timestamp,
                "Wechatpay-Signature": base64.b64encode(signature).decode(),
                "Wechatpay-Serial": self.serial, "Wechatpay-Signature-Type": SIGNATURE_TYPE}

    def _answer(self, status: int, document: Mapping[str, Any] | None, *,
                signed: bool = True) -> Response:
        body = b"" if document is None else _json(document)
        response = Response(status=status, body=body, content_type="application/json",
                            charset="utf-8")
        response.headers["Request-ID"] = str(uuid.uuid4())
        if signed:
            response.headers.update(self._signed_headers(body))
        return response

    def _send(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Deliver a notification once (WeChat Pay would retry; a test sends it again)."""
        try:
            status, _ = self.deliver(url, headers, body)
        except OSError:
            status = 0
        self.deliveries.append((url, status))

    # -- the payer's pages ---------------------------------------------------------------------

    def _scan_page(self, request: Request) -> Response:
        """The phone that scanned the QR code: the order, 确认支付 or 取消."""
        code_url = request.params.get("code_url", "")
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(code_url).query).get("pr", [""])[0]
        trade = self._by_token("NATIVE", token)
        if trade is None:
            return _page("二维码已失效", "<p>二维码已失效或不存在。</p>", status=404)
        if request.method == "POST":
            return _page(*self._decide(trade, request.POST.get("action", "")))
        return self._cashier(trade, "/scan", {"code_url": code_url})

    def _h5_page(self, request: Request) -> Response:
        """The H5 cashier: after paying or not, back to ``redirect_url`` (nothing signed)."""
        trade = self._by_token("MWEB", request.params.get("prepay_id", ""))
        if trade is None:
            return _page("订单不存在", "<p>支付链接已失效或不存在。</p>", status=404)
        redirect_url = request.params.get("redirect_url", "")
        if request.method == "GET":
            return self._cashier(trade, "/h5pay/checkmweb",
                                 {"prepay_id": trade.token, "redirect_url": redirect_url})
        outcome = self._decide(trade, request.POST.get("action", ""))
        if urllib.parse.urlsplit(redirect_url).scheme in ("http", "https"):
            return Response(status=302, location=redirect_url)
        return _page(*outcome)

    def _decide(self, trade: Trade, action: str) -> tuple[str, str]:
        state = self._state(trade)
        if action != "pay":
            return "已取消", "<p>你已取消支付。</p>"
        if state == "NOTPAY":
            self.pay(trade.out_trade_no)
            return "支付成功", f"<p>已向商户支付 ¥{_yuan(trade.total)}。</p>"
        return STATE_DESCRIPTIONS[state], f"<p>{STATE_DESCRIPTIONS[state]}，无法支付。</p>"

    def _cashier(self, trade: Trade, action: str, hidden: Mapping[str, str]) -> Response:
        state = self._state(trade)
        fields = "".join(f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                         for name, value in hidden.items())
        buttons = ('<button name="action" value="pay">确认支付</button> '
                   '<button name="action" value="cancel">取消</button>'
                   if state == "NOTPAY" else f"<p>{STATE_DESCRIPTIONS[state]}</p>")
        return _page("微信支付", (
            f'<p class="amount">¥{_yuan(trade.total)}</p>'
            f"<p>{html.escape(trade.description)}</p>"
            f"<p>商户订单号 {html.escape(trade.out_trade_no)}</p>"
            f'<form method="post" action="{self.base_url}{action}">{fields}{buttons}</form>'))

    def _by_token(self, trade_type: str, token: str) -> Trade | None:
        return next((trade for trade in self.trades.values()
                     if token and trade.token == token and trade.trade_type == trade_type), None)


def shop_settings(directory: Path, base_url: str) -> dict[str, str]:
    """The ``shop.payments.wechat.*`` settings that make the shop pay this simulator (keys made
    in ``directory`` on first use, shared with ``WechatSimulator.from_directory``)."""
    keys = _Keys.in_directory(directory)
    prefix = "shop.payments.wechat."
    return {prefix + "mch_id": MCH_ID, prefix + "appid": APPID,
            prefix + "api_v3_key": keys.api_v3_key.decode(),
            prefix + "merchant_serial": keys.merchant_serial,
            prefix + "private_key": str(keys.merchant_key_path),
            prefix + "platform_certificates": str(keys.certificate_path),
            prefix + "api_url": base_url.rstrip("/")}


@dataclass(frozen=True)
class _Keys:
    """What the simulator and the shop share through a directory: WeChat Pay's platform key
    and certificate, the merchant's key (the shop signs with it), the APIv3 key."""

    platform_key: RSAPrivateKey
    certificate: x509.Certificate
    certificate_path: Path
    merchant_public_key: RSAPublicKey
    merchant_key_path: Path
    merchant_serial: str
    api_v3_key: bytes

    @classmethod
    def in_directory(cls, directory: Path) -> _Keys:
        platform_key = rsa_private_key(directory / "wechatpay_platform_key.pem")
        certificate_path = write_once(directory / "wechatpay_platform_certificate.pem",
                                      _self_signed(platform_key))
        merchant_key_path = directory / "wechatpay_apiclient_key.pem"
        merchant_public = public_pem(rsa_private_key(merchant_key_path))
        write_once(directory / "wechatpay_apiclient_public.pem", merchant_public)
        merchant_public_key = serialization.load_pem_public_key(merchant_public)
        assert isinstance(merchant_public_key, RSAPublicKey)
        # Derived from the platform key, so every process using the directory agrees on it.
        api_v3_key = hashlib.sha256(b"APIv3" + platform_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())).hexdigest()[:32].encode()
        return cls(platform_key,
                   x509.load_pem_x509_certificate(certificate_path.read_bytes()),
                   certificate_path, merchant_public_key, merchant_key_path,
                   _fingerprint(merchant_public_key).upper(), api_v3_key)


def _self_signed(key: RSAPrivateKey) -> bytes:
    """A platform certificate for ``key``: same key, same bytes (PKCS#1 v1.5 signatures are
    deterministic), so writing it again changes nothing."""
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "WeChat Pay simulator"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com sign")])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key())
                   .serial_number(int(_fingerprint(key.public_key())[:32], 16))
                   .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
                   .not_valid_after(datetime(2049, 12, 31, tzinfo=UTC))
                   .sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM)


def _fingerprint(key: RSAPublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest()


def post(url: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
    """POST a notification over HTTP, as WeChat Pay does (the default ``deliver``)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise OSError(f"refusing a non-HTTP notify_url: {url}")
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _document(request: Request) -> dict[str, Any]:
    try:
        document = json.loads(request.body)
    except ValueError:
        raise _Refusal(400, "PARAM_ERROR", "请求体不是合法的JSON") from None
    if not isinstance(document, dict):
        raise _Refusal(400, "PARAM_ERROR", "请求体不是JSON对象")
    return document


def _need(document: Mapping[str, Any], path: str, kind: type = str) -> Any:
    """A required field by dotted path, of ``kind``; PARAM_ERROR naming it otherwise."""
    value: Any = document
    for name in path.split("."):
        value = value.get(name) if isinstance(value, Mapping) else None
    if not isinstance(value, kind) or isinstance(value, bool) or value in ("", None):
        raise _Refusal(400, "PARAM_ERROR",
                       f"输入源“/body/{path.replace('.', '/')}”映射到值字段必填性规定校验出错")
    return value


def _time(text: Any) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _Refusal(400, "PARAM_ERROR", "time_expire应为RFC 3339格式")
    return moment


def _token(trade_type: str, clock: Clock) -> str:
    if trade_type == "NATIVE":
        return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(9))
    return "wx" + clock.now().astimezone(BEIJING).strftime("%d%H%M%S") + secrets.token_hex(13)


def _page(title: str, body: str, *, status: int = 200) -> Response:
    return Response(status=status, charset="utf-8", content_type="text/html", text=(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{body}<p><small>微信支付模拟器</small></p></body></html>"))


def _json(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _digits(count: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(count))


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def _day(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()
