"""Points (积分) in the ledger: granted in lots that expire, spent first-in-first-out.

A grant credits the shopper's points account from ``shop:points_issued`` with the lot's expiry
(``shop.points.expiry_months`` after it was earned). Spending debits to ``shop:points_redeemed``
and funds the order from ``shop:points_funding`` with the points' worth in CNY. Lots are spent
oldest first, so what has expired by now is "credits of lots due by now, less every debit so
far" when that is positive (``expire``); spending first expires what is due, so expired points
are never spent. Points given back (a cancelled order) return with the expiry of the lot they
were spent from (recorded on the spend): if that has passed, they expire at once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from shop.application.payments.books import PTS, Books
from shop.data.repositories.ledger import AccountRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork
    from shop.application.payments.rules import PaymentRules


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days))


class Points:
    def __init__(self, uow: UnitOfWork, books: Books, rules: PaymentRules) -> None:
        self.uow = uow
        self.books = books
        self.rules = rules

    def worth(self, points: int) -> Decimal:
        return (self.rules.point_value * points).quantize(Decimal("0.01"))

    def for_amount(self, amount: Decimal) -> int:
        """The whole points ``amount`` buys (rounded down: points never pay more than due)."""
        return int((amount / self.rules.point_value).to_integral_value(rounding=ROUND_FLOOR))

    def grant(self, customer_id: int, points: int, kind: str, reference: str,
              memo: str = "") -> bool:
        """Credit a lot once per reference; False when granted before (or nothing to grant)."""
        if points <= 0:
            return False
        months = self.rules.points_expiry_months
        expires = add_months(self.uow.clock.now(), months) if months else None
        return self.books.move(reference, self.books.shop_account("points_issued", PTS),
                               self.books.points_account(customer_id), Decimal(points), kind,
                               memo=memo, expires_at=expires)

    def available(self, customer_id: int) -> int:
        """The live points, expiring what is due first (a writing step: before spending)."""
        account = self.books.points_account(customer_id)
        self.expire(account)
        return int(self.books.ledger.get(account.id).balance)

    def live(self, customer_id: int) -> int:
        """The live points, read only: the balance less what is due to expire now."""
        account = self.books.existing(customer_id, "points")
        if account is None:
            return 0
        due, debits = self.books.ledger.expiring(account.id, self.uow.clock.now())
        return int(account.balance - max(due - debits, Decimal(0)))

    def spend(self, customer_id: int, points: int, reference: str, *, order_number: str,
              payment_number: str) -> None:
        """Debit ``points`` (``Overdrawn`` when the account holds fewer live points)."""
        account = self.books.points_account(customer_id)
        self.expire(account)
        lot = self.books.ledger.next_expiry(account.id, self.uow.clock.now())
        self.books.move(reference, account, self.books.shop_account("points_redeemed", PTS),
                        Decimal(points), "points_spend", order_number=order_number,
                        payment_number=payment_number, expires_at=lot)

    def give_back(self, customer_id: int, points: int, reference: str, *,
                  spent_expiry: datetime | None, order_number: str,
                  payment_number: str) -> None:
        account = self.books.points_account(customer_id)
        self.books.move(reference, self.books.shop_account("points_redeemed", PTS), account,
                        Decimal(points), "points_refund", order_number=order_number,
                        payment_number=payment_number, expires_at=spent_expiry)
        self.expire(account)

    def expire(self, account: AccountRecord) -> int:
        """Expire what is due on ``account`` now; how many points expired."""
        due, debits = self.books.ledger.expiring(account.id, self.uow.clock.now())
        points = int(due - debits)
        if points <= 0:
            return 0
        # The reference names the lots' total due: two expiries of the same lots expire once.
        self.books.move(f"expire:{account.id}:{due}", account,
                        self.books.shop_account("points_expired", PTS), Decimal(points),
                        "points_expire")
        return points
