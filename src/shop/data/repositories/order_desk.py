"""The back office's reading of orders (the order desk): every shopper's orders, filtered,
sorted and keyset-paged, and the staff's own marks on them (flags, notes, the review status).

A page is ``ORDER BY key DESC, id DESC LIMIT n`` with ``(key, id) < (:anchor_key, :anchor_id)``
for the next one, where key is ``placed_at`` or ``payable``: migration 0021's indexes yield rows
in exactly that order (alone, within a state, within the review queue, and the orders carrying
a flag by the flags' own copy of ``placed_at``), so a page costs the same on the first page as
on the 20,000th and at a million orders as at a hundred (``benchmarks/admin_orders.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, exists, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from shop.data.models import Order, OrderFlag, OrderNote
from shop.data.repositories.batches import affected
from shop.data.repositories.ordering import _ORDER, OrderRecord
from shop.data.repositories.rows import append_rows, insert_unless_taken

#: Sort name -> (column, descending).
SORTS: dict[str, tuple[Any, bool]] = {
    "newest": (Order.placed_at, True),
    "oldest": (Order.placed_at, False),
    "payable_desc": (Order.payable, True),
    "payable_asc": (Order.payable, False),
}


@dataclass(frozen=True)
class DeskQuery:
    """What the list is narrowed to; None or empty: not narrowed by that."""

    states: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    min_payable: Decimal | None = None
    max_payable: Decimal | None = None
    payment_method: str | None = None
    flag: str | None = None
    number: str | None = None
    mobile: str | None = None
    reviews: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FlagRecord:
    id: int
    order_id: int
    kind: str
    text: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NoteRecord:
    id: int
    author: str
    text: str
    created_at: datetime


def _placed_within(column: Any, query: DeskQuery) -> list[Any]:
    """The date range, on the order's ``placed_at`` or a flag's copy of it."""
    conditions = []
    if query.since is not None:
        conditions.append(column >= query.since)
    if query.until is not None:
        conditions.append(column < query.until)
    return conditions


def _first_of_kind() -> list[Any]:
    """An order carries several custom flags (one per text): join it once, by its first."""
    earlier = aliased(OrderFlag)
    return [~exists().where(earlier.order_id == OrderFlag.order_id,
                            earlier.kind == OrderFlag.kind, earlier.id < OrderFlag.id)]


class OrderDeskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def search(self, query: DeskQuery, sort: str, anchor: OrderRecord | None,
               limit: int) -> list[OrderRecord]:
        """Up to ``limit`` orders matching ``query`` in ``sort`` order, after ``anchor``.

        Filtered by a flag and sorted by time, the page walks the flags' (kind, placed_at)
        index and joins each order: probing every order for a flag that one in 500 carries
        took a quarter of a second at a million orders, this takes milliseconds."""
        column, descending = SORTS[sort]
        statement = select(*_ORDER).where(*self._conditions(query))
        keys: tuple[Any, Any] = (column, Order.id)
        if query.flag is not None and column is Order.placed_at:
            statement = statement.join(OrderFlag, (OrderFlag.order_id == Order.id)
                                       & (OrderFlag.kind == query.flag)).where(
                *(_first_of_kind() if query.flag == "custom" else ()),
                *_placed_within(OrderFlag.order_placed_at, query))
            keys = (OrderFlag.order_placed_at, OrderFlag.order_id)
        elif query.flag is not None:
            statement = statement.where(exists().where(OrderFlag.order_id == Order.id,
                                                       OrderFlag.kind == query.flag))
        if anchor is not None:
            key = (anchor.placed_at if column is Order.placed_at else anchor.payable, anchor.id)
            row = tuple_(*keys)
            statement = statement.where(row < tuple_(*key) if descending else row > tuple_(*key))
        order = [k.desc() if descending else k.asc() for k in keys]
        rows = self.session.execute(statement.order_by(*order).limit(limit))
        return [OrderRecord(*row) for row in rows]

    def _conditions(self, query: DeskQuery) -> list[Any]:
        conditions: list[Any] = []
        if query.states:
            conditions.append(Order.state.in_(query.states))
        conditions += _placed_within(Order.placed_at, query)
        if query.min_payable is not None:
            conditions.append(Order.payable >= query.min_payable)
        if query.max_payable is not None:
            conditions.append(Order.payable <= query.max_payable)
        if query.payment_method is not None:
            conditions.append(Order.payment_method == query.payment_method)
        if query.number is not None:
            conditions.append(Order.number == query.number)
        if query.mobile is not None:
            conditions.append(Order.mobile == query.mobile)
        if query.reviews:
            conditions.append(Order.review.in_(query.reviews))
        return conditions

    # -- flags -------------------------------------------------------------------------------

    def flags(self, order_ids: Sequence[int]) -> dict[int, list[FlagRecord]]:
        """The flags of several orders in one query, oldest first on each."""
        found: dict[int, list[FlagRecord]] = {order_id: [] for order_id in order_ids}
        if not order_ids:
            return found
        rows = self.session.execute(
            select(OrderFlag.id, OrderFlag.order_id, OrderFlag.kind, OrderFlag.text,
                   OrderFlag.created_by, OrderFlag.created_at)
            .where(OrderFlag.order_id.in_(order_ids)).order_by(OrderFlag.id))
        for row in rows:
            found[row.order_id].append(FlagRecord(*row))
        return found

    def add_flag(self, order: OrderRecord, kind: str, text: str, by: str) -> int | None:
        """The new flag's id; None (nothing added) when the order carries it already."""
        return insert_unless_taken(self.session, OrderFlag, {
            "order_id": order.id, "order_placed_at": order.placed_at, "kind": kind,
            "text": text, "created_by": by}, ("order_id", "kind", "text"))

    def remove_flag(self, order_id: int, flag_id: int) -> FlagRecord | None:
        """Take the flag off the order; the flag as it was, None when it was not there."""
        found = self.flags([order_id])[order_id]
        flag = next((f for f in found if f.id == flag_id), None)
        if flag is not None:
            self.session.execute(delete(OrderFlag).where(OrderFlag.id == flag_id,
                                                         OrderFlag.order_id == order_id))
        return flag

    # -- notes -------------------------------------------------------------------------------

    def notes(self, order_id: int) -> list[NoteRecord]:
        rows = self.session.execute(
            select(OrderNote.id, OrderNote.author, OrderNote.text, OrderNote.created_at)
            .where(OrderNote.order_id == order_id).order_by(OrderNote.id))
        return [NoteRecord(*row) for row in rows]

    def add_note(self, order_id: int, author: str, text: str) -> None:
        append_rows(self.session, OrderNote, [{"order_id": order_id, "author": author,
                                               "text": text}])

    # -- review ------------------------------------------------------------------------------

    def set_review(self, order_id: int, from_reviews: Iterable[str | None],
                   to_review: str | None, now: datetime) -> bool:
        """Set the order's review status when it is one of ``from_reviews``; False otherwise
        (another reviewer, or the rules, got there first)."""
        allowed = [r for r in from_reviews if r is not None]
        condition = Order.review.in_(allowed)
        if None in from_reviews:
            condition = condition | Order.review.is_(None)
        result = self.session.execute(
            update(Order).where(Order.id == order_id, condition)
            .values(review=to_review, updated_at=now)
            .execution_options(synchronize_session=False))
        return affected(result) == 1
