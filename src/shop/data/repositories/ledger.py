"""The ledger's accounts and transfers (see ``shop.data.models.ledger``).

A transfer writes its two entries and moves the balances in a savepoint: when its reference is
taken (a retried step) or its source would be overdrawn, nothing of it stays and the caller's
transaction carries on. Accounts that may go negative (the shop's own) keep no running balance:
every capture would otherwise queue on one row; their balance is the sum of their entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import LedgerAccount, LedgerEntry
from shop.data.repositories.money import to_fen
from shop.data.repositories.rows import append_rows, insert_unless_taken


class Overdrawn(Exception):
    """The source account does not hold the amount."""


@dataclass(frozen=True)
class AccountRecord:
    id: int
    code: str
    kind: str
    unit: str
    customer_id: int | None
    may_go_negative: bool
    balance: Decimal


@dataclass(frozen=True)
class EntryRecord:
    id: int
    reference: str
    account_id: int
    counter_account_id: int
    direction: str
    amount: Decimal
    unit: str
    kind: str
    order_number: str | None
    payment_number: str | None
    external_ref: str
    actor: str
    memo: str
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Transfer:
    """Move ``amount`` from ``source`` to ``destination`` (account ids), once per reference."""

    reference: str
    source: int
    destination: int
    amount: Decimal
    unit: str
    kind: str
    actor: str
    order_number: str | None = None
    payment_number: str | None = None
    external_ref: str = ""
    memo: str = ""
    expires_at: datetime | None = None


def _account(row: LedgerAccount) -> AccountRecord:
    return AccountRecord(row.id, row.code, row.kind, row.unit, row.customer_id,
                         row.may_go_negative, row.balance)


def _entry(row: LedgerEntry) -> EntryRecord:
    return EntryRecord(row.id, row.reference, row.account_id, row.counter_account_id,
                       row.direction, row.amount, row.unit, row.kind, row.order_number,
                       row.payment_number, row.external_ref, row.actor, row.memo,
                       row.expires_at, row.created_at)


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- accounts ------------------------------------------------------------------------------

    def open(self, code: str, kind: str, unit: str, *, customer_id: int | None = None,
             may_go_negative: bool = False) -> AccountRecord:
        """The account with ``code``, made on first use (two makers at once get one)."""
        found = self.by_code(code)
        if found is None:
            insert_unless_taken(self.session, LedgerAccount, {
                "code": code, "kind": kind, "unit": unit, "customer_id": customer_id,
                "may_go_negative": may_go_negative, "balance": Decimal("0.00")}, "code")
            found = self.by_code(code)
        assert found is not None
        return found

    def by_code(self, code: str) -> AccountRecord | None:
        row = self.session.scalars(select(LedgerAccount).where(LedgerAccount.code == code)) \
            .one_or_none()
        return _account(row) if row else None

    def get(self, account_id: int) -> AccountRecord:
        row = self.session.get(LedgerAccount, account_id, populate_existing=True)
        assert row is not None
        return _account(row)

    def balance(self, account_id: int) -> Decimal:
        """The account's balance (the running one, or its entries' sum for the shop's own)."""
        account = self.get(account_id)
        return account.balance if not account.may_go_negative else self.sum(account_id)

    def sum(self, account_id: int) -> Decimal:
        """Credits less debits of the account's entries."""
        signed = case((LedgerEntry.direction == "credit", LedgerEntry.amount),
                      else_=-LedgerEntry.amount)
        total = self.session.scalar(select(func.coalesce(func.sum(signed), 0))
                                    .where(LedgerEntry.account_id == account_id))
        return Decimal(total or 0).quantize(Decimal("0.01"))

    def customer_accounts(self, customer_id: int) -> list[AccountRecord]:
        return [_account(row) for row in self.session.scalars(
            select(LedgerAccount).where(LedgerAccount.customer_id == customer_id)
            .order_by(LedgerAccount.id))]

    # -- transfers -----------------------------------------------------------------------------

    def transfer(self, move: Transfer) -> bool:
        """Do ``move``: False when its reference was done before; ``Overdrawn`` (and nothing
        written) when the source holds less than the amount."""
        rows = [{"reference": move.reference, "direction": direction, "account_id": account,
                 "counter_account_id": counter, "amount": move.amount, "unit": move.unit,
                 "kind": move.kind, "order_number": move.order_number,
                 "payment_number": move.payment_number, "external_ref": move.external_ref,
                 "actor": move.actor[:120], "memo": move.memo[:200],
                 "expires_at": move.expires_at}
                for direction, account, counter in (("debit", move.source, move.destination),
                                                     ("credit", move.destination, move.source))]
        try:
            with self.session.begin_nested():
                append_rows(self.session, LedgerEntry, rows)
                if not self._move_balance(move.source, -move.amount):
                    raise Overdrawn(move.reference)
                self._move_balance(move.destination, move.amount)
        except IntegrityError:
            if self.done(move.reference):
                return False
            raise
        return True

    def done(self, reference: str) -> bool:
        return self.session.scalar(select(LedgerEntry.id).where(
            LedgerEntry.reference == reference).limit(1)) is not None

    def _move_balance(self, account_id: int, delta: Decimal) -> bool:
        """Add ``delta`` to a running balance, never below zero; the shop's own accounts keep
        none (always True)."""
        result = self.session.execute(
            update(LedgerAccount)
            .where(LedgerAccount.id == account_id, LedgerAccount.may_go_negative.is_(False),
                   to_fen(LedgerAccount.balance + delta) >= 0)
            .values(balance=to_fen(LedgerAccount.balance + delta))
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
        return bool(self.session.scalar(select(LedgerAccount.may_go_negative)
                                        .where(LedgerAccount.id == account_id)))

    # -- reading -------------------------------------------------------------------------------

    def entries(self, account_id: int, *, before: int | None = None,
                limit: int = 20) -> list[EntryRecord]:
        query = select(LedgerEntry).where(LedgerEntry.account_id == account_id)
        if before is not None:
            query = query.where(LedgerEntry.id < before)
        return [_entry(row) for row in self.session.scalars(
            query.order_by(LedgerEntry.id.desc()).limit(limit))]

    def by_reference(self, reference: str) -> list[EntryRecord]:
        return [_entry(row) for row in self.session.scalars(
            select(LedgerEntry).where(LedgerEntry.reference == reference)
            .order_by(LedgerEntry.id))]

    def for_order(self, order_number: str) -> list[EntryRecord]:
        return [_entry(row) for row in self.session.scalars(
            select(LedgerEntry).where(LedgerEntry.order_number == order_number)
            .order_by(LedgerEntry.id))]

    def expiring(self, account_id: int, now: datetime) -> tuple[Decimal, Decimal]:
        """(credits whose lots expired by ``now``, all debits) of a points account: what
        first-in-first-out spending leaves to expire is the first less the second."""
        credits = self.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .where(LedgerEntry.account_id == account_id, LedgerEntry.direction == "credit",
                   LedgerEntry.expires_at.is_not(None), LedgerEntry.expires_at <= now))
        debits = self.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .where(LedgerEntry.account_id == account_id, LedgerEntry.direction == "debit"))
        return Decimal(credits or 0), Decimal(debits or 0)

    def next_expiry(self, account_id: int, after: datetime) -> datetime | None:
        return self.session.scalar(
            select(func.min(LedgerEntry.expires_at))
            .where(LedgerEntry.account_id == account_id, LedgerEntry.direction == "credit",
                   LedgerEntry.expires_at > after))

    def accounts_with_lots_due(self, now: datetime, after_id: int, limit: int) -> list[int]:
        """Points accounts holding points, with a lot whose time has come (the expiry job)."""
        return list(self.session.scalars(
            select(LedgerAccount.id).where(
                LedgerAccount.kind == "points", LedgerAccount.balance > 0,
                LedgerAccount.id > after_id,
                select(LedgerEntry.id).where(
                    LedgerEntry.account_id == LedgerAccount.id,
                    LedgerEntry.direction == "credit", LedgerEntry.expires_at <= now).exists())
            .order_by(LedgerAccount.id).limit(limit)))

    def totals_by_unit(self) -> dict[str, Decimal]:
        """Credits less debits over the whole journal, per unit: zero when nothing was made or
        lost (the auditors' first check)."""
        signed = case((LedgerEntry.direction == "credit", LedgerEntry.amount),
                      else_=-LedgerEntry.amount)
        return {unit: Decimal(total) for unit, total in self.session.execute(
            select(LedgerEntry.unit, func.sum(signed)).group_by(LedgerEntry.unit))}

    def drifted(self, account_ids: Iterable[int] | None = None) -> Sequence[int]:
        """Accounts whose running balance differs from their entries' sum (should be none)."""
        signed = case((LedgerEntry.direction == "credit", LedgerEntry.amount),
                      else_=-LedgerEntry.amount)
        sums = (select(LedgerEntry.account_id, func.coalesce(func.sum(signed), 0).label("total"))
                .group_by(LedgerEntry.account_id).subquery())
        query = (select(LedgerAccount.id, LedgerAccount.balance, sums.c.total)
                 .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
                 .where(LedgerAccount.may_go_negative.is_(False)))
        if account_ids is not None:
            query = query.where(LedgerAccount.id.in_(list(account_ids)))
        return [key for key, balance, total in self.session.execute(query)
                if Decimal(balance) != Decimal(total or 0)]
