"""The gateway port: what the payments service asks of any external gateway.

An adapter speaks one gateway's real protocol (signatures, callbacks, error codes, its unit of
money) and converts amounts in exactly one place; the service above it speaks only this port, in
``Decimal`` yuan. Everything an adapter returns has been verified: a notification that reaches
the service passed its signature, certificate, merchant and timestamp checks.

Failures are three kinds, because the service answers each differently:

- ``GatewayUnavailable``: the gateway could not be reached or answered nothing usable. The
  outcome is unknown, so the service keeps the order payable and retries with the same keys.
- ``GatewayRefused``: the gateway answered and said no (its code and message are kept).
- ``BadNotification``: a callback that fails verification. Nothing is credited; the service
  flags it for finance and the adapter's ``acknowledge(False)`` answers the gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from shop.application.payments.gateways.installments import InstallmentPlan

#: Where the shopper is paying from: desktop gets Alipay page pay / WeChat Native (QR),
#: mobile gets Alipay WAP pay / WeChat H5.
Device = Literal["desktop", "mobile"]


class GatewayError(Exception):
    """Base of the gateway failures."""


class GatewayUnavailable(GatewayError):
    """No usable answer (network error, timeout, 5xx, a reply that fails its own signature)."""


class GatewayRefused(GatewayError):
    """The gateway answered with a business error, e.g. ``ACQ.TRADE_HAS_CLOSE``."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class BadNotification(GatewayError):
    """A callback or return that fails verification; ``reason`` says which check, for finance."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PayRequest:
    """Start paying ``amount`` for one payment attempt."""

    #: The shop's number for this attempt (商户订单号): unique, [0-9A-Za-z_-], at most 32
    #: characters; a retry of the same attempt reuses it, so the gateway never charges twice.
    out_trade_no: str
    amount: Decimal  # CNY, to the fen, > 0
    subject: str  # what the shopper sees on the gateway's page (at most 128 characters)
    device: Device
    notify_url: str  # absolute, from the shop's public URL, never the request's host
    return_url: str
    client_ip: str
    expires_at: datetime  # aware; the gateway closes the trade after it
    #: Installment periods (分期), 0 for none; only gateways that offer them accept it.
    installments: int = 0


@dataclass(frozen=True)
class NextStep:
    """What the shopper's browser does next to pay."""

    kind: Literal["redirect", "post_form", "qr"]
    url: str = ""  # the redirect target, the form's action, or the page showing the QR
    #: The fields of an auto-submitting POST form (Alipay page pay, UnionPay front trans).
    fields: Mapping[str, str] = field(default_factory=dict)
    qr_text: str = ""  # WeChat Native's code_url, shown as a QR code


@dataclass(frozen=True)
class Notification:
    """A verified asynchronous notification (异步通知)."""

    gateway: str
    #: Unique per gateway for this message (Alipay notify_id, WeChat's notification id,
    #: UnionPay queryId + txnType): the service records each once.
    event_id: str
    #: "pending": the gateway reports a trade still waiting for the shopper (Alipay sends
    #: WAIT_BUYER_PAY only to merchants who subscribe to it): authentic, nothing to record.
    kind: Literal["paid", "failed", "closed", "refunded", "pending"]
    out_trade_no: str
    trade_no: str  # the gateway's own transaction number
    amount: Decimal  # what the gateway says was paid (or refunded), CNY
    occurred_at: datetime | None
    refund_no: str = ""  # the shop's refund number, for kind == "refunded"
    #: The notification's fields as received (no secrets), kept for finance.
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Acknowledgement:
    """The HTTP answer a gateway expects to a notification."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class TradeStatus:
    """A trade as the gateway's query API reports it."""

    state: Literal["paid", "unpaid", "closed", "refunded"]
    out_trade_no: str
    trade_no: str = ""
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    trade_no: str
    #: The shop's refund number (Alipay out_request_no, WeChat out_refund_no, UnionPay orderId):
    #: a retry after a timeout reuses it, so the gateway refunds once.
    refund_no: str
    amount: Decimal  # this refund, CNY
    total: Decimal  # what the trade captured, CNY (WeChat needs it)
    reason: str = ""
    notify_url: str = ""


@dataclass(frozen=True)
class RefundOutcome:
    state: Literal["succeeded", "pending"]
    refund_no: str
    gateway_refund_id: str = ""


@dataclass(frozen=True)
class StatementLine:
    """One line of the gateway's statement of a day (对账单)."""

    kind: Literal["payment", "refund"]
    out_trade_no: str
    trade_no: str
    amount: Decimal  # positive, CNY
    occurred_at: datetime
    refund_no: str = ""


@dataclass(frozen=True)
class HttpRequest:
    """An incoming callback as the presentation tier hands it over."""

    headers: Mapping[str, str]  # names compared case-insensitively by the adapters
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)


class Gateway(Protocol):
    #: "alipay", "wechat", "unionpay"
    name: str

    def start(self, request: PayRequest) -> NextStep:
        """Create the trade (or sign the page request) and say where the shopper goes."""

    def verify_notification(self, request: HttpRequest) -> Notification:
        """Verify and read an asynchronous notification; ``BadNotification`` if it fails."""

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        """The answer to a notification: accepted only once the shop recorded it."""

    def verify_return(self, request: HttpRequest) -> str:
        """The ``out_trade_no`` a shopper's browser came back for, verified where the gateway
        signs the return (``BadNotification`` otherwise). A return proves nothing about payment:
        the service asks ``query`` or waits for the notification."""

    def query(self, out_trade_no: str) -> TradeStatus:
        """The trade's state at the gateway (``GatewayRefused`` with the gateway's code when it
        does not know the trade)."""

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid trade so a stale page can no longer pay it (a trade the gateway never
        created is already closed: no error)."""

    def refund(self, request: RefundRequest) -> RefundOutcome:
        """Refund part or all of a captured trade, idempotently by ``refund_no``."""

    def statement(self, day: date) -> list[StatementLine]:
        """The gateway's statement of ``day`` (the shop's time zone), for reconciliation."""


@runtime_checkable
class OffersInstallments(Protocol):
    """A gateway that lets the shopper repay over several periods (Alipay's 花呗分期)."""

    def installment_plans(self, amount: Decimal) -> list[InstallmentPlan]:
        """The plans offered for ``amount``, with their fees (none below the minimum)."""
