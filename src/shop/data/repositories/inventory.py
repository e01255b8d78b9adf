"""Stock levels, reservations and the movement log: every change is one conditional UPDATE.

Each ``UPDATE`` states in its ``WHERE`` what must hold for the change to be allowed (enough
available, enough reserved, the reservation still active) and reports whether it changed its
row. Two writers racing for the last unit both run the statement; the database lets one
change the row and the other's condition then fails (PostgreSQL re-checks it on the row it
waited for, SQLite writes one transaction at a time). Nothing is read first and decided in
Python, so there is no gap between the check and the write on either database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from shop.data.models import (
    Sku,
    StockLevel,
    StockMovement,
    StockReservation,
    StockShortfall,
    Warehouse,
)
from shop.data.repositories.rows import append_rows


@dataclass(frozen=True, slots=True)
class LevelRecord:
    sku_id: int
    code: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class ReservationRecord:
    id: int
    sku_id: int
    warehouse_id: int
    quantity: int


class InventoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Changes that stand or fall together: an exception undoes them, and only them."""
        with self.session.begin_nested():
            yield

    def default_warehouse_id(self) -> int:
        found = self.session.scalar(select(Warehouse.id).where(Warehouse.is_default.is_(True))
                                    .order_by(Warehouse.id).limit(1))
        if found is None:
            raise LookupError("no default warehouse: run the database migrations")
        return found

    def sku_ids_by_code(self, codes: Sequence[str]) -> dict[str, int]:
        rows = self.session.execute(select(Sku.code, Sku.id).where(Sku.code.in_(codes)))
        return {code: sku_id for code, sku_id in rows}

    def levels(self, sku_ids: Iterable[int], warehouse_id: int | None = None,
               ) -> dict[int, LevelRecord]:
        """Each SKU's numbers, summed over the warehouses (or in one); a SKU without stock
        anywhere has no entry."""
        statement = (select(StockLevel.sku_id, Sku.code, func.sum(StockLevel.on_hand),
                            func.sum(StockLevel.reserved))
                     .join(Sku, Sku.id == StockLevel.sku_id)
                     .where(StockLevel.sku_id.in_(list(sku_ids)))
                     .group_by(StockLevel.sku_id, Sku.code))
        if warehouse_id is not None:
            statement = statement.where(StockLevel.warehouse_id == warehouse_id)
        return {sku_id: LevelRecord(sku_id, code, int(on_hand), int(reserved))
                for sku_id, code, on_hand, reserved in self.session.execute(statement)}

    def open_levels(self, warehouse_id: int, on_hand: Mapping[int, int]) -> None:
        """The first stock level of new SKUs."""
        self.session.add_all(StockLevel(sku_id=sku_id, warehouse_id=warehouse_id,
                                        on_hand=quantity, reserved=0)
                             for sku_id, quantity in on_hand.items())
        # Flushed now so that the conditional UPDATEs that follow find the rows.
        self.session.flush()

    # -- the conditional updates -------------------------------------------------------------

    def _change(self, sku_id: int, warehouse_id: int, condition: ColumnElement[bool],
                **values: object) -> bool:
        result = self.session.execute(
            update(StockLevel)
            .where(StockLevel.sku_id == sku_id, StockLevel.warehouse_id == warehouse_id,
                   condition)
            .values(**values)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def reserve(self, sku_id: int, warehouse_id: int, quantity: int) -> bool:
        """Promise ``quantity`` more; False (nothing changed) when fewer are available."""
        return self._change(sku_id, warehouse_id,
                            StockLevel.on_hand - StockLevel.reserved >= quantity,
                            reserved=StockLevel.reserved + quantity)

    def unreserve(self, sku_id: int, warehouse_id: int, quantity: int) -> bool:
        """Give back a promise: available again."""
        return self._change(sku_id, warehouse_id, StockLevel.reserved >= quantity,
                            reserved=StockLevel.reserved - quantity)

    def deduct(self, sku_id: int, warehouse_id: int, quantity: int) -> bool:
        """A promise kept: the units leave, on hand and reserved both go down."""
        return self._change(sku_id, warehouse_id, StockLevel.reserved >= quantity,
                            on_hand=StockLevel.on_hand - quantity,
                            reserved=StockLevel.reserved - quantity)

    def take(self, sku_id: int, warehouse_id: int, quantity: int) -> bool:
        """Units leave without a reservation: False when fewer are available."""
        return self._change(sku_id, warehouse_id,
                            StockLevel.on_hand - StockLevel.reserved >= quantity,
                            on_hand=StockLevel.on_hand - quantity)

    def lock_levels(self, sku_ids: Sequence[int], warehouse_id: int) -> dict[int, int]:
        """Lock the SKUs' levels in the warehouse, in the order given (callers sort by id), until
        commit; what is available of each (SQLite has one writer: no lock needed)."""
        rows = self.session.execute(
            select(StockLevel.sku_id, StockLevel.on_hand - StockLevel.reserved)
            .where(StockLevel.sku_id.in_(sku_ids), StockLevel.warehouse_id == warehouse_id)
            .order_by(StockLevel.sku_id).with_for_update())
        return {sku_id: int(available) for sku_id, available in rows}

    def record_shortfalls(self, owner_kind: str, owner_ref: str, warehouse_id: int,
                          short: Mapping[int, int]) -> None:
        self.session.add_all(StockShortfall(sku_id=sku_id, warehouse_id=warehouse_id,
                                            owner_kind=owner_kind, owner_ref=owner_ref,
                                            quantity=quantity)
                             for sku_id, quantity in short.items())

    def shortfalls(self, owner_kind: str, owner_ref: str) -> dict[int, int]:
        """What an owner was sold beyond the stock, per SKU."""
        found: dict[int, int] = {}
        for sku_id, quantity in self.session.execute(
                select(StockShortfall.sku_id, StockShortfall.quantity).where(
                    StockShortfall.owner_kind == owner_kind,
                    StockShortfall.owner_ref == owner_ref)):
            found[sku_id] = found.get(sku_id, 0) + quantity
        return found

    def adjust(self, sku_id: int, warehouse_id: int, delta: int) -> bool:
        """Count ``delta`` more (or fewer) on hand; False when that would go below what is
        reserved (or below zero)."""
        return self._change(sku_id, warehouse_id, StockLevel.on_hand + delta >= StockLevel.reserved,
                            on_hand=StockLevel.on_hand + delta)

    # -- reservations ------------------------------------------------------------------------

    def has_active(self, owner_kind: str, owner_ref: str) -> bool:
        return self.session.scalar(
            select(StockReservation.id).where(
                StockReservation.owner_kind == owner_kind,
                StockReservation.owner_ref == owner_ref,
                StockReservation.state == "active").limit(1)) is not None

    def add_reservations(self, owner_kind: str, owner_ref: str, warehouse_id: int,
                         quantities: Mapping[int, int], expires_at: datetime) -> None:
        append_rows(self.session, StockReservation, [
            {"owner_kind": owner_kind, "owner_ref": owner_ref, "sku_id": sku_id,
             "warehouse_id": warehouse_id, "quantity": quantity, "state": "active",
             "expires_at": expires_at} for sku_id, quantity in quantities.items()])

    def active_reservations(self, owner_kind: str, owner_ref: str) -> list[ReservationRecord]:
        """The owner's active reservations in SKU order: the order every writer locks in."""
        # Flushed so that reservations added in this transaction are found.
        self.session.flush()
        rows = self.session.execute(
            select(StockReservation.id, StockReservation.sku_id, StockReservation.warehouse_id,
                   StockReservation.quantity)
            .where(StockReservation.owner_kind == owner_kind,
                   StockReservation.owner_ref == owner_ref,
                   StockReservation.state == "active")
            .order_by(StockReservation.sku_id, StockReservation.warehouse_id,
                      StockReservation.id))
        return [ReservationRecord(*row) for row in rows]

    def close_reservation(self, reservation_id: int, state: str) -> bool:
        """Move an active reservation to ``state``; False when it was no longer active (a
        second release, or a deduction that came first)."""
        result = self.session.execute(
            update(StockReservation)
            .where(StockReservation.id == reservation_id, StockReservation.state == "active")
            .values(state=state)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    # -- the log -----------------------------------------------------------------------------

    def log(self, movements: Sequence[dict[str, object]]) -> None:
        """Append to the movement log (``StockMovement`` columns); nothing in the shop updates
        or deletes a movement."""
        append_rows(self.session, StockMovement, movements)
