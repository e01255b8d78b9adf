"""What the promotion engine answers: what applied and how much it took from which line, and
for everything that did not apply, why, so that a staff simulator and the cart's "nearly
there" hints can say it without redoing the engine's reasoning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Applied:
    offer_key: str
    name: str
    is_coupon: bool
    #: The item discount it gave, after the guard rails (0 for a gift or free shipping).
    amount: Decimal
    #: (line key, share of ``amount``) for each line it took something from, by line key.
    lines: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class Gift:
    offer_key: str
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class NearMiss:
    """An offer (or an offer's next tier) the cart has not reached yet."""

    offer_key: str
    name: str
    short_by: Decimal
    #: What reaching it would take off (None: a gift, whose worth the engine does not know).
    saving: Decimal | None
    message: str


@dataclass(frozen=True)
class Skipped:
    offer_key: str
    name: str
    #: not_started, ended, channel, member_group, used_up, no_item_in_scope,
    #: threshold_not_reached, no_effect, exclusive, group_exclusive, not_stackable,
    #: one_coupon, search_limit or lost (a better combination does without it).
    reason: str
    message: str


@dataclass(frozen=True)
class Pricing:
    applied: tuple[Applied, ...]
    #: Every line's discount by ``Line.key``; they add up to ``discount_total`` exactly.
    line_discounts: Mapping[str, Decimal]
    discount_total: Decimal
    items_total: Decimal
    free_shipping_by: str | None
    shipping_saving: Decimal
    gifts: tuple[Gift, ...]
    near_misses: tuple[NearMiss, ...]
    skipped: tuple[Skipped, ...]
    #: A floor or the maximum share took something from what the offers would have given.
    capped: bool
