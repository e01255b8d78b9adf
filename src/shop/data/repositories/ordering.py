"""Orders: written whole once, then moved from state to state by conditional updates.

Every shopper-facing read names the customer, so another's order number is simply not found.
A state change is ``UPDATE … WHERE id = :id AND state IN (:allowed)`` and reports whether it
changed the row: of two writers racing to move one order, exactly one does, on PostgreSQL (the
loser re-checks the condition on the row it waited for) as on SQLite (one writer at a time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from shop.data.models import Order, OrderInvoice, OrderLine, OrderTransition
from shop.data.repositories.batches import affected
from shop.data.repositories.rows import append_rows, insert_unless_taken, model_columns


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: int
    number: str
    customer_id: int
    state: str
    placed_at: datetime
    pay_by: datetime | None
    payment_method: str
    items_total: Decimal
    discount_total: Decimal
    shipping_fee: Decimal
    covered_total: Decimal
    payable: Decimal
    weight_grams: int
    shipping_method_code: str
    shipping_method_name: str
    recipient: str
    mobile: str
    province_code: str
    city_code: str
    district_code: str | None
    street: str
    postcode: str | None
    remarks: str
    #: The staff review (``shop.application.ordering.review``); None: never subject to one.
    review: str | None = None
    #: Where it came from, who entered it for the shopper, a zero-amount order's approval
    #: (``shop.application.ordering.entry``).
    channel: str = "web"
    entered_by: str | None = None
    approval: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLineRecord:
    order_id: int
    sku_id: int
    sku_code: str
    product_slug: str
    name_zh: str
    name_en: str
    variant_zh: str
    variant_en: str
    image_url: str | None
    unit_price: Decimal
    quantity: int
    line_total: Decimal
    discount_share: Decimal
    reserves_stock: bool


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    kind: str
    title_kind: str
    title: str
    tax_code: str
    bank_name: str
    bank_account: str
    company_address: str
    company_phone: str


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    from_state: str
    to_state: str
    actor: str
    note: str
    occurred_at: datetime


_ORDER = model_columns(OrderRecord, Order)
_LINE = model_columns(OrderLineRecord, OrderLine)


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Writes that stand or fall together: an exception undoes them, and only them."""
        with self.session.begin_nested():
            yield

    # -- placing -----------------------------------------------------------------------------

    def has_kept_order(self, customer_id: int) -> bool:
        """Whether the shopper has an order that was not cancelled or closed unpaid (one
        probe of ``ix_shop_order_customer_id``)."""
        return self.session.scalar(
            select(Order.id).where(Order.customer_id == customer_id,
                                   Order.state.not_in(("cancelled", "closed"))).limit(1)) \
            is not None

    def standing(self, customer_id: int, since: datetime) -> tuple[bool, Decimal]:
        """Whether the shopper has an order that was not cancelled or closed unpaid, and what
        their orders placed since ``since`` that were paid and not called off came to: one
        pass over the shopper's orders (``ix_shop_order_customer_id``)."""
        kept = Order.state.not_in(("cancelled", "closed"))
        # Cash on delivery is paid when it is delivered; online, from ``paid`` on.
        paid = or_(Order.state.in_(("delivered", "completed")),
                   (Order.payment_method == "online")
                   & Order.state.in_(("paid", "awaiting_shipment", "shipped")))
        row = self.session.execute(
            select(func.count(Order.id).filter(kept),
                   func.coalesce(func.sum(Order.payable).filter(paid & (Order.placed_at >= since)),
                                 0))
            .where(Order.customer_id == customer_id)).one()
        return row[0] > 0, Decimal(row[1]).quantize(Decimal("0.01"))

    def number_for_key(self, customer_id: int, idempotency_key: str) -> str | None:
        """The order a checkout form with this key already placed, if any."""
        return self.session.scalar(select(Order.number).where(
            Order.customer_id == customer_id, Order.idempotency_key == idempotency_key))

    def insert(self, header: dict[str, Any]) -> int | None:
        """Add the order's header (``Order`` columns); its id, or None (nothing added) when its
        number is taken. A taken idempotency key still raises: that is a second submission."""
        return insert_unless_taken(self.session, Order, header, "number")

    def add_parts(self, lines: Sequence[dict[str, Any]], invoice: dict[str, Any] | None) -> None:
        """The order's lines and its invoice request (``OrderLine``, ``OrderInvoice`` columns)."""
        append_rows(self.session, OrderLine, lines)
        if invoice is not None:
            append_rows(self.session, OrderInvoice, [invoice])

    # -- reading -----------------------------------------------------------------------------

    def find(self, number: str, customer_id: int | None = None, *,
             lock: bool = False) -> OrderRecord | None:
        """The order ``number``; only among ``customer_id``'s orders when given. ``lock``
        holds its row until the transaction ends (PostgreSQL): the payments of one order are
        settled one at a time."""
        statement = select(*_ORDER).where(Order.number == number)
        if customer_id is not None:
            statement = statement.where(Order.customer_id == customer_id)
        if lock:
            statement = statement.with_for_update(of=Order)
        row = self.session.execute(statement).first()
        return OrderRecord(*row) if row else None

    def page(self, customer_id: int, states: Sequence[str], before_id: int | None,
             limit: int) -> list[OrderRecord]:
        """Newest first, ``limit`` at most, older than ``before_id`` (keyset: the cost of a
        page does not grow with the number of orders)."""
        statement = select(*_ORDER).where(Order.customer_id == customer_id)
        if states:
            statement = statement.where(Order.state.in_(states))
        if before_id is not None:
            statement = statement.where(Order.id < before_id)
        rows = self.session.execute(statement.order_by(Order.id.desc()).limit(limit))
        return [OrderRecord(*row) for row in rows]

    def find_by_id(self, order_id: int) -> OrderRecord | None:
        row = self.session.execute(select(*_ORDER).where(Order.id == order_id)).first()
        return OrderRecord(*row) if row else None

    def lines(self, order_ids: Sequence[int]) -> dict[int, list[OrderLineRecord]]:
        """The lines of several orders in one query, in their order on each."""
        found: dict[int, list[OrderLineRecord]] = {order_id: [] for order_id in order_ids}
        rows = self.session.execute(select(*_LINE).where(OrderLine.order_id.in_(order_ids))
                                    .order_by(OrderLine.order_id, OrderLine.position))
        for row in rows:
            found[row.order_id].append(OrderLineRecord(*row))
        return found

    def counts(self, customer_id: int) -> dict[str, int]:
        """How many orders the customer has in each state: one grouped query on the index."""
        rows = self.session.execute(select(Order.state, func.count())
                                    .where(Order.customer_id == customer_id)
                                    .group_by(Order.state))
        return {state: count for state, count in rows}

    def invoice(self, order_id: int) -> InvoiceRecord | None:
        row = self.session.execute(select(*model_columns(InvoiceRecord, OrderInvoice))
                                   .where(OrderInvoice.order_id == order_id)).first()
        return InvoiceRecord(*row) if row else None

    def transitions(self, order_id: int) -> list[TransitionRecord]:
        rows = self.session.execute(select(*model_columns(TransitionRecord, OrderTransition))
                                    .where(OrderTransition.order_id == order_id)
                                    .order_by(OrderTransition.id))
        return [TransitionRecord(*row) for row in rows]

    def due_to_close(self, now: datetime, limit: int) -> list[str]:
        """Numbers of unpaid orders whose time to pay has run out, oldest deadline first."""
        return list(self.session.scalars(
            select(Order.number).where(Order.state == "awaiting_payment", Order.pay_by <= now)
            .order_by(Order.pay_by).limit(limit)))

    # -- changing ----------------------------------------------------------------------------

    def move(self, order_id: int, from_state: str, to_state: str, now: datetime) -> bool:
        """Move the order from ``from_state`` to ``to_state``; False (nothing changed) when it
        is no longer in ``from_state``."""
        result = self.session.execute(
            update(Order).where(Order.id == order_id, Order.state == from_state)
            .values(state=to_state, updated_at=now)
            .execution_options(synchronize_session=False))
        return affected(result) == 1

    def log(self, order_id: int, from_state: str, to_state: str, actor: str,
            note: str = "") -> None:
        append_rows(self.session, OrderTransition, [
            {"order_id": order_id, "from_state": from_state, "to_state": to_state,
             "actor": actor, "note": note}])

    def change(self, order_id: int, states: Iterable[str], values: Mapping[str, Any],
               now: datetime) -> bool:
        """Change delivery details while the order is in one of ``states``; False otherwise."""
        result = self.session.execute(
            update(Order).where(Order.id == order_id, Order.state.in_(sorted(states)))
            .values(**values, updated_at=now).execution_options(synchronize_session=False))
        return affected(result) == 1
