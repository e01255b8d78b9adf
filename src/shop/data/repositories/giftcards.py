"""Gift card batches and cards (see ``shop.data.models.giftcards``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop.data.models import GiftCard, GiftCardBatch, LedgerAccount
from shop.data.repositories.rows import append_rows, insert_unless_taken


@dataclass(frozen=True, slots=True)
class GiftCardRecord:
    id: int
    batch_id: int
    code: str
    pin_hash: str
    account_id: int
    customer_id: int | None
    expires_at: datetime
    bound_at: datetime | None
    disabled_at: datetime | None
    balance: Decimal


@dataclass(frozen=True, slots=True)
class BatchRecord:
    id: int
    name: str
    value: Decimal
    quantity: int
    expires_at: datetime
    issued_by: str
    created_at: datetime


_CARD = [*(getattr(GiftCard, name) for name in GiftCardRecord.__slots__[:-1]),
         LedgerAccount.balance]
_BATCH = [getattr(GiftCardBatch, name) for name in BatchRecord.__slots__]


class GiftCardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_batch(self, name: str, value: Decimal, quantity: int, expires_at: datetime,
                  issued_by: str, request_key: str | None) -> int | None:
        """The new batch's id; None when its request key was used before."""
        return insert_unless_taken(self.session, GiftCardBatch, {
            "name": name, "value": value, "quantity": quantity, "expires_at": expires_at,
            "issued_by": issued_by, "request_key": request_key}, "request_key")

    def add_cards(self, rows: Sequence[dict[str, object]]) -> None:
        append_rows(self.session, GiftCard, rows)

    def codes_taken(self, codes: Sequence[str]) -> set[str]:
        return set(self.session.scalars(select(GiftCard.code).where(GiftCard.code.in_(codes))))

    def by_code(self, code: str) -> GiftCardRecord | None:
        return self._one(GiftCard.code == code)

    def get(self, card_id: int) -> GiftCardRecord | None:
        return self._one(GiftCard.id == card_id)

    def by_account(self, account_id: int) -> GiftCardRecord | None:
        return self._one(GiftCard.account_id == account_id)

    def of_customer(self, customer_id: int, limit: int) -> list[GiftCardRecord]:
        return [GiftCardRecord(*row) for row in self.session.execute(
            select(*_CARD).join(LedgerAccount, LedgerAccount.id == GiftCard.account_id)
            .where(GiftCard.customer_id == customer_id).order_by(GiftCard.id.desc())
            .limit(limit))]

    def bind(self, card_id: int, customer_id: int, now: datetime) -> bool:
        """Bind an unbound card to ``customer_id``; True also when it was theirs already."""
        self.session.execute(
            update(GiftCard).where(GiftCard.id == card_id, GiftCard.customer_id.is_(None))
            .values(customer_id=customer_id, bound_at=now)
            .execution_options(synchronize_session=False))
        return self.session.scalar(select(GiftCard.customer_id)
                                   .where(GiftCard.id == card_id)) == customer_id

    def batches(self, before: int | None, limit: int) -> list[BatchRecord]:
        statement = select(*_BATCH)
        if before is not None:
            statement = statement.where(GiftCardBatch.id < before)
        return [BatchRecord(*row) for row in self.session.execute(
            statement.order_by(GiftCardBatch.id.desc()).limit(limit))]

    def _one(self, condition: object) -> GiftCardRecord | None:
        row = self.session.execute(
            select(*_CARD).join(LedgerAccount, LedgerAccount.id == GiftCard.account_id)
            .where(condition)).first()  # type: ignore[arg-type]
        return GiftCardRecord(*row) if row else None
