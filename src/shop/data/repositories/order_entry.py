"""Orders staff entered (``shop.application.ordering.entry``): the entry rows, the external ids
a group-buy import has seen, the zero-amount approval queue and its conditional decision."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.data.models import Order, OrderEntry, Product, Sku
from shop.data.repositories.batches import affected
from shop.data.repositories.ordering import OrderRecord
from shop.data.repositories.rows import append_rows, model_columns

_ORDER = model_columns(OrderRecord, Order)


@dataclass(frozen=True, slots=True)
class EntryRecord:
    order_id: int
    kind: str
    reason: str
    platform: str | None
    external_id: str | None
    decided_by: str | None
    decided_at: datetime | None


class OrderEntryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: dict[str, object]) -> None:
        """The entry row of an order just written (``OrderEntry`` columns)."""
        append_rows(self.session, OrderEntry, [row])

    def add_unless_taken(self, row: dict[str, object]) -> bool:
        """The entry row of a group-buy order; False (nothing added) when its (platform,
        external_id) has an order already: another import got there first."""
        try:
            with self.session.begin_nested():
                append_rows(self.session, OrderEntry, [row])
        except IntegrityError:
            return False
        return True

    def skus_by_code(self, codes: Iterable[str]) -> dict[str, int]:
        """SKU code -> id, for SKUs of published products (one query per 500 codes)."""
        wanted = sorted(codes)
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(Sku.code, Sku.id).join(Product, Product.id == Sku.product_id)
                .where(Sku.code.in_(wanted[start:start + 500]), Product.is_published))
            found.update({row.code: row.id for row in rows})
        return found

    def find(self, order_id: int) -> EntryRecord | None:
        row = self.session.get(OrderEntry, order_id)
        if row is None:
            return None
        return EntryRecord(row.order_id, row.kind, row.reason, row.platform, row.external_id,
                           row.decided_by, row.decided_at)

    def taken(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Which (platform, external_id) pairs have an order already: pair -> order number.
        One query per 500 pairs."""
        found: dict[tuple[str, str], str] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            rows = self.session.execute(
                select(OrderEntry.platform, OrderEntry.external_id, Order.number)
                .join(Order, Order.id == OrderEntry.order_id)
                .where(tuple_(OrderEntry.platform, OrderEntry.external_id).in_(chunk)))
            found.update({(r.platform, r.external_id): r.number for r in rows})
        return found

    def awaiting_approval(self, limit: int) -> list[tuple[OrderRecord, EntryRecord]]:
        """The zero-amount orders waiting for approval, oldest first (two queries' worth of
        rows in one: the order and its entry joined); one cancelled meanwhile waits no more."""
        rows = self.session.execute(
            select(*_ORDER, OrderEntry.kind, OrderEntry.reason, OrderEntry.platform,
                   OrderEntry.external_id, OrderEntry.decided_by, OrderEntry.decided_at)
            .join(OrderEntry, OrderEntry.order_id == Order.id)
            .where(Order.approval == "pending", Order.state.not_in(("cancelled", "closed")))
            .order_by(Order.placed_at, Order.id).limit(limit))
        width = len(_ORDER)
        return [(OrderRecord(*row[:width]), EntryRecord(row.id, *row[width:])) for row in rows]

    def decide(self, order_id: int, approval: str, by: str, now: datetime) -> bool:
        """Move a pending approval to ``approval``; False when it was decided meanwhile."""
        result = self.session.execute(
            update(Order).where(Order.id == order_id, Order.approval == "pending")
            .values(approval=approval, updated_at=now)
            .execution_options(synchronize_session=False))
        if affected(result) != 1:
            return False
        self.session.execute(
            update(OrderEntry).where(OrderEntry.order_id == order_id)
            .values(decided_by=by, decided_at=now)
            .execution_options(synchronize_session=False))
        return True
