"""AlipaySimulator: Alipay's OpenAPI gateway, its cashier and its bill downloads, in-process.

It verifies what Alipay verifies (the merchant's RSA2 signature over the sorted parameters with
only ``sign`` left out, app_id, the common parameters, the trade's amount and state) and signs
what Alipay signs, with a key of its own: answers over the exact JSON text of the response
object, notifications and browser returns over their sorted fields without ``sign`` and
``sign_type``. Error codes are Alipay's (ACQ.TRADE_NOT_EXIST, ACQ.TRADE_STATUS_ERROR,
ACQ.REFUND_AMT_NOT_EQUAL_TOTAL, ACQ.DISCORDANT_REPEAT_REQUEST, isv.invalid-signature …).

One simplification: Alipay creates a page/WAP trade once the shopper logs in at its cashier;
here the trade exists as soon as the cashier page is shown.

Test controls, plain Python: ``pay``, ``fail``, ``finish``, ``notification`` (a signed
notification, optionally tampered), ``unreachable``, ``plant_statement_mismatch``, ``redeliver``
and the state ``trades``, ``refunds`` and ``sent`` (every notification delivery).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from webob import Request, Response

from shop.application.clock import Clock
from shop.simulators import public_pem, rsa_private_key, write_once

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
PRODUCTS = {"alipay.trade.page.pay": "FAST_INSTANT_TRADE_PAY",
            "alipay.trade.wap.pay": "QUICK_WAP_WAY"}
BILL_LIFETIME = timedelta(seconds=30)  # how long Alipay's bill_download_url stays valid
_PRICE = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
_OUT_NO = re.compile(r"^[0-9A-Za-z_-]{1,64}$")

#: Sends a notification: (url, headers, body) -> (HTTP status, response body).
Deliver = Callable[[str, Mapping[str, str], bytes], tuple[int, bytes]]


def shop_settings(directory: Path, base_url: str) -> dict[str, str]:
    """The ``shop.payments.alipay.*`` settings that make the shop talk to a simulator made by
    ``AlipaySimulator.from_directory(directory, base_url=base_url, …)``."""
    keys = _Keys(directory)
    prefix = "shop.payments.alipay."
    return {prefix + "app_id": APP_ID, prefix + "seller_id": SELLER_ID,
            prefix + "private_key": str(keys.merchant_private),
            prefix + "alipay_public_key": str(keys.alipay_public),
            prefix + "gateway_url": base_url.rstrip("/") + "/gateway.do"}


class _Keys:
    """The simulator's key and the merchant's (which the shop signs with), kept in a directory;
    each public half is written beside it for the settings to point at."""

    def __init__(self, directory: Path) -> None:
        self.alipay = rsa_private_key(directory / "alipay-simulator-private.pem")
        self.alipay_public = write_once(directory / "alipay-simulator-public.pem",
                                        public_pem(self.alipay))
        self.merchant_private = directory / "alipay-merchant-private.pem"
        self.merchant = rsa_private_key(self.merchant_private)
        write_once(directory / "alipay-merchant-public.pem", public_pem(self.merchant))


@dataclass
class Trade:
    out_trade_no: str
    trade_no: str
    total_amount: Decimal
    subject: str
    method: str
    notify_url: str
    return_url: str
    created_at: datetime
    expires_at: datetime | None
    installments: str = ""  # "3 期，用户承担手续费" when 花呗分期 was asked for
    status: str = "WAIT_BUYER_PAY"
    buyer_id: str = ""
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    refunded: Decimal = Decimal("0.00")
    failures: int = 0


@dataclass
class Refund:
    out_trade_no: str
    out_request_no: str
    amount: Decimal
    refunded_at: datetime
    reason: str = ""
    done: bool = True  # False while the money is still on its way (see ``refunds_wait``)


@dataclass
class Delivery:
    url: str
    fields: dict[str, str]
    status: int = 0
    answer: bytes = b""

    @property
    def accepted(self) -> bool:
        return self.status == 200 and self.answer.strip() == b"success"


class Refusal(Exception):
    """An answer with an error code, as Alipay gives it."""

    def __init__(self, sub_code: str, sub_msg: str, code: str = "40004",
                 msg: str = "Business Failed") -> None:
        super().__init__(f"{sub_code}: {sub_msg}")
        self.answer = {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def _invalid(sub_code: str, sub_msg: str) -> Refusal:
    return Refusal(sub_code, sub_msg, "40002", "Invalid Arguments")


def _missing(sub_code: str, sub_msg: str) -> Refusal:
    return Refusal(sub_code, sub_msg, "40001", "Missing Required Arguments")


class AlipaySimulator:
    def __init__(self, key: RSAPrivateKey, merchant_key: RSAPublicKey, *, base_url: str,
                 clock: Clock, deliver: Deliver | None = None, app_id: str = APP_ID,
                 seller_id: str = SELLER_ID) -> None:
        self.key = key
        self.merchant_key = merchant_key
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.deliver = deliver or post_form
        self.app_id = app_id
        self.seller_id = seller_id
        #: When True every request is answered 503, as an unreachable gateway.
        self.unreachable = False
        #: When True refunds are accepted but made later, as a refund to a bank card is:
        #: fund_change N and nothing in the refund query until ``complete_refunds``.
        self.refunds_wait = False
        self.trades: dict[str, Trade] = {}
        self.refunds: dict[tuple[str, str], Refund] = {}
        self.sent: list[Delivery] = []
        self._mismatches: dict[str, Decimal | None] = {}
        self._bills: dict[str, tuple[date, datetime]] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_directory(cls, directory: Path, *, base_url: str, clock: Clock,
                       deliver: Deliver | None = None) -> AlipaySimulator:
        keys = _Keys(directory)
        return cls(keys.alipay, keys.merchant.public_key(), base_url=base_url, clock=clock,
                   deliver=deliver)

    # -- test controls ------------------------------------------------------------------------

    def pay(self, out_trade_no: str) -> str:
        """The shopper pays at the cashier: the trade succeeds, the notification goes out, and
        the browser's way back (return_url with the signed return parameters) is returned."""
        pending: list[Delivery] = []
        try:
            with self._lock:
                self._settle(self._trade(out_trade_no), pending)
                return self._return_url(self.trades[out_trade_no])
        finally:
            self._send(pending)

    def fail(self, out_trade_no: str) -> None:
        """The shopper's payment fails at the cashier (a declined card, too little balance):
        Alipay sends nothing and the trade keeps waiting, so the shopper may try again."""
        with self._lock:
            self._trade(out_trade_no).failures += 1

    def finish(self, out_trade_no: str) -> None:
        """The trade leaves its refund window (TRADE_FINISHED), with its notification."""
        with self._lock:
            trade = self._trade(out_trade_no)
            if trade.status != "TRADE_SUCCESS":
                raise Refusal("ACQ.TRADE_STATUS_ERROR", "只有支付成功的交易可以结束")
            trade.status = "TRADE_FINISHED"
            pending = [self._queue(trade)]
        self._send(pending)

    def complete_refunds(self) -> None:
        """Make the refunds accepted while ``refunds_wait`` was on, with their notifications."""
        pending: list[Delivery] = []
        with self._lock:
            for refund in self.refunds.values():
                if not refund.done:
                    self._make(refund, pending)
        self._send(pending)

    def notification(self, out_trade_no: str, *, tamper: Mapping[str, str] | None = None,
                     **overrides: str | None) -> tuple[dict[str, str], bytes]:
        """A notification of the trade's current state as (headers, body). ``overrides`` are
        signed (None drops a field) except ``sign``, which replaces the signature; ``tamper``
        changes fields after signing."""
        with self._lock:
            fields = self._notification_fields(self._trade(out_trade_no))
        replaced_sign = overrides.pop("sign", None)
        for name, value in overrides.items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        fields["sign"] = replaced_sign or self._sign_callback(fields)
        fields.update(tamper or {})
        charset = fields.get("charset") or "utf-8"
        body = urllib.parse.urlencode(fields, encoding=charset).encode("ascii")
        return {"Content-Type": f"application/x-www-form-urlencoded; charset={charset}"}, body

    def plant_statement_mismatch(self, out_trade_no: str, amount: Decimal | None = None) -> None:
        """Make the bill disagree with the trade: its payment line shows ``amount`` instead of
        the amount paid, or is left out when ``amount`` is None."""
        self._mismatches[out_trade_no] = amount

    def redeliver(self) -> None:
        """Send again each notification whose last answer was not ``success`` (Alipay retries
        eight times over 25 hours)."""
        with self._lock:
            latest = {delivery.fields["notify_id"]: delivery for delivery in self.sent}
            pending = [Delivery(d.url, d.fields) for d in latest.values() if not d.accepted]
        self._send(pending)

    # -- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        pending: list[Delivery] = []
        if self.unreachable:
            response = Response("Service Unavailable", status=503, content_type="text/plain")
        else:
            with self._lock:
                response = self._route(request, pending)
            self._send(pending)
        return response(environ, start_response)

    def _route(self, request: Request, pending: list[Delivery]) -> Response:
        path = request.path_info
        if path == "/gateway.do" and request.method in ("GET", "POST"):
            return self._gateway(request, pending)
        cashier = re.fullmatch(r"/cashier/([0-9]+)", path)
        if cashier and request.method == "POST":
            return self._cashier_action(cashier.group(1), request.POST.get("action", ""),
                                        pending)
        bill = re.fullmatch(r"/bill/([A-Za-z0-9_-]+)", path)
        if bill and request.method == "GET":
            return self._bill_file(bill.group(1))
        return Response("Not Found", status=404, content_type="text/plain")

    def _gateway(self, request: Request, pending: list[Delivery]) -> Response:
        method = ""
        try:
            params = _params(request)
            method = params.get("method", "")
            biz = self._checked(params)
            if method in PRODUCTS:
                return self._cashier(self._open(method, params, biz, pending))
            handler = self._handlers().get(method)
            if handler is None:
                raise _invalid("isv.invalid-method", "不存在的方法名")
            return self._answer(method, handler(biz, pending))
        except Refusal as refusal:
            if method in PRODUCTS:
                code, message = refusal.answer["sub_code"], refusal.answer["sub_msg"]
                return _page("支付宝 - 错误", f"<p>错误代码 {html.escape(code)}</p>"
                             f"<p>{html.escape(message)}</p>", status=400)
            return self._answer(method if method in self._handlers() else "", refusal.answer)

    def _handlers(self) -> dict[str, Callable[[dict[str, Any], list[Delivery]], dict[str, str]]]:
        return {"alipay.trade.query": self._query, "alipay.trade.close": self._close,
                "alipay.trade.refund": self._refund,
                "alipay.trade.fastpay.refund.query": self._refund_query,
                "alipay.data.dataservice.bill.downloadurl.query": self._bill_url}

    def _checked(self, params: dict[str, str]) -> dict[str, Any]:
        """The common parameters and the merchant's signature, checked as Alipay does; the
        parsed biz_content."""
        for name, code, message in (("app_id", "isv.missing-app-id", "缺少AppID参数"),
                                    ("method", "isv.missing-method", "缺少方法名参数"),
                                    ("sign_type", "isv.missing-signature-type", "缺少签名类型"),
                                    ("sign", "isv.missing-signature", "缺少签名参数"),
                                    ("timestamp", "isv.missing-timestamp", "缺少时间戳参数"),
                                    ("version", "isv.missing-version", "缺少版本参数")):
            if not params.get(name):
                raise _missing(code, message)
        if params["app_id"] != self.app_id:
            raise _invalid("isv.invalid-app-id", "无效的AppID参数")
        if params["sign_type"] != "RSA2":
            raise _invalid("isv.invalid-signature-type", "无效的签名类型")
        if params.get("charset", "utf-8").lower() != "utf-8":
            raise _invalid("isv.invalid-charset", "字符集错误")
        if params.get("format", "JSON").upper() != "JSON":
            raise _invalid("isv.invalid-format", "无效的数据格式")
        if params["version"] != "1.0":
            raise _invalid("isv.invalid-version", "版本号错误")
        try:
            datetime.strptime(params["timestamp"], TIME_FORMAT)
        except ValueError:
            raise _invalid("isv.invalid-timestamp", "非法的时间戳参数") from None
        message = _signing_string(params, {"sign"}).encode("utf-8")
        if not _verifies(self.merchant_key, message, params["sign"]):
            raise _invalid("isv.invalid-signature",
                           "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配")
        try:
            biz = json.loads(params.get("biz_content", ""))
        except ValueError:
            biz = None
        if not isinstance(biz, dict):
            raise Refusal("ACQ.INVALID_PARAMETER", "参数无效: biz_content")
        return biz

    # -- the cashier --------------------------------------------------------------------------

    def _open(self, method: str, params: dict[str, str], biz: dict[str, Any],
              pending: list[Delivery]) -> Trade:
        out_trade_no = _out_no(biz, "out_trade_no")
        amount = _price(biz.get("total_amount"), "total_amount")
        subject = str(biz.get("subject") or "")
        if not subject or len(subject) > 256:
            raise Refusal("ACQ.INVALID_PARAMETER", "参数无效: subject")
        if biz.get("product_code") != PRODUCTS[method]:
            raise Refusal("ACQ.INVALID_PARAMETER", f"参数无效: product_code {PRODUCTS[method]}")
        expires_at = (_beijing_time(biz["time_expire"], "time_expire")
                      if biz.get("time_expire") else None)
        installments = _installments(biz.get("extend_params"))
        trade = self.trades.get(out_trade_no)
        if trade is None:
            now = self.clock.now()
            trade = Trade(out_trade_no, f"{_beijing(now)[:10].replace('-', '')}22001"
                          + _digits(15), amount, subject, method, params.get("notify_url", ""),
                          params.get("return_url", ""), now, expires_at, installments)
            self.trades[out_trade_no] = trade
        elif (trade.total_amount, trade.subject) != (amount, subject):
            raise Refusal("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        self._expire(trade, pending)
        if trade.status == "TRADE_CLOSED":
            raise Refusal("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        if trade.status != "WAIT_BUYER_PAY":
            raise Refusal("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        return trade

    def _cashier(self, trade: Trade, note: str = "") -> Response:
        action = html.escape(f"{self.base_url}/cashier/{trade.trade_no}")
        huabei = f"<p>花呗分期：{html.escape(trade.installments)}</p>" if trade.installments else ""
        back = (f'<p><a href="{html.escape(trade.return_url)}">返回商家，暂不付款</a></p>'
                if trade.return_url else "")
        return _page("支付宝模拟收银台", f"""
<p>{html.escape(note)}</p>
<p>商品：{html.escape(trade.subject)}</p>
<p>订单号：{html.escape(trade.out_trade_no)}</p>
<p>应付金额：<strong>¥{trade.total_amount}</strong></p>
{huabei}
<form method="post" action="{action}">
  <button type="submit" name="action" value="pay">确认付款</button>
  <button type="submit" name="action" value="fail">支付失败</button>
</form>
{back}""")

    def _cashier_action(self, trade_no: str, action: str, pending: list[Delivery]) -> Response:
        trade = next((t for t in self.trades.values() if t.trade_no == trade_no), None)
        if trade is None or action not in ("pay", "fail"):
            return Response("Not Found", status=404, content_type="text/plain")
        if action == "fail":
            trade.failures += 1
            return self._cashier(trade, "支付失败，请换一种付款方式再试")
        try:
            self._settle(trade, pending)
        except Refusal as refusal:
            return _page("支付宝", f"<p>{html.escape(refusal.answer['sub_msg'])}</p>", status=409)
        if not trade.return_url:
            return _page("支付宝", "<p>付款成功</p>")
        response = Response(status=302)
        response.location = self._return_url(trade)
        return response

    def _settle(self, trade: Trade, pending: list[Delivery]) -> None:
        """The shopper pays: the trade succeeds unless it expired or is no longer payable."""
        self._expire(trade, pending)
        if trade.status != "WAIT_BUYER_PAY":
            raise Refusal("ACQ.TRADE_STATUS_ERROR", f"交易状态为 {trade.status}，不能付款")
        trade.status, trade.paid_at = "TRADE_SUCCESS", self.clock.now()
        trade.buyer_id = "2088" + _digits(12)
        pending.append(self._queue(trade))

    def _return_url(self, trade: Trade) -> str:
        """return_url with Alipay's signed return parameters (同步跳转)."""
        fields = {"charset": "utf-8", "out_trade_no": trade.out_trade_no,
                  "method": trade.method + ".return", "total_amount": f"{trade.total_amount}",
                  "trade_no": trade.trade_no, "auth_app_id": self.app_id, "version": "1.0",
                  "app_id": self.app_id, "sign_type": "RSA2", "seller_id": self.seller_id,
                  "timestamp": _beijing(self.clock.now())}
        fields["sign"] = self._sign_callback(fields)
        separator = "&" if urllib.parse.urlsplit(trade.return_url).query else "?"
        return trade.return_url + separator + urllib.parse.urlencode(fields)

    # -- the API ------------------------------------------------------------------------------

    def _query(self, biz: dict[str, Any], pending: list[Delivery]) -> dict[str, str]:
        trade = self._known(biz)
        self._expire(trade, pending)
        answer = {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                  "trade_status": trade.status, "total_amount": f"{trade.total_amount}"}
        if trade.paid_at is not None:
            answer |= {"buyer_logon_id": "159****5620", "buyer_user_id": trade.buyer_id,
                       "buyer_pay_amount": f"{trade.total_amount}",
                       "receipt_amount": f"{trade.total_amount}",
                       "send_pay_date": _beijing(trade.paid_at)}
        return answer

    def _close(self, biz: dict[str, Any], pending: list[Delivery]) -> dict[str, str]:
        trade = self._known(biz)
        self._expire(trade, pending)
        if trade.status == "WAIT_BUYER_PAY":
            trade.status, trade.closed_at = "TRADE_CLOSED", self.clock.now()
            pending.append(self._queue(trade))
        elif trade.paid_at is not None:
            raise Refusal("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}

    def _refund(self, biz: dict[str, Any], pending: list[Delivery]) -> dict[str, str]:
        trade = self._known(biz)
        amount = _price(biz.get("refund_amount"), "refund_amount")
        if amount <= 0:
            raise Refusal("ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效")
        request_no = str(biz.get("out_request_no") or trade.out_trade_no)
        previous = self.refunds.get((trade.out_trade_no, request_no))
        if previous is not None:
            if previous.amount != amount:
                raise Refusal("ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求")
            return self._refund_answer(trade, fund_change="N")
        if trade.status == "TRADE_FINISHED":
            raise Refusal("ACQ.TRADE_HAS_FINISHED", "交易已完结")
        if trade.status != "TRADE_SUCCESS":
            raise Refusal("ACQ.TRADE_STATUS_ERROR", "交易状态非法")
        claimed = sum((r.amount for r in self.refunds.values()
                       if r.out_trade_no == trade.out_trade_no), Decimal("0.00"))
        if claimed + amount > trade.total_amount:
            raise Refusal("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        refund = Refund(trade.out_trade_no, request_no, amount, self.clock.now(),
                        str(biz.get("refund_reason") or ""), done=False)
        self.refunds[(trade.out_trade_no, request_no)] = refund
        if self.refunds_wait:
            return self._refund_answer(trade, fund_change="N")
        self._make(refund, pending)
        return self._refund_answer(trade, fund_change="Y")

    def _make(self, refund: Refund, pending: list[Delivery]) -> None:
        trade = self.trades[refund.out_trade_no]
        refund.done, refund.refunded_at = True, self.clock.now()
        trade.refunded += refund.amount
        if trade.refunded == trade.total_amount:
            trade.status, trade.closed_at = "TRADE_CLOSED", refund.refunded_at
        pending.append(self._queue(trade, refund))

    def _refund_answer(self, trade: Trade, *, fund_change: str) -> dict[str, str]:
        return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                "buyer_logon_id": "159****5620", "buyer_user_id": trade.buyer_id,
                "fund_change": fund_change, "refund_fee": f"{trade.refunded}",
                "gmt_refund_pay": _beijing(self.clock.now())}

    def _refund_query(self, biz: dict[str, Any], pending: list[Delivery]) -> dict[str, str]:
        trade = self._known(biz)
        request_no = str(biz.get("out_request_no") or trade.out_trade_no)
        refund = self.refunds.get((trade.out_trade_no, request_no))
        if refund is None or not refund.done:  # 10000 without refund data: not refunded (yet)
            return {}
        return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                "out_request_no": request_no, "total_amount": f"{trade.total_amount}",
                "refund_amount": f"{refund.amount}", "refund_status": "REFUND_SUCCESS",
                "gmt_refund_pay": _beijing(refund.refunded_at, millis=True)}

    def _bill_url(self, biz: dict[str, Any], pending: list[Delivery]) -> dict[str, str]:
        if biz.get("bill_type") != "trade":
            raise Refusal("isp.bill_type_not_support", "不支持的账单类型")
        try:
            day = date.fromisoformat(str(biz.get("bill_date")))
        except ValueError:
            raise Refusal("isv.invalid-bill-date", "账单时间格式不正确") from None
        now = self.clock.now()
        if day >= now.astimezone(BEIJING).date():  # a day's bill exists once the day is over
            raise Refusal("isp.bill_not_exist", "账单不存在")
        token = secrets.token_urlsafe(16)
        self._bills[token] = (day, now + BILL_LIFETIME)
        return {"bill_download_url": f"{self.base_url}/bill/{token}"}

    def _bill_file(self, token: str) -> Response:
        if token not in self._bills or self.clock.now() > self._bills[token][1]:
            return Response("Not Found", status=404, content_type="text/plain")
        day = self._bills[token][0]
        response = Response(body=self._bill_zip(day), content_type="application/oct-stream")
        response.content_disposition = f"attachment; filename={self.seller_id}0156_" \
                                       f"{day:%Y%m%d}.csv.zip"
        return response

    # -- notifications ------------------------------------------------------------------------

    def _notification_fields(self, trade: Trade, refund: Refund | None = None) -> dict[str, str]:
        now = self.clock.now()
        fields = {"notify_time": _beijing(now), "notify_type": "trade_status_sync",
                  "notify_id": secrets.token_hex(16) + "gs", "app_id": self.app_id,
                  "auth_app_id": self.app_id, "charset": "utf-8", "version": "1.0",
                  "sign_type": "RSA2", "trade_no": trade.trade_no,
                  "out_trade_no": trade.out_trade_no, "seller_id": self.seller_id,
                  "trade_status": trade.status, "total_amount": f"{trade.total_amount}",
                  "subject": trade.subject, "gmt_create": _beijing(trade.created_at)}
        if trade.paid_at is not None:
            paid = f"{trade.total_amount}"
            fields |= {"buyer_id": trade.buyer_id, "buyer_logon_id": "159****5620",
                       "receipt_amount": paid, "invoice_amount": paid, "buyer_pay_amount": paid,
                       "point_amount": "0.00", "gmt_payment": _beijing(trade.paid_at),
                       "fund_bill_list": json.dumps([{"amount": paid,
                                                      "fundChannel": "ALIPAYACCOUNT"}])}
        if trade.closed_at is not None:
            fields["gmt_close"] = _beijing(trade.closed_at)
        latest = refund or max((r for r in self.refunds.values()
                                if r.out_trade_no == trade.out_trade_no and r.done),
                               key=lambda r: r.refunded_at, default=None)
        if latest is not None:
            fields |= {"out_biz_no": latest.out_request_no, "refund_fee": f"{trade.refunded}",
                       "gmt_refund": _beijing(latest.refunded_at, millis=True)}
        return fields

    def _queue(self, trade: Trade, refund: Refund | None = None) -> Delivery:
        fields = self._notification_fields(trade, refund)
        fields["sign"] = self._sign_callback(fields)
        return Delivery(trade.notify_url, fields)

    def _send(self, deliveries: Iterable[Delivery]) -> None:
        """Deliver outside the lock: the shop may call back into the simulator meanwhile."""
        for delivery in deliveries:
            if not delivery.url:
                continue
            body = urllib.parse.urlencode(delivery.fields).encode("ascii")
            delivery.status, delivery.answer = self.deliver(delivery.url, {"Content-Type": FORM},
                                                            body)
            with self._lock:
                self.sent.append(delivery)

    def _sign_callback(self, fields: Mapping[str, str]) -> str:
        message = _signing_string(fields, {"sign", "sign_type"}).encode(
            fields.get("charset") or "utf-8")
        return base64.b64encode(self.key.sign(message, padding.PKCS1v15(),
                                              hashes.SHA256())).decode()

    def _answer(self, method: str, answer: Mapping[str, str]) -> Response:
        """Alipay's answer: the response object's text, and a signature over exactly that text.
        Like Alipay it writes non-ASCII as is and escapes '/'."""
        name = method.replace(".", "_") + "_response" if method else "error_response"
        answer = answer if "code" in answer else {"code": "10000", "msg": "Success", **answer}
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")
        signature = base64.b64encode(self.key.sign(text.encode("utf-8"), padding.PKCS1v15(),
                                                   hashes.SHA256())).decode()
        body = f'{{"{name}":{text},"sign":"{signature}"}}'
        return Response(body=body.encode("utf-8"), content_type="text/html", charset="utf-8")

    # -- state --------------------------------------------------------------------------------

    def _trade(self, out_trade_no: str) -> Trade:
        trade = self.trades.get(out_trade_no)
        if trade is None:
            raise Refusal("ACQ.TRADE_NOT_EXIST", "交易不存在")
        return trade

    def _known(self, biz: Mapping[str, Any]) -> Trade:
        if biz.get("trade_no"):
            trade = next((t for t in self.trades.values() if t.trade_no == biz["trade_no"]), None)
            if trade is None or biz.get("out_trade_no", trade.out_trade_no) != trade.out_trade_no:
                raise Refusal("ACQ.TRADE_NOT_EXIST", "交易不存在")
            return trade
        return self._trade(_out_no(biz, "out_trade_no"))

    def _expire(self, trade: Trade, pending: list[Delivery]) -> None:
        """An unpaid trade past its time_expire is closed, and says so (Alipay closes it at
        that time; here it happens when someone next looks)."""
        if (trade.status == "WAIT_BUYER_PAY" and trade.expires_at is not None
                and self.clock.now() >= trade.expires_at):
            trade.status, trade.closed_at = "TRADE_CLOSED", trade.expires_at
            pending.append(self._queue(trade))

    def _bill_zip(self, day: date) -> bytes:
        """The trade bill as Alipay serves it: a zip holding the details CSV and its summary,
        GBK text under GBK names."""
        payments, refunds = [], []
        for trade in self.trades.values():
            shown = self._mismatches.get(trade.out_trade_no, trade.total_amount)
            if (trade.paid_at and trade.paid_at.astimezone(BEIJING).date() == day
                    and shown is not None):
                payments.append(_bill_row(trade, "交易", f"{shown}", trade.paid_at))
        for refund in self.refunds.values():
            if refund.done and refund.refunded_at.astimezone(BEIJING).date() == day:
                refunds.append(_bill_row(self.trades[refund.out_trade_no], "退款",
                                         f"-{refund.amount}", refund.refunded_at,
                                         refund.out_request_no))
        account = f"{self.seller_id}0156"
        start = f"{day:%Y年%m月%d日} 00:00:00"
        end = f"{day + timedelta(days=1):%Y年%m月%d日} 00:00:00"
        exported = self.clock.now().astimezone(BEIJING).strftime("%Y年%m月%d日 %H:%M:%S")
        details = "\r\n".join([
            "#支付宝业务明细查询", f"#账号：[{account}]",
            f"#起始日期：[{start}]   终止日期：[{end}]",
            "#-----------------------------------------业务明细列表"
            "----------------------------------------",
            ",".join(BILL_COLUMNS), *payments, *refunds,
            "#-----------------------------------------业务明细列表结束"
            "------------------------------------",
            f"#交易合计：{len(payments)}笔", f"#退款合计：{len(refunds)}笔",
            f"#导出时间：[{exported}]", ""])
        summary = "\r\n".join(["#支付宝业务汇总查询", f"#账号：[{account}]",
                               f"#起始日期：[{start}]   终止日期：[{end}]",
                               f"#导出时间：[{exported}]", ""])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for suffix, text in (("业务明细", details), ("业务明细(汇总)", summary)):
                archive.writestr(_GbkName(f"{account}_{day:%Y%m%d}_{suffix}.csv"),
                                 text.encode("gbk"))
        return buffer.getvalue()


BILL_COLUMNS = ("支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间",
                "门店编号", "门店名称", "操作员", "终端号", "对方账户", "订单金额（元）",
                "商家实收（元）", "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）",
                "商家优惠（元）", "券核销金额（元）", "券名称", "商家红包消费金额（元）",
                "卡消费金额（元）", "退款批次号/请求号", "服务费（元）", "分润（元）", "备注")


def _bill_row(trade: Trade, kind: str, amount: str, finished: datetime,
              refund_no: str = "") -> str:
    # Identifiers end with a tab, as Alipay writes them, so spreadsheets keep them as text.
    cells = [trade.trade_no + "\t", trade.out_trade_no + "\t", kind + "\t",
             trade.subject.replace(",", "，"), _beijing(trade.created_at), _beijing(finished),
             "\t", "\t", "\t", "\t", "159****5620\t", amount, amount, "0.00", "0.00", "0.00",
             "0.00", "0.00", "", "0.00\t", "0.00", refund_no + "\t", "0.00", "0.00", ""]
    return ",".join(cells)


class _GbkName(zipfile.ZipInfo):
    """A zip entry named in GBK without the UTF-8 flag, as Alipay's bill archives are (zipfile
    would write UTF-8 and set the flag)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own name
        return self.filename.encode("gbk"), self.flag_bits

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.compress_type = zipfile.ZIP_DEFLATED


def post_form(url: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
    """Deliver a notification by HTTP POST, as Alipay's servers do; no answer is status 0."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return 0, b""
    request = urllib.request.Request(url, data=body, headers=dict(headers),  # noqa: S310
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read(4096)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096)
    except (urllib.error.URLError, OSError):
        return 0, b""


# -- the protocol's small pieces, written here apart from the shop's adapter ---------------------

def _signing_string(params: Mapping[str, str], unsigned: set[str]) -> str:
    return "&".join(f"{name}={value}" for name, value in sorted(params.items())
                    if name not in unsigned and value != "")


def _verifies(key: RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(),
                   hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _params(request: Request) -> dict[str, str]:
    """The request's parameters, query string and form body together (the SDKs split them)."""
    params: dict[str, str] = {}
    try:
        items = [*request.GET.items(), *request.POST.items()]
    except UnicodeDecodeError:
        raise _invalid("isv.invalid-charset", "字符集错误") from None
    for name, value in items:
        if not isinstance(value, str) or params.setdefault(name, value) != value:
            raise _invalid("isv.invalid-parameter", f"参数重复: {name}")
    return params


def _price(value: Any, name: str) -> Decimal:
    if not isinstance(value, str) or not _PRICE.match(value):
        raise Refusal("ACQ.INVALID_PARAMETER", f"参数无效: {name}")
    amount = Decimal(value).quantize(Decimal("0.01"))
    if not Decimal("0.01") <= amount <= Decimal("100000000"):
        raise Refusal("ACQ.INVALID_PARAMETER", f"参数无效: {name}")
    return amount


def _out_no(biz: Mapping[str, Any], name: str) -> str:
    value = biz.get(name)
    if not isinstance(value, str) or not _OUT_NO.match(value):
        raise Refusal("ACQ.INVALID_PARAMETER", f"参数无效: {name}")
    return value


def _installments(extend: Any) -> str:
    """花呗分期 as the cashier shows it; Alipay refuses periods other than 3, 6, 12 and a fee
    split other than all-shopper (0) or all-merchant (100)."""
    if not extend or not isinstance(extend, dict) or "hb_fq_num" not in extend:
        return ""
    periods, percent = extend.get("hb_fq_num"), extend.get("hb_fq_seller_percent")
    if periods not in ("3", "6", "12") or percent not in ("0", "100"):
        raise Refusal("ACQ.INVALID_PARAMETER", "参数无效: extend_params 花呗分期")
    return f"{periods} 期，{'商家' if percent == '100' else '用户'}承担手续费"


def _beijing(moment: datetime, *, millis: bool = False) -> str:
    local = moment.astimezone(BEIJING)
    text = local.strftime(TIME_FORMAT)
    return f"{text}.{local.microsecond // 1000:03d}" if millis else text


def _beijing_time(value: Any, name: str) -> datetime:
    try:
        return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=BEIJING)
    except ValueError:
        raise Refusal("ACQ.INVALID_PARAMETER", f"参数无效: {name}") from None


def _digits(count: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def _page(title: str, content: str, status: int = 200) -> Response:
    body = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
            f"{content}</body></html>")
    return Response(body=body.encode("utf-8"), status=status, content_type="text/html",
                    charset="utf-8")
