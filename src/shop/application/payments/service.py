"""Paying an order (支付), by one means or several in sequence (组合支付), and what happens to
the money when the order is cancelled, paid late or refunded.

A shopper commits internal means on the payment page (a gift card, points, their balance): each
is *held*, moved from its account into the order's. What is still due goes to a gateway. When
the holds and the gateway's capture cover the payable, the holds are captured, the payable goes
to sales and the order is paid. If the order is cancelled or closes unpaid, every hold goes
back; if it was paid, every means is refunded (``Refunds``).

Notifications (``notify``) are verified by the gateway's adapter, recorded once per (gateway,
event id) and settled under the order's row lock, so ten copies of one, or one racing the
shopper's return, change the order once. A payment for an order that is no longer awaiting it
is never kept silently: see ``_late``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from shop.application.actors import Permission
from shop.application.errors import Conflict, Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.inventory.stock import StockLine
from shop.application.ordering import states
from shop.application.ordering.lifecycle import OrderLifecycle, stock_owner
from shop.application.ordering.payment_methods import EXTERNAL
from shop.application.ordering.read_models import payable_online
from shop.application.payments.allocation import Refundable, allocate
from shop.application.payments.books import Books, Overdrawn
from shop.application.payments.gateways.installments import InstallmentPlan
from shop.application.payments.gateways.port import (
    Acknowledgement,
    BadNotification,
    Device,
    Gateway,
    GatewayError,
    HttpRequest,
    Notification,
    OffersInstallments,
    PayRequest,
    RefundOutcome,
    TradeStatus,
)
from shop.application.payments.giftcards import GiftCardService, GiftCardView
from shop.application.payments.points import Points
from shop.application.payments.reconciliation import Reconciliation, reconcile
from shop.application.payments.refunds import RefundCall, Refunds
from shop.application.payments.rules import PaymentRules
from shop.application.payments.schemas import PaySchema, RefundSchema
from shop.application.payments.tenders import GATEWAYS, INTERNAL, Tenders
from shop.application.validation import validate
from shop.data.repositories.ordering import OrderRecord, OrderRepository
from shop.data.repositories.payments import AlertRecord, PaymentRecord, PaymentRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

METHOD_LABELS = {"balance": _("Account balance"), "points": _("Points"),
                 "gift_card": _("Gift card"), "alipay": _("Alipay"), "wechat": _("WeChat Pay"),
                 "unionpay": _("UnionPay"), "external": _("External platform (group buy)")}
#: A pending gateway payment is reused for the same choice within this time (a retried click
#: pays the same trade, never a second one).
REUSE_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class TenderView:
    number: str
    method: str
    label: Any
    amount: Decimal
    points: int
    state: str
    refunded: Decimal


@dataclass(frozen=True)
class PaymentOptions:
    order_number: str
    payable: Decimal
    covered: Decimal
    due: Decimal
    pay_by: datetime | None
    balance: Decimal
    points: int
    points_usable: int
    point_value: Decimal
    gift_cards: tuple[GiftCardView, ...]
    gateways: tuple[str, ...]
    tenders: tuple[TenderView, ...]
    #: A one-time key for the payment form (``request_key``).
    request_key: str
    #: Alipay's 花呗分期 plans for what is due, with their fees (none below the minimum).
    installment_plans: tuple[InstallmentPlan, ...] = ()

    @property
    def points_usable_worth(self) -> Decimal:
        """What the usable points pay, in CNY."""
        return (self.point_value * self.points_usable).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PayResult:
    """``paid``, or the gateway payment to start now (``calls.start_payment``, with no
    transaction open), or neither: means set aside, more to pay."""

    paid: bool
    payment_number: str = ""


@dataclass(frozen=True)
class Returned:
    order_number: str
    payment_number: str
    pending: bool  # ask the gateway (with no transaction open)


@dataclass(frozen=True)
class PaymentStatus:
    order_number: str
    state: str
    paid: bool
    due: Decimal


class PaymentService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._rules = PaymentRules.from_settings(uow.shop.settings)
        self._repo = PaymentRepository(uow._session)
        self._orders = OrderRepository(uow._session)
        self._books = Books(uow)
        self._points = Points(uow, self._books, self._rules)
        self._tenders = Tenders(uow, self._books, self._points, self._repo)
        self._refunds = Refunds(uow, self._books, self._tenders, self._repo)

    # -- the shopper's payment page ------------------------------------------------------------

    def options(self, number: str) -> PaymentOptions:
        """What the shopper can pay ``number`` with, and what is still due."""
        order = self._own(number)
        payments = self._repo.for_order(order.id)
        covered = self._tenders.covered(payments)
        due = _due(order, covered)
        customer_id = order.customer_id
        points = self._points.live(customer_id)
        usable = min(points, self._points.for_amount(min(
            (order.payable * self._rules.points_max_share).quantize(Decimal("0.01")), due)))
        return PaymentOptions(
            order_number=order.number, payable=order.payable, covered=covered, due=due,
            pay_by=order.pay_by, balance=self._books.balance_of(customer_id),
            points=points, points_usable=max(usable - self._points_used(payments), 0),
            point_value=self._rules.point_value,
            gift_cards=tuple(card for card in GiftCardService(self.uow).mine()
                             if not card.expired and card.balance > 0),
            gateways=tuple(name for name in GATEWAYS if name in self.uow.shop.gateways),
            tenders=tuple(self._tender(payment) for payment in payments),
            request_key=secrets.token_urlsafe(24),
            installment_plans=tuple(self._installment_plans(due)))

    def _installment_plans(self, due: Decimal) -> list[InstallmentPlan]:
        gateway = self.uow.shop.gateways.get("alipay")
        return gateway.installment_plans(due) \
            if isinstance(gateway, OffersInstallments) and due > 0 else []

    def pay(self, number: str, data: Mapping[str, Any]) -> PayResult:
        """Commit internal means and/or choose a gateway for what is left: ``gift_card`` (id of
        one of the shopper's cards) or ``gift_card_code`` + ``gift_card_pin``, ``points``,
        ``balance`` (an amount), ``gateway`` with ``device`` and ``installments``.

        All or nothing: a refused means (``Invalid`` naming its field) leaves no hold behind.
        Nothing here calls a gateway: a gateway payment is started after the commit
        (``calls.start_payment``); if the gateway cannot be reached then, the means held stay
        held, the order stays payable and the same payment is started again on the next try.
        """
        self._shopper()
        values = validate(PaySchema(), data)
        if values["installments"] and values["gateway"] != "alipay":
            raise Invalid({"installments": _("Installments are offered with Alipay only")})
        order = self._own(number, lock=True)
        self._require_payable(order)
        with self.uow._session.begin_nested():
            payments = self._repo.for_order(order.id)
            due = order.payable - self._tenders.covered(payments)
            key = values["request_key"] or None
            if key is not None and any(p.request_key == key for p in payments):
                return self._again(order, key, payments, due)
            if _adds_internal(values):
                self._close_pending(payments)
                due = self._hold_means(order, values, payments, due, key)
            if due <= 0:
                self._complete(order)
                return PayResult(paid=True)
            if not values["gateway"]:
                return PayResult(paid=False)
            if values["installments"] and values["installments"] not in {
                    plan.periods for plan in self._installment_plans(due)}:
                raise Invalid({"installments": _(
                    "Installments are not offered for ${amount}", mapping={
                        "amount": f"¥{due:.2f}"})})
            return PayResult(paid=False,
                             payment_number=self._start(order, due, values, key).number)

    def _again(self, order: OrderRecord, key: str, payments: list[PaymentRecord],
               due: Decimal) -> PayResult:
        """The same form again: nothing more is held; a gateway payment it started is the one
        to start again (same number: the gateway sees one trade)."""
        started = [p for p in payments if p.request_key == key and p.method in GATEWAYS]
        if due <= 0 or not started or started[-1].state != "pending":
            return PayResult(paid=due <= 0)
        return PayResult(paid=False, payment_number=started[-1].number)

    def status(self, number: str) -> PaymentStatus:
        """For the page that waits for a payment (the WeChat QR page polls it)."""
        order = self._own(number)
        due = _due(order, self._tenders.covered(self._repo.for_order(order.id)))
        return PaymentStatus(order.number, order.state, order.state not in (
            states.AWAITING_PAYMENT, states.CANCELLED, states.CLOSED), due)

    def returned(self, gateway_name: str, request: HttpRequest) -> Returned:
        """The shopper's browser came back from the gateway: which order, and whether its
        payment is still pending. The return is no proof of payment: the caller asks the
        gateway about a pending one with no transaction open (``calls.check_payment``), which
        settles it exactly as its notification would, whichever arrives first."""
        gateway = self._gateway(gateway_name)
        try:
            out_trade_no = gateway.verify_return(request)
        except BadNotification:
            raise NotFound("no such payment") from None
        payment = self._repo.by_number(out_trade_no)
        if payment is None or payment.method != gateway_name:
            raise NotFound("no such payment")
        order = self._orders.find_by_id(payment.order_id)
        assert order is not None
        if self.uow.actor.kind == "shopper" and order.customer_id != self.uow.actor.id:
            raise NotFound("no such payment")
        return Returned(order.number, payment.number, payment.state == "pending")

    def pending_gateway(self, payment_number: str) -> str | None:
        """The gateway of a payment still waiting for it (None otherwise): the first step of
        asking the gateway."""
        payment = self._repo.by_number(payment_number)
        return payment.method if payment and payment.state == "pending" \
            and payment.method in GATEWAYS else None

    def settle_reported(self, payment_number: str, trade: TradeStatus) -> str:
        """What the gateway's query said of a payment, settled as its notification would be;
        the payment's state afterwards."""
        payment = self._repo.by_number(payment_number)
        if payment is None or payment.method not in GATEWAYS:
            raise NotFound("no such payment")
        if trade.state == "paid" and trade.amount == payment.amount:
            self._settle_paid(payment.method, payment.number, trade.amount, trade.trade_no)
        found = self._repo.by_number(payment_number)
        assert found is not None
        return found.state

    def closed_unannounced(self, limit: int) -> list[tuple[str, str]]:
        """(gateway, payment number) of trades the shop closed and their gateway not yet
        (system only)."""
        self.uow.actor.require_system()
        return [(p.method, p.number) for p in self._repo.closed_unannounced(limit)]

    def announced_closed(self, payment_number: str) -> None:
        self.uow.actor.require_system()
        payment = self._repo.by_number(payment_number)
        if payment is not None:
            self._repo.announce_closed(payment.id)

    # -- notifications -------------------------------------------------------------------------

    def notify(self, gateway_name: str, request: HttpRequest) -> Acknowledgement:
        """An asynchronous notification: verified, recorded once, settled; the answer the
        gateway expects (accepted only once the shop recorded it)."""
        gateway = self._gateway(gateway_name)
        try:
            note = gateway.verify_notification(request)
        except BadNotification as exc:
            self._alert(gateway_name, "bad_signature", "", exc.reason,
                        request.body.decode("utf-8", "replace"))
            return gateway.acknowledge(False)
        key = self._repo.record_event(
            gateway=gateway_name, event_id=note.event_id[:100], kind=note.kind,
            out_trade_no=note.out_trade_no[:64], amount=note.amount, outcome="received",
            payload=json.dumps(dict(note.raw), ensure_ascii=False, default=str))
        if key is None:  # the same notification again: answer as the first time
            return gateway.acknowledge(
                self._repo.event_outcome(gateway_name, note.event_id[:100]) != "flagged")
        outcome = self._apply(gateway, note)
        self._repo.set_event_outcome(key, outcome)
        return gateway.acknowledge(outcome != "flagged")

    def _apply(self, gateway: Gateway, note: Notification) -> str:
        if note.kind == "paid":
            return self._settle_paid(gateway.name, note.out_trade_no, note.amount,
                                     note.trade_no, raw=note.raw)
        if note.kind == "refunded":
            refund = self._repo.refund_by_number(note.refund_no)
            payment = self._repo.by_id(refund.payment_id) if refund else None
            # Alipay's refund_fee is the trade's total refunded so far, the others' the refund's
            # own amount: either way never more than the shop set aside for refunds.
            if refund is None or payment is None or payment.method != gateway.name \
                    or not refund.amount <= note.amount <= payment.refunded:
                self._alert(gateway.name, "unknown_refund", note.out_trade_no,
                            f"refund {note.refund_no} of {note.amount} matches no refund",
                            note.raw)
                return "flagged"
            return "refunded" if self._refunds.succeed(refund, payment, note.trade_no) \
                else "ignored"
        if note.kind == "pending":  # the shopper opened the cashier: nothing to record
            return "ignored"
        if note.refund_no:  # a refund the gateway gave up on (WeChat REFUND.ABNORMAL/CLOSED)
            refund = self._repo.refund_by_number(note.refund_no)
            failed = self._repo.by_id(refund.payment_id) if refund else None
            if refund is not None and failed is not None and failed.method == gateway.name:
                self._refunds.fail(refund, failed, f"the gateway reports it {note.kind}")
            return "ignored"
        payment = self._repo.by_number(note.out_trade_no)
        if payment is not None and payment.method == gateway.name:
            self._repo.move(payment.id, ("pending",), "failed" if note.kind == "failed"
                           else "closed")
        return "ignored"

    def _settle_paid(self, gateway_name: str, out_trade_no: str, amount: Decimal,
                     trade_no: str, raw: Mapping[str, str] | None = None) -> str:
        found = self._repo.by_number(out_trade_no)
        if found is None or found.method != gateway_name:
            self._alert(gateway_name, "unknown_trade", out_trade_no,
                        f"a payment of {amount} for a trade the shop did not start", raw)
            return "flagged"
        if amount != found.amount:
            self._alert(gateway_name, "amount_mismatch", out_trade_no,
                        f"paid {amount}, the payment was for {found.amount}; nothing credited",
                        raw)
            return "flagged"
        order = self._orders.find_by_id(found.order_id)
        assert order is not None
        order = self._orders.find(order.number, lock=True)  # one settlement per order at a time
        assert order is not None
        payment = self._repo.by_number(out_trade_no, lock=True)
        assert payment is not None
        if not self._tenders.gateway_captured(order, payment, trade_no, self.uow.clock.now()):
            return "ignored"
        payments = self._repo.for_order(order.id)
        if order.state == states.AWAITING_PAYMENT:
            covered = self._tenders.covered(payments)
            if covered == order.payable:
                self._complete(order)
                return "credited"
            if covered < order.payable:
                return "credited"  # more to pay by other means
        return self._late(order, payment, payments)

    def _late(self, order: OrderRecord, payment: PaymentRecord,
              payments: list[PaymentRecord]) -> str:
        """A payment the order no longer needs: paid on a stale page after the order was closed
        or cancelled, or a second trade paid after the first completed the order.

        With ``shop.payments.late_payment = complete`` (the default) a closed or cancelled
        order that was never paid is completed when everything it held can be held again: its
        stock re-reserved, its coupon and campaign uses taken again, and its released means
        held again (all or nothing, in a savepoint).
        Otherwise, and always for an order paid once already, the payment is refunded in full
        automatically. Either way
        finance sees an alert saying which.
        """
        if order.state in (states.CLOSED, states.CANCELLED) and \
                self._rules.late_payment == "complete" and \
                not self._books.ledger.done(f"sale:{order.number}") and \
                self._revive(order, payment, payments):
            self._alert(payment.method, "late_payment_completed", payment.number,
                        f"order {order.number} was {order.state}; stock and means held again, "
                        "order completed")
            return "revived"
        self._refunds.request(order, self._repo.by_id(payment.id) or payment, payment.amount,
                             "paid after the order no longer needed it", from_sales=False)
        self._alert(payment.method, "late_payment_refunded", payment.number,
                    f"order {order.number} was {order.state}; {payment.amount} refunded")
        return "refunded"

    def _revive(self, order: OrderRecord, payment: PaymentRecord,
                payments: list[PaymentRecord]) -> bool:
        lines = self._orders.lines([order.id])[order.id]
        try:
            with self.uow._session.begin_nested():
                reserved = [StockLine(line.sku_id, line.quantity)
                            for line in lines if line.reserves_stock]
                if reserved:
                    self.uow._stock.reserve(stock_owner(order.number), reserved,
                                            self.uow.clock.now() + timedelta(days=1))
                # The price it was placed at needs its discounts back.
                self.uow._pricer.retake(order.id, order.customer_id)
                for released in payments:
                    if released.state == "released":
                        self._tenders.hold(order, released.method, released.amount,
                                          released.account_id, released.points)
                current = self._repo.for_order(order.id)
                if self._tenders.covered(current) != order.payable:
                    raise Conflict("the late payment and the means held do not cover the order")
                self._tenders.capture_all(order, current)
                self._lifecycle().move(order, states.PAID, "paid after it ended")
                self._lifecycle().move(self._reread(order), states.AWAITING_SHIPMENT)
        except (Conflict, Invalid, Overdrawn):
            return False
        return True

    # -- money collected elsewhere -------------------------------------------------------------

    def record_external(self, order: OrderRecord, external_id: str, amount: Decimal,
                        paid_at: datetime) -> None:
        """An external platform (a group buy) collected ``amount`` for ``order`` (placed with
        the ``external`` method, awaiting payment, ``amount`` its payable): an ``external``
        tender captured at ``paid_at`` with the platform's order id as its trade number, in
        the books as ``gateway:external`` → the order → ``shop:sales``, and the order paid.
        The order entry's step (``shop.application.ordering.entry``); checked here too, as
        ``uow.payments`` is open to any caller."""
        self.uow.actor.require(Permission.ORDER_MANAGE)
        if order.payment_method != EXTERNAL or order.state != states.AWAITING_PAYMENT \
                or amount != order.payable or amount <= 0:
            raise Conflict("an external payment needs an unpaid external order of that amount")
        payment = self._repo.add(number=self._tenders.new_number(), order_id=order.id,
                                 method="external", state="pending", amount=amount)
        self._tenders.gateway_captured(order, payment, external_id, paid_at)
        self._complete(order)

    # -- cancelling and refunding --------------------------------------------------------------

    def settle_ended(self, order: OrderRecord) -> None:
        """The order was cancelled or closed (same transaction): holds go back, pending trades
        are closed at their gateway, and whatever was captured is refunded to its means."""
        payments = self._repo.for_order(order.id)
        for payment in payments:
            if payment.state == "held":
                self._tenders.release(order, payment)
        self._close_pending(payments)
        if self._books.ledger.done(f"sale:{order.number}"):
            left = [(payment, payment.amount - payment.refunded) for payment in payments
                    if payment.state == "captured" and payment.amount > payment.refunded]
            self._refund_shares(order, sum((amount for _p, amount in left), Decimal("0.00")),
                                "order cancelled")
            self._take_back_earned(order)

    def refund(self, number: str, data: Mapping[str, Any]) -> list[TenderView]:
        """A partial refund of a paid order (an RMA, a goodwill gesture): ``amount`` and
        ``reason``, allocated to the means in the defined order. Staff with
        finance:ledger:manage; audited."""
        self.uow.actor.require(Permission.FINANCE_MANAGE)
        values = validate(RefundSchema(), data)
        order = self._orders.find(number, lock=True) if isinstance(number, str) else None
        if order is None:
            raise NotFound("no such order")
        if not self._books.ledger.done(f"sale:{order.number}"):
            raise Conflict(_("Only a paid order can be refunded"))
        with self.uow._session.begin_nested():
            self._refund_shares(order, values["amount"], values["reason"])
        self.uow._audit.record("payments.refund", "order", order.number,
                               after={"amount": values["amount"], "reason": values["reason"]})
        return [self._tender(payment) for payment in self._repo.for_order(order.id)]

    def refund_return(self, number: str, amount: Decimal, reason: str) -> list[TenderView]:
        """The after-sales desk's refund (``shop.application.rma``): exactly ``amount`` of a
        paid order, allocated to its means in the defined order (to the fen), together or not
        at all. Staff with order:rma:manage; the desk moves its request by a conditional update
        first, so one request is refunded once, and audits it."""
        self.uow.actor.require(Permission.RMA_MANAGE)
        order = self._orders.find(number, lock=True) if isinstance(number, str) else None
        if order is None:
            raise NotFound("no such order")
        if not self._books.ledger.done(f"sale:{order.number}"):
            raise Conflict(_("Nothing was paid for this order; there is nothing to refund"))
        with self.uow._session.begin_nested():
            self._refund_shares(order, amount, reason)
        return [self._tender(payment) for payment in self._repo.for_order(order.id)]

    def _refund_shares(self, order: OrderRecord, amount: Decimal, reason: str) -> None:
        if amount <= 0:
            return
        payments = [payment for payment in self._repo.for_order(order.id)
                    if payment.state == "captured"]
        try:
            shares = allocate(amount, [Refundable(p.id, p.method, p.amount - p.refunded)
                                       for p in payments], self._rules.point_value)
        except ValueError:
            raise Invalid({"amount": _("That is more than is left to refund")}) from None
        by_id = {payment.id: payment for payment in payments}
        for share in shares:
            self._refunds.request(order, by_id[share.payment_id], share.amount, reason,
                                 points=share.points, to_balance=share.to_balance)

    def refund_call(self, refund_id: int) -> RefundCall | None:
        """What to send the gateway for a pending refund (the ``send-refunds`` job; system)."""
        self.uow.actor.require_system()
        return self._refunds.call(refund_id)

    def record_refund(self, refund_id: int, answer: RefundOutcome | GatewayError) -> str:
        """The gateway's answer to a sent refund (system); the refund's state afterwards."""
        self.uow.actor.require_system()
        return self._refunds.record(refund_id, answer)

    def expire_points(self, account_id: int) -> int:
        """Expire the points due on one points account (the ``expire-points`` job; system)."""
        self.uow.actor.require_system()
        return self._points.expire(self._books.ledger.get(account_id))

    def pending_refunds(self, limit: int) -> list[int]:
        self.uow.actor.require_system()
        return self._repo.pending_refunds(limit)

    # -- points earned -------------------------------------------------------------------------

    def earn_points(self, order_id: int) -> int:
        """Points for a paid order (``shop.points.per_yuan`` per whole yuan not paid by
        points), once per order; the ``order.paid`` handler calls it (system only)."""
        self.uow.actor.require_system()
        found = self._orders.find_by_id(order_id)
        # Under the order's lock: a cancellation committed before this runs is seen, and one
        # racing it waits, then takes back what this granted.
        order = self._orders.find(found.number, lock=True) if found else None
        # An order paid on an external platform (a group buy) earns nothing here: the shop
        # was not paid by the shopper, and the platform keeps its own rewards.
        if order is None or self._rules.points_per_yuan == 0 or order.state in (
                states.AWAITING_PAYMENT, states.CANCELLED, states.CLOSED) \
                or order.payment_method == EXTERNAL:
            return 0
        # What the sale took less its points: a payment that came late or twice and went back
        # in full is captured too, but the shopper did not pay the order with it.
        paid = order.payable - sum((p.amount for p in self._repo.for_order(order.id)
                                    if p.state == "captured" and p.method == "points"),
                                   Decimal("0.00"))
        points = int(paid) * self._rules.points_per_yuan
        granted = self._points.grant(order.customer_id, points, "points_earn",
                                    f"earn:{order.number}", memo=order.number)
        return points if granted else 0

    def _take_back_earned(self, order: OrderRecord) -> None:
        """A cancelled paid order takes back the points it earned, as far as they are left."""
        earned = [entry for entry in self._books.ledger.by_reference(f"earn:{order.number}")
                  if entry.direction == "credit"]
        if not earned:
            return
        account = self._books.points_account(order.customer_id)
        points = min(int(earned[0].amount), self._points.available(order.customer_id))
        if points > 0:
            self._books.move(f"unearn:{order.number}", account,
                            self._books.shop_account("points_issued", "PTS"), Decimal(points),
                            "points_unearn", order_number=order.number)

    # -- finance -------------------------------------------------------------------------------

    def alerts(self, *, open_only: bool = True, before: int | None = None,
               limit: int = 50) -> list[AlertRecord]:
        self.uow.actor.require(Permission.FINANCE_VIEW)
        return self._repo.alerts(open_only=open_only, before=before, limit=limit)

    def resolve_alert(self, alert_id: int) -> None:
        self.uow.actor.require(Permission.FINANCE_MANAGE)
        if not self._repo.resolve_alert(alert_id, self.uow.actor.name):
            raise NotFound("no such open alert")
        self.uow._audit.record("payments.alert.resolve", "payment_alert", alert_id)

    def reconcile(self, gateway_name: str, day: date) -> Reconciliation:
        """The day's payments and refunds against the gateway's statement (finance:ledger:view);
        each mismatch also becomes an alert. ``GatewayUnavailable`` when the statement cannot
        be fetched."""
        self.uow.actor.require(Permission.FINANCE_VIEW)
        report = reconcile(self._repo, self._gateway(gateway_name), day, self._day_bounds(day))
        for mismatch in report.mismatches:
            self._alert(gateway_name, "reconciliation", mismatch.number,
                        f"{day}: {mismatch.kind} {mismatch.number} {mismatch.problem} "
                        f"(shop {mismatch.shop_amount}, gateway {mismatch.gateway_amount})")
        return report

    def tenders_of(self, number: str) -> list[TenderView]:
        """An order's tenders: its shopper, or staff who may see orders."""
        actor = self.uow.actor
        order = self._own(number) if actor.kind == "shopper" else None
        if order is None:
            actor.require(Permission.ORDER_VIEW)
            order = self._orders.find(number) if isinstance(number, str) else None
            if order is None:
                raise NotFound("no such order")
        return [self._tender(payment) for payment in self._repo.for_order(order.id)]

    def _day_bounds(self, day: date) -> tuple[datetime, datetime]:
        zone = self.uow.settings.current().zone
        start = datetime.combine(day, time.min, zone)
        return start, start + timedelta(days=1)

    # -- steps ---------------------------------------------------------------------------------

    def _hold_means(self, order: OrderRecord, values: Mapping[str, Any],
                    payments: list[PaymentRecord], due: Decimal, key: str | None) -> Decimal:
        cards = GiftCardService(self.uow)
        card = None
        if values["gift_card_code"]:
            try:
                card = cards.unlock({"code": values["gift_card_code"],
                                     "pin": values["gift_card_pin"]})
            except Invalid as exc:  # the card service names its own form's fields
                raise Invalid({"gift_card_" + name: message
                               for name, message in exc.errors.items()}) from None
        elif values["gift_card"] is not None:
            card = cards.owned(values["gift_card"])
        if card is not None:
            field = "gift_card_code" if values["gift_card_code"] else "gift_card"
            if card.expires_at <= self.uow.clock.now():
                raise Invalid({field: _("That gift card has expired")})
            if card.balance <= 0:
                raise Invalid({field: _("That gift card has nothing left on it")})
            amount = min(card.balance, due)
            if amount > 0:
                self._hold(order, "gift_card", amount, card.account_id, key, field=field)
                due -= amount
        if values["points"]:
            points = values["points"]
            share_cap = (order.payable * self._rules.points_max_share).quantize(Decimal("0.01"))
            usable = min(self._points.available(order.customer_id), self._points.for_amount(
                min(share_cap - self._points_value_used(payments), due)))
            if points > usable:
                raise Invalid({"points": _("You can use at most ${points} points on this order",
                                           mapping={"points": max(usable, 0)})})
            worth = self._points.worth(points)
            self._hold(order, "points", worth, None, key, points=points, field="points")
            due -= worth
        if values["balance"]:
            amount = values["balance"]
            if amount > due:
                raise Invalid({"balance": _("That is more than is still due (${due})",
                                            mapping={"due": f"¥{due:.2f}"})})
            account = self._books.balance_account(order.customer_id)
            self._hold(order, "balance", amount, account.id, key, field="balance")
            due -= amount
        return due

    def _hold(self, order: OrderRecord, method: str, amount: Decimal, account_id: int | None,
              key: str | None, *, points: int = 0, field: str) -> None:
        try:
            self._tenders.hold(order, method, amount, account_id, points, key)
        except Overdrawn:
            raise Invalid({field: _("Not enough left to pay that much")}) from None

    def _start(self, order: OrderRecord, due: Decimal, values: Mapping[str, Any],
               key: str | None) -> PaymentRecord:
        """The pending payment at the chosen gateway for what is due: the same one as a moment
        ago for the same choice, else a new one (the others closed)."""
        name = values["gateway"]
        self._gateway(name)
        payments = self._repo.for_order(order.id)
        now = self.uow.clock.now()
        reusable = [p for p in payments if p.state == "pending" and p.method == name
                    and p.amount == due and p.device == values["device"]
                    and p.installments == values["installments"]
                    and p.created_at > now - REUSE_WINDOW]
        if reusable:
            payment = reusable[-1]
        else:
            self._close_pending(payments)
            payment = self._repo.add(number=self._tenders.new_number(), order_id=order.id,
                                     method=name, state="pending", amount=due,
                                     device=values["device"],
                                     installments=values["installments"], request_key=key)
        return payment

    def start_request(self, payment_number: str) -> tuple[str, PayRequest]:
        """(gateway, what to ask it) to start one of the shopper's pending payments: the
        first step of ``calls.start_payment``, which asks with no transaction open. Again
        for the same payment: the same number and amount, so the gateway sees one trade."""
        payment = self._repo.by_number(payment_number) \
            if isinstance(payment_number, str) else None
        order = self._orders.find_by_id(payment.order_id) if payment else None
        if payment is None or order is None or order.customer_id != self._shopper() \
                or payment.method not in GATEWAYS:
            raise NotFound("no such payment")
        if payment.state != "pending" or not payable_online(order.state,
                                                            order.payment_method):
            raise Conflict(_("This order is not awaiting payment"))
        shop, name = self.uow.shop, payment.method
        self._gateway(name)
        return name, PayRequest(
            out_trade_no=payment.number, amount=payment.amount,
            subject=f"订单 {order.number}", device=cast(Device, payment.device),
            notify_url=shop.link(f"/payments/{name}/notify"),
            return_url=shop.link(f"/payments/{name}/return"),
            client_ip=self.uow.client_ip or "127.0.0.1",
            expires_at=order.pay_by or self.uow.clock.now() + timedelta(hours=2),
            installments=payment.installments)

    def _close_pending(self, payments: list[PaymentRecord]) -> None:
        """Close the order's pending gateway trades; the ``check-pending-payments`` job tells
        their gateways after the commit, so a stale page cannot pay them (a trade paid anyway
        is a late payment: see ``_late``)."""
        for payment in payments:
            if payment.state == "pending":
                self._repo.move(payment.id, ("pending",), "closed")

    def _complete(self, order: OrderRecord) -> None:
        payments = self._repo.for_order(order.id)
        self._tenders.capture_all(order, payments)
        self._lifecycle().move(order, states.PAID)
        self._lifecycle().move(self._reread(order), states.AWAITING_SHIPMENT)

    def _lifecycle(self) -> OrderLifecycle:
        return OrderLifecycle(self.uow, self._orders)

    def _reread(self, order: OrderRecord) -> OrderRecord:
        found = self._orders.find(order.number)
        assert found is not None
        return found

    def _require_payable(self, order: OrderRecord) -> None:
        if not payable_online(order.state, order.payment_method):
            raise Conflict(_("This order is not awaiting payment"))
        if order.pay_by is not None and order.pay_by <= self.uow.clock.now():
            raise Conflict(_("The time to pay this order has run out"))

    def _points_used(self, payments: list[PaymentRecord]) -> int:
        return sum(p.points for p in payments if p.method == "points"
                   and p.state in ("held", "captured"))

    def _points_value_used(self, payments: list[PaymentRecord]) -> Decimal:
        return sum((p.amount for p in payments if p.method == "points"
                    and p.state in ("held", "captured")), Decimal("0.00"))

    def _gateway(self, name: str) -> Gateway:
        gateway = self.uow.shop.gateways.get(name) if isinstance(name, str) else None
        if gateway is None:
            raise Invalid({"gateway": _("Choose a way to pay")})
        return gateway

    def _tender(self, payment: PaymentRecord) -> TenderView:
        return TenderView(payment.number, payment.method, METHOD_LABELS[payment.method],
                          payment.amount, payment.points, payment.state, payment.refunded)

    def _alert(self, gateway: str, kind: str, out_trade_no: str, detail: str,
               raw: Mapping[str, str] | str | None = None) -> None:
        payload = raw if isinstance(raw, str) else json.dumps(dict(raw or {}),
                                                              ensure_ascii=False, default=str)
        self._repo.add_alert(gateway=gateway, kind=kind, out_trade_no=out_trade_no[:64],
                            detail=detail[:500], payload=payload[:20000])

    def _shopper(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("paying is for the signed-in shopper who placed the order")
        return actor.id

    def _own(self, number: str, *, lock: bool = False) -> OrderRecord:
        customer_id = self._shopper()
        order = self._orders.find(number, customer_id, lock=lock) \
            if isinstance(number, str) else None
        if order is None:
            raise NotFound("no such order")
        return order


def _due(order: OrderRecord, covered: Decimal) -> Decimal:
    return max(order.payable - covered, Decimal("0.00"))


def _adds_internal(values: Mapping[str, Any]) -> bool:
    return bool(values["gift_card_code"] or values["gift_card"] is not None
                or values["points"] or values["balance"])


__all__ = [
    "INTERNAL",
    "PayResult",
    "PaymentOptions",
    "PaymentService",
    "PaymentStatus",
    "TenderView",
]
