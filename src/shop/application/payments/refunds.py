"""Refunds: claimed against a captured payment, given back to internal means at once, sent to a
gateway after the commit.

The claim is a conditional UPDATE of the payment's ``refunded`` that keeps it within what was
captured, so of two partial refunds of 60% requested at once exactly one is claimed. A gateway
refund is a ``payment_refund`` row with its own number, committed before anything is sent: the
``payment.refund_requested`` handler (and the ``send-refunds`` job, for one that could not be
sent) sends it with that number, so a refund that timed out after the gateway did it is not
done twice. The gateway's "no" gives the claim back and the money back to sales, and raises an
alert for finance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from shop.application.errors import Conflict
from shop.application.events.catalog import RefundRequested
from shop.application.i18n import _
from shop.application.payments.books import Books
from shop.application.payments.gateways.port import (
    GatewayRefused,
    GatewayUnavailable,
    RefundRequest,
)
from shop.application.payments.tenders import INTERNAL, Tenders
from shop.data.repositories.ordering import OrderRecord, OrderRepository
from shop.data.repositories.payments import PaymentRecord, PaymentRepository, RefundRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork


class Refunds:
    def __init__(self, uow: UnitOfWork, books: Books, tenders: Tenders,
                 repo: PaymentRepository) -> None:
        self.uow = uow
        self.books = books
        self.tenders = tenders
        self.repo = repo

    def request(self, order: OrderRecord, payment: PaymentRecord, amount: Decimal, reason: str,
                *, points: int = 0, to_balance: Decimal = Decimal("0.00"),
                from_sales: bool = True) -> RefundRecord:
        """Refund ``amount`` of ``payment``; ``from_sales`` when the order's sale took it (a
        payment that arrived late or twice never reached sales)."""
        if not self.repo.claim_refund(payment.id, amount):
            raise Conflict(_("That is more than is left to refund of this payment"))
        number = self.tenders.new_number("R")
        internal = payment.method in INTERNAL
        refund = self.repo.add_refund(number=number, payment_id=payment.id, amount=amount,
                                      points=points, state="succeeded" if internal else "pending",
                                      reason=reason[:200], actor=self.uow.actor.name)
        if from_sales:
            self.books.move(f"unsale:{number}", self.books.shop_account("sales"),
                            self.books.order_account(order.number), amount, "refund",
                            order_number=order.number, payment_number=payment.number)
        if internal:
            self.tenders.give_back(order, payment, amount, points, f"refund:{number}", "refund",
                                   to_balance)
        else:
            self.uow._events.record(RefundRequested.name,
                                    RefundRequested(refund_id=refund.id).to_payload())
        return refund

    def send(self, refund_id: int) -> str:
        """Send a pending gateway refund (system): its state afterwards."""
        refund = self.repo.refund(refund_id, lock=True)
        if refund is None or refund.state != "pending":
            return refund.state if refund else "missing"
        payment = self.repo.by_id(refund.payment_id)
        assert payment is not None
        gateway = self.uow.shop.gateways.get(payment.method)
        if gateway is None:
            self.repo.note_refund_attempt(refund.id, f"gateway {payment.method} not configured")
            return "pending"
        try:
            outcome = gateway.refund(RefundRequest(
                out_trade_no=payment.number, trade_no=payment.trade_no, refund_no=refund.number,
                amount=refund.amount, total=payment.amount, reason=refund.reason,
                notify_url=self.uow.shop.link(f"/payments/{payment.method}/notify")))
        except GatewayUnavailable as exc:
            self.repo.note_refund_attempt(refund.id, str(exc))
            return "pending"
        except GatewayRefused as exc:
            self.fail(refund, payment, f"{exc.code}: {exc.message}")
            return "failed"
        if outcome.state == "succeeded":
            self.succeed(refund, payment, outcome.gateway_refund_id)
            return "succeeded"
        self.repo.note_refund_attempt(refund.id, "the gateway is processing it")
        return "pending"

    def succeed(self, refund: RefundRecord, payment: PaymentRecord,
                gateway_refund_id: str) -> bool:
        if not self.repo.settle_refund(refund.id, "succeeded",
                                       gateway_refund_id=gateway_refund_id[:64]):
            return False
        self.tenders.gateway_refunded(self._order(payment), payment, refund.number,
                                      refund.amount, gateway_refund_id)
        return True

    def fail(self, refund: RefundRecord, payment: PaymentRecord, why: str) -> None:
        if not self.repo.settle_refund(refund.id, "failed", last_error=why[:300]):
            return
        order = self._order(payment)
        self.repo.unclaim_refund(payment.id, refund.amount)
        if self.books.ledger.done(f"unsale:{refund.number}"):  # back to where it came from
            self.books.move(f"failed:{refund.number}", self.books.order_account(order.number),
                            self.books.shop_account("sales"), refund.amount, "refund_failed",
                            order_number=order.number, payment_number=payment.number)
        self.repo.add_alert(gateway=payment.method, kind="refund_failed",
                            out_trade_no=payment.number,
                            detail=f"refund {refund.number} of {refund.amount} refused: "
                                   f"{why}"[:500])

    def _order(self, payment: PaymentRecord) -> OrderRecord:
        order = OrderRepository(self.uow._session).find_by_id(payment.order_id)
        assert order is not None
        return order
