"""``uow.dashboard``: the numbers the back office's home shows, each to whoever may see it.

* Today's paid amount (支付金额) and paid orders (支付订单数): orders that moved into ``paid``
  that day, worth what the shopper paid by every means (payable plus balance, points and gift
  cards). Needs ``ORDER_VIEW``. Cash on delivery is not paid until it is, so it counts then.
* Visitors (访客数), from ``visit_day`` plus what this process has counted and not yet added
  (``shop.application.visits``). Needs ``ORDER_VIEW`` or ``CUSTOMER_VIEW``.
* The last seven days of the same, for the trend chart.
* To-dos: orders awaiting shipment (待发货), orders waiting for a person's review (待审核: pending
  or held) and open after-sales requests (售后/维权), with ``ORDER_VIEW``; SKUs at or below the
  low-stock threshold (``STOCK_VIEW``; ``shop.low_stock_threshold`` in the ini file, 5 unless
  set).

Days are days in the shop's time zone (base settings), "now" is the shop's clock. Each block
is one aggregate statement, so the page costs the same whatever the shop's size.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop.application.actors import Permission
from shop.application.dashboard.read_models import Comparison, DayFigures, Overview, Todo
from shop.application.i18n import _
from shop.application.money import to_money
from shop.application.ordering.states import AWAITING_SHIPMENT, PAID
from shop.application.rma import states as rma_states
from shop.data.repositories.dashboard import DashboardRepository

if TYPE_CHECKING:
    from shop.application import UnitOfWork

TREND_DAYS = 7
LOW_STOCK_SETTING = "shop.low_stock_threshold"
DEFAULT_LOW_STOCK = 5
#: Paid orders wait for shipment in both states (paid, then handed to the warehouse).
UNSHIPPED = (PAID, AWAITING_SHIPMENT)


class DashboardService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._repo = DashboardRepository(uow._session)

    def overview(self) -> Overview:
        actor = self.uow.actor
        actor.require(Permission.ADMIN_ACCESS)
        people = self.uow.staff.dashboard()
        zone = self.uow.settings.current().zone
        today = self.uow.clock.now().astimezone(zone).date()
        days = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
        sees_sales = actor.can(Permission.ORDER_VIEW)
        sees_visitors = sees_sales or actor.can(Permission.CUSTOMER_VIEW)

        paid: dict[int, tuple[int, Decimal]] = {}
        if sees_sales:
            bounds = [_start_of(day, zone) for day in [*days, today + timedelta(days=1)]]
            paid = self._repo.moved_per_day(PAID, bounds)
        visitors: dict[date, int] = {}
        if sees_visitors:
            visitors = self._repo.visitors_between(days[0], today)
            visitors[today] = visitors.get(today, 0) + self.uow.visits.pending(today)
            yesterday = days[-2]
            visitors[yesterday] = visitors.get(yesterday, 0) + self.uow.visits.pending(yesterday)

        trend = tuple(DayFigures(
            day,
            to_money(paid.get(i, (0, Decimal(0)))[1]) if sees_sales else None,
            paid.get(i, (0, Decimal(0)))[0] if sees_sales else None,
            visitors.get(day, 0) if sees_visitors else None)
            for i, day in enumerate(days)) if (sees_sales or sees_visitors) else ()
        return Overview(people, today, _comparisons(trend), trend, self._todos(),
                        self.low_stock_threshold())

    def low_stock_threshold(self) -> int:
        raw = self.uow.shop.settings.get(LOW_STOCK_SETTING, DEFAULT_LOW_STOCK)
        try:
            return max(0, int(raw))
        except (TypeError, ValueError):
            return DEFAULT_LOW_STOCK

    def _todos(self) -> tuple[Todo, ...]:
        actor = self.uow.actor
        todos = []
        if actor.can(Permission.ORDER_VIEW):
            todos.append(Todo("awaiting_shipment", _("Orders awaiting shipment"),
                              self._repo.count_orders_in(UNSHIPPED)))
            todos.append(Todo("awaiting_review", _("Orders awaiting review"),
                              self._repo.count_orders_in_review(("pending", "held"))))
            todos.append(Todo("after_sales", _("After-sales requests to handle"),
                              self._repo.count_rma_in(rma_states.OPEN)))
        if actor.can(Permission.STOCK_VIEW):
            todos.append(Todo("low_stock", _("SKUs low on stock"),
                              self._repo.count_low_stock(self.low_stock_threshold())))
        return tuple(todos)


def _start_of(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


LABELS = {"sales": _("Paid amount"), "orders": _("Paid orders"), "visitors": _("Visitors")}


def _comparisons(trend: tuple[DayFigures, ...]) -> tuple[Comparison, ...]:
    if len(trend) < 2:
        return ()
    yesterday, today = trend[-2], trend[-1]
    found = []
    for key in ("sales", "orders", "visitors"):
        now, before = getattr(today, key), getattr(yesterday, key)
        if now is None or before is None:
            continue
        change = now - before
        percent = (None if not before else
                   (Decimal(change) * 100 / Decimal(before)).quantize(Decimal("0.1")))
        found.append(Comparison(key, LABELS[key], now, before, change, percent))
    return tuple(found)
