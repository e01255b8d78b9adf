"""What the cart page shows: every line at today's price and stock, and what changed since."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shop.application.cart.schemas import MAX_QUANTITY
from shop.application.money import to_money


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

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def selected_total(self) -> Decimal:
        return to_money(sum((line.line_total for line in self.lines if line.counts),
                            Decimal(0)))

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
