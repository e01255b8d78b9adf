"""After-sales requests, their lines and steps; return policies; suggestions and complaints.

Every shopper-facing read names the customer, so another's request number is simply not found.
A state change is ``UPDATE … WHERE id = :id AND state = :from`` and reports whether it changed
the row: of two staff (or one double click) moving one request, exactly one does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shop.data.models import (
    Category,
    Order,
    OrderLine,
    OrderTransition,
    Product,
    ReturnPolicy,
    RmaLine,
    RmaPhoto,
    RmaRequest,
    RmaTransition,
    ServiceTicket,
)
from shop.data.repositories.batches import affected
from shop.data.repositories.rows import append_rows, insert_unless_taken, model_columns

#: States in which a request still counts against its lines' quantities.
SPENT_STATES = ("requested", "approved", "received", "refunded", "replaced")


@dataclass(frozen=True, slots=True)
class RmaRecord:
    id: int
    number: str
    order_id: int
    customer_id: int
    kind: str
    state: str
    reason: str
    description: str
    staff_message: str
    disposition: str
    refund_total: Decimal
    replacement_carrier: str
    replacement_tracking: str
    replacement_order_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RmaLineRecord:
    id: int
    rma_id: int
    order_line_id: int
    quantity: int
    refund_amount: Decimal


@dataclass(frozen=True, slots=True)
class ReturnableLine:
    """An order line as the after-sales desk needs it."""

    id: int
    order_id: int
    sku_id: int
    sku_code: str
    name_zh: str
    name_en: str
    variant_zh: str
    variant_en: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal
    discount_share: Decimal
    category_id: int
    #: The category's ancestors from the root down, itself included ("/1/5/12/").
    category_path: str


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    from_state: str
    to_state: str
    actor: str
    note: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class PhotoRecord:
    rma_id: int
    file_name: str
    content_type: str


@dataclass(frozen=True, slots=True)
class TicketRecord:
    id: int
    customer_id: int
    kind: str
    state: str
    subject: str
    body: str
    answer: str
    answered_by: str
    created_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    category_id: int
    no_reason_days: int
    return_days: int


_RMA = model_columns(RmaRecord, RmaRequest)
_RMA_LINE = model_columns(RmaLineRecord, RmaLine)
_TICKET = model_columns(TicketRecord, ServiceTicket)


class RmaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Writes that stand or fall together: an exception undoes them, and only them."""
        with self.session.begin_nested():
            yield

    # -- orders, as the desk reads them --------------------------------------------------------

    def order_lines(self, order_ids: Sequence[int]) -> dict[int, list[ReturnableLine]]:
        """The lines of orders with each product's category and its ancestors: one query."""
        found: dict[int, list[ReturnableLine]] = {order_id: [] for order_id in order_ids}
        rows = self.session.execute(
            select(OrderLine.id, OrderLine.order_id, OrderLine.sku_id, OrderLine.sku_code,
                   OrderLine.name_zh, OrderLine.name_en, OrderLine.variant_zh,
                   OrderLine.variant_en, OrderLine.unit_price, OrderLine.quantity,
                   OrderLine.line_total, OrderLine.discount_share, Product.category_id,
                   Category.path)
            .join(Product, Product.id == OrderLine.product_id)
            .join(Category, Category.id == Product.category_id)
            .where(OrderLine.order_id.in_(order_ids))
            .order_by(OrderLine.order_id, OrderLine.position))
        for row in rows:
            found[row.order_id].append(ReturnableLine(*row))
        return found

    def delivered_at(self, order_id: int) -> datetime | None:
        """When the order reached ``delivered`` (or ``completed``, when the shopper confirmed
        receipt before the carrier said so): the return clock starts there."""
        return self.session.scalar(
            select(func.min(OrderTransition.occurred_at))
            .where(OrderTransition.order_id == order_id,
                   OrderTransition.to_state.in_(("delivered", "completed"))))

    def spent_quantities(self, order_id: int) -> dict[int, int]:
        """Per order line, the units already in requests that still count."""
        rows = self.session.execute(
            select(RmaLine.order_line_id, func.sum(RmaLine.quantity))
            .join(RmaRequest, RmaRequest.id == RmaLine.rma_id)
            .where(RmaRequest.order_id == order_id, RmaRequest.state.in_(SPENT_STATES))
            .group_by(RmaLine.order_line_id))
        return {line_id: int(quantity) for line_id, quantity in rows}

    def refunded_quantities(self, order_id: int, exclude_rma_id: int) -> dict[int, int]:
        """Per order line, the units refunded by the order's other requests."""
        rows = self.session.execute(
            select(RmaLine.order_line_id, func.sum(RmaLine.quantity))
            .join(RmaRequest, RmaRequest.id == RmaLine.rma_id)
            .where(RmaRequest.order_id == order_id, RmaRequest.id != exclude_rma_id,
                   RmaRequest.state == "refunded", RmaRequest.kind != "exchange")
            .group_by(RmaLine.order_line_id))
        return {line_id: int(quantity) for line_id, quantity in rows}

    # -- policies ------------------------------------------------------------------------------

    def policies(self, category_ids: Iterable[int]) -> dict[int, PolicyRecord]:
        rows = self.session.execute(select(*model_columns(PolicyRecord, ReturnPolicy))
                                    .where(ReturnPolicy.category_id.in_(sorted(set(category_ids)))))
        return {row.category_id: PolicyRecord(*row) for row in rows}

    def all_policies(self) -> list[tuple[PolicyRecord, str, str]]:
        rows = self.session.execute(
            select(*model_columns(PolicyRecord, ReturnPolicy), Category.name_zh, Category.name_en)
            .join(Category, Category.id == ReturnPolicy.category_id)
            .order_by(Category.id))
        return [(PolicyRecord(*row[:3]), row[3], row[4]) for row in rows]

    def categories(self) -> list[tuple[int, str, str]]:
        """(id, name_zh, name_en) of every category, in tree order: the policy form's choice."""
        rows = self.session.execute(select(Category.id, Category.name_zh, Category.name_en)
                                    .order_by(Category.path))
        return [(row[0], row[1], row[2]) for row in rows]

    def category_exists(self, category_id: int) -> bool:
        return self.session.get(Category, category_id) is not None

    def save_policy(self, category_id: int, no_reason_days: int, return_days: int) -> None:
        found = self.session.get(ReturnPolicy, category_id)
        if found is None:
            self.session.add(ReturnPolicy(category_id=category_id,
                                          no_reason_days=no_reason_days,
                                          return_days=return_days))
        else:
            found.no_reason_days = no_reason_days
            found.return_days = return_days
        self.session.flush()  # the audit entry and a re-read in the same request see it

    def delete_policy(self, category_id: int) -> bool:
        found = self.session.get(ReturnPolicy, category_id)
        if found is None:
            return False
        self.session.delete(found)
        self.session.flush()
        return True

    # -- requests ------------------------------------------------------------------------------

    def insert(self, header: dict[str, Any]) -> int | None:
        """Add a request; its id, or None when its number is taken (draw another)."""
        return insert_unless_taken(self.session, RmaRequest, header, "number")

    def add_parts(self, lines: Sequence[dict[str, Any]],
                  photos: Sequence[dict[str, Any]]) -> None:
        append_rows(self.session, RmaLine, lines)
        append_rows(self.session, RmaPhoto, photos)

    def find(self, number: str, customer_id: int | None = None) -> RmaRecord | None:
        statement = select(*_RMA).where(RmaRequest.number == number)
        if customer_id is not None:
            statement = statement.where(RmaRequest.customer_id == customer_id)
        row = self.session.execute(statement).first()
        return RmaRecord(*row) if row else None

    def page(self, *, customer_id: int | None = None, states: Sequence[str] = (),
             kinds: Sequence[str] = (), order_id: int | None = None,
             before_id: int | None = None, limit: int = 30,
             oldest_first: bool = False) -> list[RmaRecord]:
        """Newest first, older than ``before_id`` (keyset); or oldest first, newer than it."""
        statement = select(*_RMA)
        if customer_id is not None:
            statement = statement.where(RmaRequest.customer_id == customer_id)
        if states:
            statement = statement.where(RmaRequest.state.in_(states))
        if kinds:
            statement = statement.where(RmaRequest.kind.in_(kinds))
        if order_id is not None:
            statement = statement.where(RmaRequest.order_id == order_id)
        if before_id is not None:
            statement = statement.where(RmaRequest.id > before_id if oldest_first
                                        else RmaRequest.id < before_id)
        order = RmaRequest.id.asc() if oldest_first else RmaRequest.id.desc()
        rows = self.session.execute(statement.order_by(order).limit(limit))
        return [RmaRecord(*row) for row in rows]

    def order_numbers(self, order_ids: Iterable[int]) -> dict[int, str]:
        rows = self.session.execute(select(Order.id, Order.number)
                                    .where(Order.id.in_(sorted(set(order_ids)))))
        return {order_id: number for order_id, number in rows}

    def lines(self, rma_ids: Sequence[int]) -> dict[int, list[RmaLineRecord]]:
        found: dict[int, list[RmaLineRecord]] = {rma_id: [] for rma_id in rma_ids}
        rows = self.session.execute(select(*_RMA_LINE).where(RmaLine.rma_id.in_(rma_ids))
                                    .order_by(RmaLine.rma_id, RmaLine.id))
        for row in rows:
            found[row.rma_id].append(RmaLineRecord(*row))
        return found

    def photos(self, rma_ids: Sequence[int]) -> dict[int, list[PhotoRecord]]:
        found: dict[int, list[PhotoRecord]] = {rma_id: [] for rma_id in rma_ids}
        rows = self.session.execute(select(*model_columns(PhotoRecord, RmaPhoto))
                                    .where(RmaPhoto.rma_id.in_(rma_ids)).order_by(RmaPhoto.id))
        for row in rows:
            found[row.rma_id].append(PhotoRecord(*row))
        return found

    def transitions(self, rma_id: int) -> list[TransitionRecord]:
        rows = self.session.execute(select(*model_columns(TransitionRecord, RmaTransition))
                                    .where(RmaTransition.rma_id == rma_id)
                                    .order_by(RmaTransition.id))
        return [TransitionRecord(*row) for row in rows]

    def move(self, rma_id: int, from_state: str, to_state: str, now: datetime,
             values: Mapping[str, Any] | None = None) -> bool:
        """Move the request from ``from_state``; False (nothing changed) when it is no longer
        there: the one guard against doing a step twice."""
        result = self.session.execute(
            update(RmaRequest).where(RmaRequest.id == rma_id, RmaRequest.state == from_state)
            .values(state=to_state, updated_at=now, **(values or {}))
            .execution_options(synchronize_session=False))
        return affected(result) == 1

    def link_replacement(self, rma_id: int, order_id: int) -> None:
        """The order that carries the request's replacement (once, with ``replaced``)."""
        self.session.execute(
            update(RmaRequest).where(RmaRequest.id == rma_id,
                                     RmaRequest.replacement_order_id.is_(None))
            .values(replacement_order_id=order_id)
            .execution_options(synchronize_session=False))

    def log(self, rma_id: int, from_state: str, to_state: str, actor: str, note: str) -> None:
        append_rows(self.session, RmaTransition, [
            {"rma_id": rma_id, "from_state": from_state, "to_state": to_state,
             "actor": actor, "note": note[:500]}])

    def set_line_refunds(self, amounts: Mapping[int, Decimal]) -> None:
        for line_id, amount in amounts.items():
            self.session.execute(update(RmaLine).where(RmaLine.id == line_id)
                                 .values(refund_amount=amount)
                                 .execution_options(synchronize_session=False))

    # -- suggestions and complaints ------------------------------------------------------------

    def add_ticket(self, row: dict[str, Any]) -> int:
        ticket = ServiceTicket(**row)
        self.session.add(ticket)
        self.session.flush()  # its id, for the audit entry and the shopper's page
        return ticket.id

    def ticket(self, ticket_id: int, customer_id: int | None = None) -> TicketRecord | None:
        statement = select(*_TICKET).where(ServiceTicket.id == ticket_id)
        if customer_id is not None:
            statement = statement.where(ServiceTicket.customer_id == customer_id)
        row = self.session.execute(statement).first()
        return TicketRecord(*row) if row else None

    def tickets(self, *, customer_id: int | None = None, state: str | None = None,
                limit: int = 50) -> list[TicketRecord]:
        statement = select(*_TICKET)
        if customer_id is not None:
            statement = statement.where(ServiceTicket.customer_id == customer_id)
        if state:
            statement = statement.where(ServiceTicket.state == state)
        rows = self.session.execute(statement.order_by(ServiceTicket.id.desc()).limit(limit))
        return [TicketRecord(*row) for row in rows]

    def answer_ticket(self, ticket_id: int, answer: str, actor: str, now: datetime) -> bool:
        """Answer an open ticket; False when it was answered meanwhile."""
        result = self.session.execute(
            update(ServiceTicket).where(ServiceTicket.id == ticket_id,
                                        ServiceTicket.state == "open")
            .values(state="answered", answer=answer, answered_by=actor, answered_at=now)
            .execution_options(synchronize_session=False))
        return affected(result) == 1
