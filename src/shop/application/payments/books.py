"""The shop's books: which ledger account holds what, and moving value between them.

Accounts are named by code and made on first use:

- ``customer:<id>:balance`` (账户余额, CNY) and ``customer:<id>:points`` (积分, PTS);
- ``gift_card:<id>`` (CNY): a card's remaining value;
- ``order:<number>`` (CNY): what an order's means have put in and not yet passed on, so held
  means sit there until the order is paid (then they go to ``shop:sales``) or given back;
- the shop's own (may go negative: value enters or leaves the shop there): ``shop:sales``,
  ``shop:top_ups``, ``shop:gift_cards``, ``shop:points_issued``, ``shop:points_redeemed``,
  ``shop:points_expired``, ``shop:points_funding`` (what spent points are worth in CNY), and
  ``gateway:<name>`` (money on its way from or to Alipay, WeChat Pay, UnionPay).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from shop.data.repositories.ledger import AccountRecord, LedgerRepository, Overdrawn, Transfer

if TYPE_CHECKING:
    from shop.application import UnitOfWork

CNY = "CNY"
PTS = "PTS"

__all__ = ["CNY", "PTS", "Books", "Overdrawn"]


def _customer(customer_id: int, kind: str) -> str:
    return f"customer:{customer_id}:{kind}"


class Books:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.ledger = LedgerRepository(uow._session)

    def balance_account(self, customer_id: int) -> AccountRecord:
        return self.ledger.open(_customer(customer_id, "balance"), "balance", CNY,
                                customer_id=customer_id)

    def points_account(self, customer_id: int) -> AccountRecord:
        return self.ledger.open(_customer(customer_id, "points"), "points", PTS,
                                customer_id=customer_id)

    def existing(self, customer_id: int, kind: str) -> AccountRecord | None:
        """A shopper's ``balance`` or ``points`` account if it was ever opened: what reading
        pages use, so that looking opens nothing."""
        return self.ledger.by_code(_customer(customer_id, kind))

    def balance_of(self, customer_id: int) -> Decimal:
        """A shopper's balance, read only (no account yet: nothing on it)."""
        found = self.existing(customer_id, "balance")
        return found.balance if found else Decimal("0.00")

    def order_account(self, number: str) -> AccountRecord:
        return self.ledger.open(f"order:{number}", "order", CNY)

    def shop_account(self, name: str, unit: str = CNY) -> AccountRecord:
        return self.ledger.open(f"shop:{name}", "shop", unit, may_go_negative=True)

    def gateway_account(self, gateway: str) -> AccountRecord:
        return self.ledger.open(f"gateway:{gateway}", "gateway", CNY, may_go_negative=True)

    def move(self, reference: str, source: AccountRecord, destination: AccountRecord,
             amount: Decimal, kind: str, *, order_number: str | None = None,
             payment_number: str | None = None, external_ref: str = "", memo: str = "",
             expires_at: datetime | None = None) -> bool:
        """Move ``amount`` once per ``reference``; False when it moved before. ``Overdrawn``
        when the source holds less (and nothing moved)."""
        if source.unit != destination.unit:
            raise ValueError(f"{source.code} and {destination.code} hold different units")
        return self.ledger.transfer(Transfer(
            reference=reference, source=source.id, destination=destination.id, amount=amount,
            unit=source.unit, kind=kind, actor=self.uow.actor.name, order_number=order_number,
            payment_number=payment_number, external_ref=external_ref, memo=memo,
            expires_at=expires_at))

    def balance(self, account: AccountRecord) -> Decimal:
        return self.ledger.balance(account.id)
