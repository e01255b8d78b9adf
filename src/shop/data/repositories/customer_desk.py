"""The back office's reading of customers (the customer desk): every account, filtered, sorted
by registration and keyset-paged, with what the shopper's orders come to.

A page is ``ORDER BY created_at DESC, id DESC LIMIT n`` with ``(created_at, id) < (:at, :id)``
for the next one: migration 0024's ``ix_customer_created_at_id`` yields rows in exactly that
order, so a page costs the same on the first page as on the 2,000th. An exact email or mobile
is a unique column (its own index); a name prefix reads ``ix_customer_name``.

Member levels are not stored (``shop.application.accounts.levels``: what the last year's paid
orders come to), so the level filter asks, for each customer the page scans, what their orders
since ``since`` came to (``ix_shop_order_customer_id``): cheap for the common levels, dearer the
rarer the level asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session

from shop.data.models import Address, Customer, Order

#: Orders that were not called off (cancelled, or closed unpaid).
_KEPT = Order.state.not_in(("cancelled", "closed"))
#: Orders paid and not called off (as ``OrderRepository.standing`` counts them): cash on
#: delivery is paid when it is delivered; online, from ``paid`` on.
_PAID = or_(Order.state.in_(("delivered", "completed")),
            (Order.payment_method == "online")
            & Order.state.in_(("paid", "awaiting_shipment", "shipped")))


@dataclass(frozen=True)
class CustomerQuery:
    """What the list is narrowed to; None: not narrowed by that."""

    email: str | None = None
    mobile: str | None = None
    name_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    has_ordered: bool | None = None
    #: Spending since ``spend_since`` at least ``min_spend_fen`` and below ``below_spend_fen``
    #: (whole fen: sums of integers are exact on SQLite too, where NUMERIC is a float).
    spend_since: datetime | None = None
    min_spend_fen: int | None = None
    below_spend_fen: int | None = None


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    id: int
    username: str | None
    email: str | None
    mobile: str | None
    name: str
    gender: str | None
    birthday: Any
    is_active: bool
    email_verified_at: datetime | None
    mobile_verified_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CustomerStats:
    """What a customer's orders come to: all orders placed, those kept, what the paid ones
    came to in all and since the level window began."""

    orders: int = 0
    kept: int = 0
    spent: Decimal = Decimal("0.00")
    spent_since: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class RecentOrder:
    number: str
    placed_at: datetime
    state: str
    payable: Decimal


_CUSTOMER = (Customer.id, Customer.username, Customer.email, Customer.mobile, Customer.name,
             Customer.gender, Customer.birthday, Customer.is_active, Customer.email_verified_at,
             Customer.mobile_verified_at, Customer.created_at)
_CENTS = Decimal("0.01")
#: An order's payable in whole fen. SQLite keeps NUMERIC as a float, so summing yuan there
#: gives 0.1 + 0.2 + 0.7 = 0.9999999999999999; summing these integers is exact on both.
_FEN = cast(func.round(Order.payable * 100), BigInteger)


def _yuan(fen: Any) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(_CENTS)


class CustomerDeskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, customer_id: int) -> CustomerRecord | None:
        row = self.session.execute(select(*_CUSTOMER).where(Customer.id == customer_id)).first()
        return CustomerRecord(*row) if row is not None else None

    def search(self, query: CustomerQuery, newest_first: bool, anchor: CustomerRecord | None,
               limit: int) -> list[CustomerRecord]:
        """Up to ``limit`` customers matching ``query`` by registration, after ``anchor``."""
        statement = select(*_CUSTOMER).where(*self._conditions(query))
        if anchor is not None:
            row = tuple_(Customer.created_at, Customer.id)
            key = tuple_(anchor.created_at, anchor.id)
            statement = statement.where(row < key if newest_first else row > key)
        order = ((Customer.created_at.desc(), Customer.id.desc()) if newest_first
                 else (Customer.created_at.asc(), Customer.id.asc()))
        rows = self.session.execute(statement.order_by(*order).limit(limit))
        return [CustomerRecord(*row) for row in rows]

    def _conditions(self, query: CustomerQuery) -> list[Any]:
        conditions: list[Any] = []
        if query.email is not None:
            conditions.append(Customer.email == query.email)
        if query.mobile is not None:
            conditions.append(Customer.mobile == query.mobile)
        if query.name_prefix is not None:
            conditions.append(Customer.name.startswith(query.name_prefix, autoescape=True))
        if query.since is not None:
            conditions.append(Customer.created_at >= query.since)
        if query.until is not None:
            conditions.append(Customer.created_at < query.until)
        if query.has_ordered is not None:
            placed = exists().where(Order.customer_id == Customer.id)
            conditions.append(placed if query.has_ordered else ~placed)
        if query.spend_since is not None:
            spend = (select(func.coalesce(func.sum(_FEN), 0))
                     .where(Order.customer_id == Customer.id, _PAID,
                            Order.placed_at >= query.spend_since)
                     .scalar_subquery())
            if query.min_spend_fen is not None:
                conditions.append(spend >= query.min_spend_fen)
            if query.below_spend_fen is not None:
                conditions.append(spend < query.below_spend_fen)
        return conditions

    def stats(self, customer_ids: Sequence[int], since: datetime) -> dict[int, CustomerStats]:
        """What the orders of several customers come to, in one query."""
        found = {customer_id: CustomerStats() for customer_id in customer_ids}
        if not customer_ids:
            return found
        rows = self.session.execute(
            select(Order.customer_id, func.count(Order.id),
                   func.count(Order.id).filter(_KEPT),
                   func.coalesce(func.sum(_FEN).filter(_PAID), 0),
                   func.coalesce(func.sum(_FEN).filter(_PAID & (Order.placed_at >= since)), 0))
            .where(Order.customer_id.in_(customer_ids)).group_by(Order.customer_id))
        for customer_id, orders, kept, spent, spent_since in rows:
            found[customer_id] = CustomerStats(orders, kept, _yuan(spent), _yuan(spent_since))
        return found

    def address_count(self, customer_id: int) -> int:
        return int(self.session.scalar(
            select(func.count(Address.id)).where(Address.customer_id == customer_id)) or 0)

    def recent_orders(self, customer_id: int, limit: int) -> list[RecentOrder]:
        """The customer's latest orders, newest first (``ix_shop_order_customer_id``)."""
        rows = self.session.execute(
            select(Order.number, Order.placed_at, Order.state, Order.payable)
            .where(Order.customer_id == customer_id).order_by(Order.id.desc()).limit(limit))
        return [RecentOrder(*row) for row in rows]

