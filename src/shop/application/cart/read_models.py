"""What the cart page shows: every line at today's price and stock, and what changed since."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from shop.application.cart.schemas import MAX_QUANTITY
from shop.application.money import to_money
from shop.application.promotions.read_models import PromotionSummary


@dataclass(frozen=True)
class CartLineView:
    id: int
    sku_code: str
    product_slug: str
    name: str
    #: The variant's axis values ("红色 / M").
    variant: str
    image_url: str | None
    quantity: int
    #: Today's price of one.
    price: Decimal
    #: The price of one when the shopper added it.
    price_when_added: Decimal
    #: How many can be bought now.
    available: int
    selected: bool
    #: None left, or the product is no longer sold.
    sold_out: bool
    #: What the live campaigns take off this line, and the campaign the page groups it under.
    discount: Decimal = Decimal("0.00")
    promotion: str = ""

    @property
    def price_changed(self) -> bool:
        return self.price != self.price_when_added

    @property
    def short(self) -> bool:
        """Some left, but fewer than the line asks for."""
        return not self.sold_out and self.quantity > self.available

    @property
    def can_decrease(self) -> bool:
        """Whether the stepper's − may take one away (a line holds at least one)."""
        return self.quantity > 1

    @property
    def can_increase(self) -> bool:
        """Whether the stepper's + may add one (the per-line limit)."""
        return self.quantity < MAX_QUANTITY

    @property
    def line_total(self) -> Decimal:
        return to_money(self.price * self.quantity)

    @property
    def counts(self) -> bool:
        """Whether the line is in the selected total: chosen, and buyable as it stands."""
        return self.selected and not self.sold_out and not self.short


@dataclass(frozen=True)
class CartView:
    lines: tuple[CartLineView, ...]
    promotions: PromotionSummary = field(default_factory=PromotionSummary)

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def selected_total(self) -> Decimal:
        return to_money(sum((line.line_total for line in self.lines if line.counts),
                            Decimal(0)))

    @property
    def selected_discount(self) -> Decimal:
        return to_money(sum((line.discount for line in self.lines if line.counts), Decimal(0)))

    @property
    def selected_payable(self) -> Decimal:
        """The chosen lines after the campaigns' discounts (before shipping and coupons)."""
        return self.selected_total - self.selected_discount

    @property
    def groups(self) -> tuple[tuple[str, tuple[CartLineView, ...]], ...]:
        """The lines grouped by the campaign they share (ungrouped ones last, under "")."""
        names = [name for name in dict.fromkeys(line.promotion for line in self.lines) if name]
        return tuple((name, tuple(line for line in self.lines if line.promotion == name))
                     for name in [*names, ""]
                     if any(line.promotion == name for line in self.lines))

    @property
    def selected_quantity(self) -> int:
        return sum(line.quantity for line in self.lines if line.counts)

    @property
    def all_selected(self) -> bool:
        return bool(self.lines) and all(line.selected for line in self.lines)


@dataclass(frozen=True)
class CartChange:
    """After an add: the guest's new cookie token when this add made the guest's cart (None
    otherwise, and always for a shopper)."""

    new_guest_token: str | None = None
