"""What the service center and the RMA desk show: plain values, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ReturnableLineView:
    line_id: int
    sku_code: str
    name: str
    variant: str
    unit_price: Decimal
    quantity: int
    #: Units not yet in another request that still counts.
    returnable: int
    #: What the whole line was paid (its total less its share of the order's discounts).
    paid: Decimal


@dataclass(frozen=True)
class RmaOptions:
    """What a shopper may ask of one order, and until when."""

    order_number: str
    order_state: str
    kinds: tuple[tuple[str, Any], ...]
    reasons: tuple[tuple[str, Any], ...]
    lines: tuple[ReturnableLineView, ...]
    delivered_at: datetime | None
    #: The earliest of the lines' deadlines (None: no deadline, or not delivered yet).
    no_reason_until: datetime | None
    returns_until: datetime | None


@dataclass(frozen=True)
class RmaLineView:
    line_id: int
    sku_code: str
    name: str
    variant: str
    unit_price: Decimal
    quantity: int
    refund_amount: Decimal


@dataclass(frozen=True)
class RmaStep:
    from_state: str
    to_state: str
    label: Any
    actor: str
    note: str
    occurred_at: datetime


@dataclass(frozen=True)
class RmaSummary:
    number: str
    order_number: str
    kind: str
    kind_label: Any
    state: str
    state_label: Any
    reason: str
    reason_label: Any
    staff_message: str
    refund_total: Decimal
    created_at: datetime
    lines: tuple[RmaLineView, ...]


@dataclass(frozen=True)
class RmaDetail:
    summary: RmaSummary
    description: str
    disposition: str
    replacement_carrier: str
    replacement_tracking: str
    #: The number of the zero-amount order that carries the replacement (None before it is
    #: sent, and for requests replaced before replacements were orders).
    replacement_order: str | None
    photos: tuple[str, ...]
    steps: tuple[RmaStep, ...]
    #: What may happen next (staff actions: approve, reject, receive, refund, replace;
    #: the shopper's: withdraw), for the page to offer.
    actions: tuple[str, ...]
    #: What the lines would refund now (their share of what was paid, to the fen).
    refund_due: Decimal


@dataclass(frozen=True)
class RmaPage:
    requests: tuple[RmaSummary, ...]
    #: The id to pass as ``before`` for the next (older) page, or None on the last.
    next_before: int | None


@dataclass(frozen=True)
class TicketView:
    id: int
    kind: str
    kind_label: Any
    state: str
    subject: str
    body: str
    answer: str
    answered_by: str
    created_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class PolicyView:
    category_id: int
    category: str
    no_reason_days: int
    return_days: int
