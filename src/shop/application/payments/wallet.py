"""The shopper's wallet in the user center (我的钱包): balance, points and gift cards with their
history; and staff topping up a balance (with a reason, audited)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.errors import Forbidden, Invalid, NotFound
from shop.application.i18n import _
from shop.application.payments.books import Books
from shop.application.payments.giftcards import GiftCardService, GiftCardView
from shop.application.payments.points import Points
from shop.application.payments.rules import PaymentRules
from shop.application.payments.schemas import TopUpSchema
from shop.application.validation import validate
from shop.data.repositories.accounts import CustomerRepository
from shop.data.repositories.ledger import EntryRecord

if TYPE_CHECKING:
    from shop.application import UnitOfWork

KIND_LABELS = {
    "top_up": _("Top-up"), "hold": _("Paid towards an order"),
    "release": _("Given back: the order was not paid"),
    "refund": _("Refund"), "gift_card_issue": _("Card issued"),
    "registration_gift": _("Registration gift"),
    "referral": _("A friend you referred placed their first order"),
    "points_earn": _("Earned by an order"), "points_spend": _("Spent on an order"),
    "points_refund": _("Given back by a cancelled or refunded order"),
    "points_unearn": _("Taken back: the order that earned them was cancelled"),
    "points_expire": _("Expired"),
}
HISTORY = 20
KINDS = ("balance", "points", "gift_card")


@dataclass(frozen=True)
class WalletLine:
    id: int
    amount: Decimal  # signed: positive in, negative out
    kind: str
    label: Any
    order_number: str | None
    memo: str
    created_at: datetime


@dataclass(frozen=True)
class Wallet:
    balance: Decimal
    points: int
    point_value: Decimal
    gift_cards: tuple[GiftCardView, ...]
    balance_history: tuple[WalletLine, ...]
    points_history: tuple[WalletLine, ...]

    @property
    def points_worth(self) -> Decimal:
        """What the points pay at checkout, in CNY."""
        return (self.point_value * self.points).quantize(Decimal("0.01"))


class WalletService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.books = Books(uow)
        self.rules = PaymentRules.from_settings(uow.shop.settings)
        self.points = Points(uow, self.books, self.rules)

    def mine(self) -> Wallet:
        """Read only: a shopper who never had a balance or points has none (no account is
        opened by looking)."""
        customer_id = self._shopper()
        balance = self.books.existing(customer_id, "balance")
        points = self.books.existing(customer_id, "points")
        return Wallet(balance.balance if balance else Decimal("0.00"),
                      self.points.live(customer_id), self.rules.point_value,
                      tuple(GiftCardService(self.uow).mine()),
                      self._history(balance.id if balance else None, None),
                      self._history(points.id if points else None, None))

    def history(self, kind: str, before: int | None = None,
                card_id: int | None = None) -> tuple[WalletLine, ...]:
        """Older lines of one of the shopper's accounts (keyset: ``before`` an entry id)."""
        customer_id = self._shopper()
        account_id: int | None
        if kind in ("balance", "points"):
            found = self.books.existing(customer_id, kind)
            account_id = found.id if found else None
        elif kind == "gift_card" and card_id is not None:
            account_id = GiftCardService(self.uow).owned(card_id).account_id
        else:
            raise NotFound("no such history")
        return self._history(account_id, before)

    def top_up(self, customer_id: int, data: Mapping[str, Any]) -> Decimal:
        """Staff add to a shopper's balance (``amount``, ``reason``) from ``shop:top_ups``:
        finance:ledger:manage, audited. The new balance."""
        self.uow.actor.require(Permission.FINANCE_MANAGE)
        values = validate(TopUpSchema(), data)
        if CustomerRepository(self.uow._session).get(customer_id) is None:
            raise NotFound("no such customer")
        account = self.books.balance_account(customer_id)
        now = self.uow.clock.now()
        reference = f"top_up:{customer_id}:{now.timestamp():.6f}:{values['amount']}"
        if not self.books.move(reference, self.books.shop_account("top_ups"), account,
                               values["amount"], "top_up", memo=values["reason"]):
            raise Invalid({"amount": _("That top-up was just made; check the balance")})
        after = self.books.ledger.get(account.id).balance
        self.uow._audit.record("payments.balance.top_up", "customer", customer_id,
                               before={"balance": account.balance},
                               after={"balance": after, "amount": values["amount"],
                                      "reason": values["reason"]})
        return after

    def _history(self, account_id: int | None,
                 before: int | None) -> tuple[WalletLine, ...]:
        if account_id is None:
            return ()
        zone = self.uow.settings.current().zone
        return tuple(_line(entry, zone) for entry in self.books.ledger.entries(
            account_id, before=before, limit=HISTORY))

    def _shopper(self) -> int:
        actor = self.uow.actor
        actor.require(Permission.ACCOUNT_SELF)
        if actor.kind != "shopper" or actor.id is None:
            raise Forbidden("a wallet belongs to a signed-in shopper")
        return actor.id


def _line(entry: EntryRecord, zone: Any) -> WalletLine:
    sign = 1 if entry.direction == "credit" else -1
    return WalletLine(entry.id, entry.amount * sign, entry.kind,
                      KIND_LABELS.get(entry.kind, entry.kind), entry.order_number, entry.memo,
                      entry.created_at.astimezone(zone))
