"""Refunds: claimed against a captured payment, given back to internal means at once, sent to a
gateway after the commit.

The claim is a conditional UPDATE of the payment's ``refunded`` that keeps it within what was
captured, so of two partial refunds of 60% requested at once exactly one is claimed. A gateway
refund is a ``payment_refund`` row with its own number, committed before anything is sent: the
``send-refunds`` job sends it with that number outside any transaction and records the answer
(``shop.application.payments.calls``), so a refund that timed out after the gateway did it is
not done twice. The gateway's "no" gives the claim back and the money back to sales, and raises an
alert for finance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from shop.application.errors import Conflict
from shop.application.i18n import _
from shop.application.payments.books import Books
from shop.application.payments.gateways.port import (
    GatewayError,
    GatewayRefused,
    RefundOutcome,
    RefundRequest,
)
from shop.application.payments.tenders import INTERNAL, Tenders
from shop.data.repositories.ordering import OrderRecord, OrderRepository
from shop.data.repositories.payments import PaymentRecord, PaymentRepository, RefundRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork


@dataclass(frozen=True)
class RefundCall:
    gateway: str
    request: RefundRequest


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
        # What an external platform collected (a group buy) is given back on that platform,
        # by staff: no gateway to call, so the refund is done as it is recorded.
        external = payment.method == "external"
        refund = self.repo.add_refund(number=number, payment_id=payment.id, amount=amount,
                                      points=points,
                                      state="succeeded" if internal or external else "pending",
                                      reason=reason[:200], actor=self.uow.actor.name)
        if from_sales:
            self.books.move(f"unsale:{number}", self.books.shop_account("sales"),
                            self.books.order_account(order.number), amount, "refund",
                            order_number=order.number, payment_number=payment.number)
        if internal:
            self.tenders.give_back(order, payment, amount, points, f"refund:{number}", "refund",
                                   to_balance)
        if external:
            self.tenders.gateway_refunded(order, payment, number, amount, payment.trade_no)
        return refund

    def call(self, refund_id: int) -> RefundCall | None:
        """What to send the gateway for a pending refund (None when it is not pending)."""
        refund = self.repo.refund(refund_id)
        if refund is None or refund.state != "pending":
            return None
        payment = self.repo.by_id(refund.payment_id)
        assert payment is not None
        return RefundCall(payment.method, RefundRequest(
            out_trade_no=payment.number, trade_no=payment.trade_no, refund_no=refund.number,
            amount=refund.amount, total=payment.amount, reason=refund.reason,
            notify_url=self.uow.shop.link(f"/payments/{payment.method}/notify")))

    def record(self, refund_id: int, answer: RefundOutcome | GatewayError) -> str:
        """What the gateway answered to a sent refund; the refund's state afterwards."""
        refund = self.repo.refund(refund_id, lock=True)
        if refund is None or refund.state != "pending":
            return refund.state if refund else "missing"
        payment = self.repo.by_id(refund.payment_id)
        assert payment is not None
        if isinstance(answer, GatewayRefused):
            self.fail(refund, payment, f"{answer.code}: {answer.message}")
            return "failed"
        if isinstance(answer, GatewayError):
            self.repo.note_refund_attempt(refund.id, str(answer))
            return "pending"
        if answer.state == "succeeded":
            self.succeed(refund, payment, answer.gateway_refund_id)
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
