"""What the flash-sale desk hands to pages and integrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from shop.application.ordering.read_models import PlacedOrder


@dataclass(frozen=True)
class FlashOffer:
    """One flash-sale item as a buyer sees it; ``left`` is the database's count (the burst
    lane may be a few units ahead while its queue is being written)."""

    code: str
    name: str
    sku_code: str
    product_slug: str
    product_name: str
    list_price: Decimal
    price: Decimal
    quota: int
    left: int
    per_customer_limit: int | None
    starts_at: datetime
    ends_at: datetime
    live: bool


@dataclass(frozen=True)
class BuyOutcome:
    """A buy that was taken: queued in the burst lane (``ticket``, to follow with
    ``flash_sales.ticket``) or placed at once by the database lane (``order``)."""

    ticket: str | None = None
    order: PlacedOrder | None = None


@dataclass(frozen=True)
class TicketView:
    """Where a queued buy is: ``queued``; ``done`` with its order; ``failed`` with why
    (a translation string); ``unknown`` when the lane lost it and no order was written (the
    units went back on sale: the buyer may try again)."""

    state: str
    order_number: str | None = None
    message: Any = None
