"""The burst lane's port: what the flash-sale desk and its worker ask of the store in front of
the database, whichever store it is (Redis here; anything with atomic scripts would do)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol

#: What ``admit`` answers.
QUEUED = "queued"
AGAIN = "again"  # the same ticket was admitted before (a double-click)
SOLD_OUT = "sold_out"
LIMIT = "limit"  # the shopper holds all the units the sale allows one shopper
UNPRIMED = "unprimed"  # the lane has no counter for the sale yet: prime it from the database


class LaneDown(Exception):
    """The lane's store did not answer: sell through the database lane instead."""


@dataclass(frozen=True)
class Sale:
    """One flash-sale item: a campaign's quota on one SKU."""

    promotion_id: int
    sku_id: int

    @property
    def key(self) -> str:
        return f"{self.promotion_id}:{self.sku_id}"


@dataclass(frozen=True)
class Ticket:
    """A buyer's admitted request, queued for the worker to turn into an order."""

    key: str  # the buy form's idempotency key: the order's too
    customer_id: int
    promotion_id: int
    sku_id: int
    sku_code: str
    quantity: int
    address: str
    shipping_method: str
    locale: str
    admitted_at: str  # ISO 8601, UTC
    channel: str = "web"  # where the buyer shops from: the campaign's channels apply

    @property
    def sale(self) -> Sale:
        return Sale(self.promotion_id, self.sku_id)

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | bytes) -> Ticket:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class TicketState:
    """Where a ticket is: ``queued``, ``done`` (``detail`` is the order number) or ``failed``
    (``detail`` says why, in the buyer's language)."""

    state: str
    detail: str = ""


@dataclass(frozen=True)
class LaneCounts:
    """One sale in the lane: units left, units admitted and not yet written or failed, and
    tickets admitted, written and failed since the lane was primed."""

    left: int
    pending: int
    admitted: int
    written: int
    failed: int


class BurstLane(Protocol):
    def admit(self, ticket: Ticket, per_customer_limit: int | None, ttl: int) -> str: ...

    def prime(self, sale: Sale, left: int, buyers: dict[int, int], ttl: int) -> bool: ...

    def next(self, wait_seconds: float) -> Ticket | None: ...

    def begin(self, ticket: Ticket, taken_at: datetime) -> None: ...

    def settle(self, ticket: Ticket, outcome: TicketState, give_back: bool) -> bool: ...

    def sync(self, sale: Sale, database_left: int) -> int | None: ...

    def state(self, customer_id: int, key: str) -> TicketState | None: ...

    def requeue_older_than(self, moment: datetime) -> int: ...

    def counts(self, sale: Sale) -> LaneCounts | None: ...

    def forget(self, sale: Sale) -> None: ...
