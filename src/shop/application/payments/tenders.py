"""What each tender does in the books: hold, capture, release, give back, and the gateway's
capture and refund.

Every step is a ledger transfer with a reference derived from the payment or refund number, so
a step repeated (a retried request, a duplicate notification) moves nothing the second time:

    hold:<payment>      a means → order:<number>     (points: the points leave, and
    fund:<payment>      shop:points_funding → order   their worth in CNY funds the order)
    capture:<payment>   gateway:<name> → order        the gateway's money arrived
    sale:<order>        order → shop:sales            the order is paid in full
    release:<payment>   order → the means             an unpaid order's hold given back
    unsale:<refund>     shop:sales → order            a refund of a paid order starts
    refund:<refund>     order → the means / gateway   …and reaches the means
    <release or refund>:funding                       points given back: their worth in CNY
                        order → shop:points_funding   (the points move under the plain one)

A gift card that has expired by the time its value comes back cannot be spent again, so the
value goes to the shopper's account balance instead (memo "gift card expired"): nobody loses it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from shop.application.payments.books import Books
from shop.application.payments.numbers import draw_number
from shop.application.payments.points import Points
from shop.data.repositories.giftcards import GiftCardRepository
from shop.data.repositories.ordering import OrderRecord
from shop.data.repositories.payments import PaymentRecord, PaymentRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

INTERNAL = ("gift_card", "points", "balance")
GATEWAYS = ("alipay", "wechat", "unionpay")


class Tenders:
    def __init__(self, uow: UnitOfWork, books: Books, points: Points,
                 repo: PaymentRepository) -> None:
        self.uow = uow
        self.books = books
        self.points = points
        self.repo = repo
        self.cards = GiftCardRepository(uow._session)

    def new_number(self, prefix: str = "") -> str:
        return draw_number(self.uow.clock.now(), self.uow.settings.current().zone, prefix)

    # -- internal means ------------------------------------------------------------------------

    def hold(self, order: OrderRecord, method: str, amount: Decimal, account_id: int | None,
             points: int = 0, request_key: str | None = None) -> PaymentRecord:
        """Take ``amount`` from a means into the order's account (``Overdrawn`` when the means
        holds less: the caller's savepoint undoes the payment row)."""
        number = self.new_number()
        payment = self.repo.add(number=number, order_id=order.id, method=method, state="held",
                                amount=amount, points=points, account_id=account_id,
                                request_key=request_key)
        order_account = self.books.order_account(order.number)
        if method == "points":
            self.points.spend(order.customer_id, points, f"hold:{number}",
                              order_number=order.number, payment_number=number)
            self.books.move(f"fund:{number}", self.books.shop_account("points_funding"),
                            order_account, amount, "hold", order_number=order.number,
                            payment_number=number)
        else:
            assert account_id is not None
            self.books.move(f"hold:{number}", self.books.ledger.get(account_id), order_account,
                            amount, "hold", order_number=order.number, payment_number=number)
        return payment

    def release(self, order: OrderRecord, payment: PaymentRecord) -> None:
        """Give an unpaid order's hold back (once: the state moves first)."""
        if self.repo.move(payment.id, ("held",), "released"):
            self.give_back(order, payment, payment.amount, payment.points,
                           f"release:{payment.number}", "release")

    def give_back(self, order: OrderRecord, payment: PaymentRecord, amount: Decimal,
                  points: int, reference: str, kind: str,
                  to_balance: Decimal = Decimal("0.00")) -> None:
        """Move ``amount`` of the order's account back to the means ``payment`` came from."""
        order_account = self.books.order_account(order.number)
        order_number, payment_number = order.number, payment.number
        if payment.method == "points":
            spent = [entry for entry in self.books.ledger.by_reference(f"hold:{payment.number}")
                     if entry.direction == "debit"]
            if points:
                self.points.give_back(order.customer_id, points, reference,
                                      spent_expiry=spent[0].expires_at if spent else None,
                                      order_number=order_number,
                                      payment_number=payment_number)
            # Its own reference: the points moved under ``reference`` already (one reference
            # moves once, whatever its unit), and this is their worth in CNY going back; none
            # when the share is worth less than a point (it all goes to the balance).
            if amount > to_balance:
                self.books.move(reference + ":funding", order_account,
                                self.books.shop_account("points_funding"), amount - to_balance,
                                kind, order_number=order_number, payment_number=payment_number)
            if to_balance:
                self.books.move(reference + ":rest", order_account,
                                self.books.balance_account(order.customer_id), to_balance,
                                kind, memo="less than a point", order_number=order_number,
                                payment_number=payment_number)
            return
        assert payment.account_id is not None
        destination = self.books.ledger.get(payment.account_id)
        memo = ""
        if payment.method == "gift_card":
            card = self.cards.by_account(payment.account_id)
            if card is not None and card.expires_at <= self.uow.clock.now():
                destination, memo = self.books.balance_account(order.customer_id), \
                    "gift card expired"
        self.books.move(reference, order_account, destination, amount, kind, memo=memo,
                        order_number=order_number, payment_number=payment_number)

    # -- the order as a whole ------------------------------------------------------------------

    def covered(self, payments: list[PaymentRecord]) -> Decimal:
        """What the order's held and captured tenders add up to (less what was refunded)."""
        return sum((payment.amount - payment.refunded for payment in payments
                    if payment.state in ("held", "captured")), Decimal("0.00"))

    def capture_all(self, order: OrderRecord, payments: list[PaymentRecord]) -> None:
        """The order is paid in full: its holds are captured and the payable goes to sales."""
        now = self.uow.clock.now()
        for payment in payments:
            if payment.state == "held":
                self.repo.move(payment.id, ("held",), "captured", captured_at=now)
        self.books.move(f"sale:{order.number}", self.books.order_account(order.number),
                        self.books.shop_account("sales"), order.payable, "capture",
                        order_number=order.number)

    # -- gateways ------------------------------------------------------------------------------

    def gateway_captured(self, order: OrderRecord, payment: PaymentRecord, trade_no: str,
                         at: datetime) -> bool:
        """Record a gateway's money for ``payment``; False when it was recorded before."""
        if not self.repo.move(payment.id, ("pending", "closed", "failed"), "captured",
                              trade_no=trade_no[:64], captured_at=at):
            return False
        self.books.move(f"capture:{payment.number}", self.books.gateway_account(payment.method),
                        self.books.order_account(order.number), payment.amount,
                        "gateway_capture", order_number=order.number,
                        payment_number=payment.number, external_ref=trade_no[:64])
        return True

    def gateway_refunded(self, order: OrderRecord, payment: PaymentRecord, refund_number: str,
                         amount: Decimal, gateway_refund_id: str) -> None:
        self.books.move(f"refund:{refund_number}", self.books.order_account(order.number),
                        self.books.gateway_account(payment.method), amount, "gateway_refund",
                        order_number=order.number, payment_number=payment.number,
                        external_ref=gateway_refund_id[:64])
