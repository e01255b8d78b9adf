"""What the dashboard service returns: frozen values a template reads, never ORM rows.

A figure the actor may not see is absent (None, or left out of a tuple), never zero: a page
must not tell a warehouse clerk that today's sales are nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shop.application.staff.read_models import Dashboard


@dataclass(frozen=True)
class DayFigures:
    """One day of the trend; None for a figure the actor may not see."""

    day: date
    sales: Decimal | None
    orders: int | None
    visitors: int | None


@dataclass(frozen=True)
class Comparison:
    """A figure today against yesterday (the whole day, in the shop's time zone)."""

    key: str  # "sales", "orders", "visitors"
    label: object  # a translation string
    today: Decimal | int
    yesterday: Decimal | int
    change: Decimal | int
    #: The change in percent of yesterday's, to one decimal; None when yesterday had none.
    percent: Decimal | None


@dataclass(frozen=True)
class Todo:
    """Work waiting in a queue (待办): how many, and which queue (``key``)."""

    key: str  # "awaiting_shipment", "awaiting_review", "after_sales", "low_stock"
    label: object  # a translation string
    count: int


@dataclass(frozen=True)
class Overview:
    people: Dashboard
    today: date
    comparisons: tuple[Comparison, ...]
    #: The last seven days, oldest first, today last; empty when the actor may see none.
    trend: tuple[DayFigures, ...]
    todos: tuple[Todo, ...]
    low_stock_threshold: int

    @property
    def shows_sales(self) -> bool:
        return any(c.key == "sales" for c in self.comparisons)

    @property
    def shows_visitors(self) -> bool:
        return any(c.key == "visitors" for c in self.comparisons)
