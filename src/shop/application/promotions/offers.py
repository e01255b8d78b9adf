"""What the promotion engine is given: the cart's lines, the offers and the shopper's context.

Plain frozen values, checked when they are made, so that the engine never meets a tier that
saves more than it costs or a percentage above 100: a nonsense offer is a ``ValueError`` at
the door, not a negative price at checkout. Loading offers from the database and counting
quotas belong to the caller; the engine is a pure function of these values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from itertools import pairwise
from typing import ClassVar

from shop.application.money import to_money

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def _money(value: Decimal, what: str, *, positive: bool = False) -> None:
    """Refuse an amount finer than a fen, negative (or zero when it must be positive)."""
    if to_money(value) != value or value < 0 or (positive and value == 0):
        raise ValueError(f"{what} must be {'a positive' if positive else 'an'} amount "
                         f"to the fen, not {value!r}")


def _percent(value: Decimal, what: str) -> None:
    if not isinstance(value, Decimal | int) or not 0 < value <= HUNDRED:
        raise ValueError(f"{what} must be more than 0 and at most 100, not {value!r}")


def _count(value: int, what: str, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{what} must be a whole number of at least {least}, not {value!r}")


def _aware(value: datetime | None, what: str) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{what} must carry its time zone")


@dataclass(frozen=True)
class Line:
    """A cart line. ``category_ids`` holds the product's category and all its ancestors, so
    that a scope naming "clothes" covers a line filed under "clothes › shirts"."""

    key: str
    sku_id: int
    product_id: int
    brand_id: int | None
    category_ids: frozenset[int]
    unit_price: Decimal
    quantity: int
    #: The per-unit price no discount may take the line below (cost, a brand's minimum price).
    floor_price: Decimal = ZERO

    def __post_init__(self) -> None:
        _money(self.unit_price, "a unit price")
        _money(self.floor_price, "a floor price")
        _count(self.quantity, "a quantity", 1)
        if self.floor_price > self.unit_price:
            raise ValueError(f"line {self.key}: the floor is above the price")

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def headroom(self) -> Decimal:
        """The most all discounts together may take off this line."""
        return (self.unit_price - self.floor_price) * self.quantity


@dataclass(frozen=True)
class Scope:
    """Which lines an offer covers. Exclusions win over everything else."""

    everything: bool = True
    category_ids: frozenset[int] = frozenset()
    brand_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    sku_ids: frozenset[int] = frozenset()
    excluded_product_ids: frozenset[int] = frozenset()
    excluded_sku_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if not (self.everything or self.category_ids or self.brand_ids or self.product_ids
                or self.sku_ids):
            raise ValueError("a scope must cover everything or name what it covers")

    def covers(self, line: Line) -> bool:
        if line.product_id in self.excluded_product_ids or line.sku_id in self.excluded_sku_ids:
            return False
        return (self.everything or bool(line.category_ids & self.category_ids)
                or line.brand_id in self.brand_ids or line.product_id in self.product_ids
                or line.sku_id in self.sku_ids)


class Combination(StrEnum):
    #: Nothing else applies to the lines it touches (a flash sale).
    EXCLUSIVE = "exclusive"
    #: Nothing else of its own group applies to the lines it touches.
    GROUP_EXCLUSIVE = "group_exclusive"
    STACKABLE = "stackable"


@dataclass(frozen=True)
class Stacking:
    mode: Combination = Combination.STACKABLE
    group: str = ""
    #: The groups this offer stacks with; empty: every group.
    stacks_with: frozenset[str] = frozenset()
    #: Within a stage, a higher priority is applied first (and keeps its discount when a
    #: floor or the maximum share bites).
    priority: int = 0

    def __post_init__(self) -> None:
        if self.mode is Combination.GROUP_EXCLUSIVE and not self.group:
            raise ValueError("a group-exclusive offer needs a group")

    def compatible(self, other: Stacking) -> bool:
        """May two offers both apply to one line?"""
        if Combination.EXCLUSIVE in (self.mode, other.mode):
            return False
        if self.group == other.group and Combination.GROUP_EXCLUSIVE in (self.mode, other.mode):
            return False
        return ((not self.stacks_with or other.group in self.stacks_with)
                and (not other.stacks_with or self.group in other.stacks_with))


class Stage(IntEnum):
    """The order in which kinds of rule apply: each measures what the earlier ones left."""

    PRICE = 1
    ITEMS = 2
    ORDER = 3
    COUPON = 4
    SHIPPING = 5


@dataclass(frozen=True)
class SpendSave:
    """满减: tiers of (spend, save), the best tier reached; with ``repeat``, one tier that
    applies once per whole multiple of its spend ("every 100 save 10")."""

    stage: ClassVar[Stage] = Stage.ORDER
    tiers: tuple[tuple[Decimal, Decimal], ...]
    repeat: bool = False

    def __post_init__(self) -> None:
        if not self.tiers or (self.repeat and len(self.tiers) != 1):
            raise ValueError("spend-save needs tiers, and exactly one when it repeats")
        for spend, save in self.tiers:
            _money(spend, "a tier's spend", positive=True)
            _money(save, "a tier's saving", positive=True)
            if save > spend:
                raise ValueError("a tier cannot save more than its spend")
        for (spend, save), (higher, more) in pairwise(self.tiers):
            if not (spend < higher and save < more):
                raise ValueError("tiers must rise in both spend and saving")


@dataclass(frozen=True)
class PercentOff:
    """打折: ``percent`` off each unit in scope (20 = 20% off)."""

    stage: ClassVar[Stage] = Stage.PRICE
    percent: Decimal

    def __post_init__(self) -> None:
        _percent(self.percent, "a percentage off")


@dataclass(frozen=True)
class AmountOff:
    """直降: ``amount`` off each unit in scope (never below zero)."""

    stage: ClassVar[Stage] = Stage.PRICE
    amount: Decimal

    def __post_init__(self) -> None:
        _money(self.amount, "an amount off", positive=True)


@dataclass(frozen=True)
class SpecialPrice:
    """A flash-sale, new-customer or member price per SKU. ``units`` holds how many units may
    still have it (what is left of the quota and of the shopper's limit, counted by the
    caller); the rest pay the normal price. A SKU absent from ``units`` has no limit."""

    stage: ClassVar[Stage] = Stage.PRICE
    prices: Mapping[int, Decimal]
    units: Mapping[int, int] | None = None

    def __post_init__(self) -> None:
        if not self.prices:
            raise ValueError("a special price needs at least one SKU")
        for price in self.prices.values():
            _money(price, "a special price")
        for sku_id, units in (self.units or {}).items():
            _count(units, "a number of units", 0)
            if sku_id not in self.prices:
                raise ValueError(f"units for SKU {sku_id}, which has no special price")


@dataclass(frozen=True)
class BuyXGetY:
    """Buy ``buy``, get ``get`` at ``percent_off`` (100: free); the cheapest units in scope
    are the ones got, so the shop never gives the dearest item away."""

    stage: ClassVar[Stage] = Stage.ITEMS
    buy: int
    get: int
    percent_off: Decimal = HUNDRED

    def __post_init__(self) -> None:
        _count(self.buy, "buy", 1)
        _count(self.get, "get", 1)
        _percent(self.percent_off, "a percentage off")


@dataclass(frozen=True)
class NForPrice:
    """任选N件: any ``count`` units in scope for ``price`` together, as often as the cart
    fills a group."""

    stage: ClassVar[Stage] = Stage.ITEMS
    count: int
    price: Decimal

    def __post_init__(self) -> None:
        _count(self.count, "a group's count", 2)
        _money(self.price, "a group's price", positive=True)


@dataclass(frozen=True)
class NthDiscount:
    """第二件半价: every ``nth`` unit of one SKU at ``percent_off``."""

    stage: ClassVar[Stage] = Stage.ITEMS
    nth: int = 2
    percent_off: Decimal = Decimal(50)

    def __post_init__(self) -> None:
        _count(self.nth, "nth", 2)
        _percent(self.percent_off, "a percentage off")


@dataclass(frozen=True)
class GiftWithPurchase:
    """满赠: a gift once the spend in scope reaches ``threshold``; it takes nothing off."""

    stage: ClassVar[Stage] = Stage.ORDER
    threshold: Decimal
    gift_sku_id: int
    gift_quantity: int = 1

    def __post_init__(self) -> None:
        _money(self.threshold, "a threshold")
        _count(self.gift_quantity, "a gift quantity", 1)


@dataclass(frozen=True)
class FreeShipping:
    """包邮 once the spend in scope reaches ``threshold``."""

    stage: ClassVar[Stage] = Stage.SHIPPING
    threshold: Decimal = ZERO

    def __post_init__(self) -> None:
        _money(self.threshold, "a threshold")


@dataclass(frozen=True)
class CouponAmount:
    stage: ClassVar[Stage] = Stage.COUPON
    amount: Decimal
    min_spend: Decimal = ZERO

    def __post_init__(self) -> None:
        _money(self.amount, "a coupon's amount", positive=True)
        _money(self.min_spend, "a minimum spend")


@dataclass(frozen=True)
class CouponPercent:
    stage: ClassVar[Stage] = Stage.COUPON
    percent: Decimal
    cap: Decimal | None = None
    min_spend: Decimal = ZERO

    def __post_init__(self) -> None:
        _percent(self.percent, "a percentage off")
        if self.cap is not None:
            _money(self.cap, "a cap", positive=True)
        _money(self.min_spend, "a minimum spend")


@dataclass(frozen=True)
class CouponFreeShipping:
    stage: ClassVar[Stage] = Stage.SHIPPING
    min_spend: Decimal = ZERO

    def __post_init__(self) -> None:
        _money(self.min_spend, "a minimum spend")


Rule = (SpendSave | PercentOff | AmountOff | SpecialPrice | BuyXGetY | NForPrice | NthDiscount
        | GiftWithPurchase | FreeShipping | CouponAmount | CouponPercent | CouponFreeShipping)
COUPON_RULES = (CouponAmount, CouponPercent, CouponFreeShipping)


@dataclass(frozen=True)
class Offer:
    """A promotion or a coupon as the engine sees it. ``uses_left`` is what remains of its
    total or per-shopper limit, already counted by the caller (0: used up; None: no limit).
    Any rule may come as a coupon (``is_coupon``: at most one per order); the coupon rules
    must."""

    key: str
    name: str
    rule: Rule
    scope: Scope = Scope()
    stacking: Stacking = Stacking()
    is_coupon: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    #: The channels it runs on ("web", "app", "mini-program"); empty: every channel.
    channels: frozenset[str] = frozenset()
    #: The member groups that may use it; empty: everyone.
    groups: frozenset[str] = frozenset()
    uses_left: int | None = None

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("an offer needs a key")
        if isinstance(self.rule, COUPON_RULES) and not self.is_coupon:
            raise ValueError(f"offer {self.key}: a coupon rule must come as a coupon")
        _aware(self.starts_at, "starts_at")
        _aware(self.ends_at, "ends_at")
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValueError(f"offer {self.key} ends before it starts")
        if self.uses_left is not None:
            _count(self.uses_left, "uses left", 0)

    @property
    def stage(self) -> Stage:
        return self.rule.stage


@dataclass(frozen=True)
class Context:
    """Who is shopping, where and when; ``now`` comes from the shop's clock."""

    now: datetime
    channel: str = "web"
    groups: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _aware(self.now, "now")


@dataclass(frozen=True)
class Limits:
    """Guard rails over all offers together. ``max_share``: the most the item discounts may
    take off, as a fraction of the items total (Decimal("0.5"): at most half)."""

    max_share: Decimal | None = None

    def __post_init__(self) -> None:
        if self.max_share is not None and not 0 <= self.max_share <= 1:
            raise ValueError("max_share is a fraction between 0 and 1")


def canonical_key(offer: Offer) -> str:
    """The offer's content written out with every set and mapping sorted and every amount
    normalised, its key last: what ties are broken by, so that the result never depends on
    the order the offers came in, nor on keys alone."""
    return f"{_canonical(offer.rule)}|{_canonical(offer.stacking)}|{_canonical(offer.scope)}" \
           f"|{_canonical(offer)}"


def _canonical(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return "{" + ",".join(sorted(_canonical(item) for item in value)) + "}"
    if isinstance(value, Mapping):
        return "{" + ",".join(sorted(f"{_canonical(k)}:{_canonical(v)}"
                                     for k, v in value.items())) + "}"
    if isinstance(value, tuple):
        return "(" + ",".join(_canonical(item) for item in value) + ")"
    if is_dataclass(value) and not isinstance(value, type):
        if isinstance(value, Offer):
            parts = [_canonical(getattr(value, f.name)) for f in fields(value)
                     if f.name not in ("key", "rule", "scope", "stacking")] + [value.key]
        else:
            parts = [_canonical(getattr(value, f.name)) for f in fields(value)]
        return f"{type(value).__name__}(" + ",".join(parts) + ")"
    return repr(value)

