"""The back office's headline numbers, counted where they live.

Every method is one aggregate statement whose cost does not grow with the page: the week's
sales are bucketed into days inside SQL (a CASE over the day boundaries the caller computed in
the shop's time zone, so no database needs to know time zones), and each to-do is a count.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shop.data.models import (
    Customer,
    Order,
    OrderTransition,
    Product,
    RmaRequest,
    Staff,
    StockLevel,
    VisitDay,
)
from shop.data.repositories.money import to_fen


class DashboardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count_products(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Product)) or 0

    def count_customers(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Customer)) or 0

    def count_staff(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Staff)) or 0

    def moved_per_day(self, to_state: str, bounds: Sequence[datetime],
                      ) -> dict[int, tuple[int, Decimal]]:
        """Orders that moved into ``to_state`` within each day, and what they are worth
        (payable plus what balance, points and gift cards covered): ``{i: (orders, amount)}``
        for the day from ``bounds[i]`` to ``bounds[i + 1]``; days without any are absent."""
        when = OrderTransition.occurred_at
        day = case(*[(when >= start, index)
                     for index, start in reversed(list(enumerate(bounds[:-1])))],
                   else_=-1).label("day")
        moved = (select(day, OrderTransition.order_id,
                        (Order.payable + Order.covered_total).label("amount"))
                 .join(Order, Order.id == OrderTransition.order_id)
                 .where(OrderTransition.to_state == to_state, when >= bounds[0],
                        when < bounds[-1])
                 .subquery())
        rows = self.session.execute(
            select(moved.c.day, func.count(func.distinct(moved.c.order_id)),
                   to_fen(func.sum(moved.c.amount)))
            .group_by(moved.c.day))
        return {int(index): (int(orders), Decimal(str(amount or 0)))
                for index, orders, amount in rows}

    def count_orders_in(self, states: Collection[str]) -> int:
        return self.session.scalar(select(func.count()).select_from(Order)
                                   .where(Order.state.in_(sorted(states)))) or 0

    def count_orders_in_review(self, reviews: Collection[str]) -> int:
        """Orders whose staff review (订单审核) is one of ``reviews``: a range of
        ``ix_shop_order_review_placed_at_id`` per review."""
        return self.session.scalar(select(func.count()).select_from(Order)
                                   .where(Order.review.in_(sorted(reviews)))) or 0

    def count_rma_in(self, states: Collection[str]) -> int:
        """After-sales requests in ``states`` (``ix_rma_request_state_id``)."""
        return self.session.scalar(select(func.count()).select_from(RmaRequest)
                                   .where(RmaRequest.state.in_(sorted(states)))) or 0

    def count_low_stock(self, threshold: int) -> int:
        """SKUs whose stock still to sell (on hand less reserved, over every warehouse) is at
        or below ``threshold``."""
        low = (select(StockLevel.sku_id).group_by(StockLevel.sku_id)
               .having(func.sum(StockLevel.on_hand - StockLevel.reserved) <= threshold)
               .subquery())
        return self.session.scalar(select(func.count()).select_from(low)) or 0

    def visitors_between(self, first: date, last: date) -> dict[date, int]:
        rows = self.session.execute(select(VisitDay.day, VisitDay.visitors)
                                    .where(VisitDay.day >= first, VisitDay.day <= last))
        return {day: visitors for day, visitors in rows}
