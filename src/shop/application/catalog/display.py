"""What the storefront says about a price and a stock level: rules, decided here, not in markup.

The read models carry the outcome (``show_list_price``, ``stock_status``); templates only show it.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

#: A SKU with fewer than this many available says how many are left (仅剩 N 件).
LOW_STOCK_THRESHOLD = 10


class StockStatus(StrEnum):
    IN_STOCK = "in_stock"
    #: In stock, fewer than ``LOW_STOCK_THRESHOLD``: the page says how many are left.
    LOW = "low"
    OUT = "out"


def stock_status(available: int) -> StockStatus:
    """From what can still be bought: units on hand that are reserved for orders are not."""
    if available <= 0:
        return StockStatus.OUT
    return StockStatus.LOW if available < LOW_STOCK_THRESHOLD else StockStatus.IN_STOCK


def show_list_price(price: Decimal, list_price: Decimal | None) -> bool:
    """A list price is struck through beside the price only when it is above it."""
    return list_price is not None and list_price > price
